"""Each version's OpenAPI document and the browsable reference at /api/docs (app/controllers/api/reference.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from app.settings import get_settings
from tests.contract.conftest import Client


def _refs(node: Any) -> set[str]:
    text = json.dumps(node)
    return set(re.findall(r'"#/components/schemas/([^"]+)"', text))


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_each_version_has_an_openapi_31_document_with_only_its_own_paths(client: Client, version: str):
    response = await client.get(f"/api/{version}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert document["info"]["version"] == version
    assert document["paths"] and all(path.startswith(f"/api/{version}/") for path in document["paths"])
    schemas = document["components"]["schemas"]
    assert _refs(document) <= set(schemas), "every $ref resolves inside the document"
    assert set(schemas) <= _refs(document["paths"]) | {ref for s in schemas.values() for ref in _refs(s)}


async def test_the_version_documents_split_the_apps_document_between_them(client: Client):
    whole = (await client.get("/schema/openapi.json")).json()
    v1 = (await client.get("/api/v1/openapi.json")).json()
    v2 = (await client.get("/api/v2/openapi.json")).json()
    api_paths = {path for path in whole["paths"] if path.startswith("/api/")}
    assert set(v1["paths"]) | set(v2["paths"]) == api_paths
    assert "/api/v2/orders" in v2["paths"] and "/api/v1/cart/submit" in v1["paths"]
    assert v2["paths"]["/api/v2/cart"] == whole["paths"]["/api/v2/cart"]


async def test_the_v2_document_states_the_headers_and_closed_bodies_the_handlers_enforce(client: Client):
    v2 = (await client.get("/api/v2/openapi.json")).json()
    place = v2["paths"]["/api/v2/orders"]["post"]
    [key] = [p for p in place["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["required"] is True
    patch = v2["paths"]["/api/v2/products/{product_id}"]["patch"]
    assert any(p["name"] == "If-Match" and p["required"] for p in patch["parameters"])
    assert v2["components"]["schemas"]["Credentials"]["additionalProperties"] is False


async def test_the_v1_document_states_the_statuses_v1s_conventions_send_and_they_are_sent_so(client: Client):
    v1 = (await client.get("/api/v1/openapi.json")).json()
    operations = {op["operationId"]: op for item in v1["paths"].values() for op in item.values()}
    assert all("406" in op["responses"] for op in operations.values())
    limited = {name: op for name, op in operations.items() if name not in ("v1Health", "v1Metrics")}
    assert all({"429", "503"} <= set(op["responses"]) for op in limited.values())
    assert "Retry-After" in operations["v1ListProducts"]["responses"]["503"]["headers"]
    assert operations["v1Health"]["responses"]["503"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "V1Health"
    )  # its own 503 (a probe failed) is kept
    for name in ("v1Login", "v1AddCartItem", "v1SubmitCart", "v1CreateProduct"):
        assert {"413", "415"} <= set(operations[name]["responses"]), name
    assert "415" not in operations["v1ListProducts"]["responses"] and "405" not in operations["v1GetCart"]["responses"]
    schemas = v1["components"]["schemas"]

    def documented(operation: str, status: int, body: dict[str, object]) -> None:
        [(media, content)] = operations[operation]["responses"][str(status)]["content"].items()
        schema = schemas[content["schema"]["$ref"].rsplit("/", 1)[-1]]
        assert media == "application/json" and set(schema["required"]) <= set(body) <= set(schema["properties"])

    refused = await client.get("/api/v1/products/", headers={"Accept": "text/html"})
    assert refused.status_code == 406
    documented("v1ListProducts", 406, refused.json())
    not_json = await client.post("/api/v1/auth/login/", content=b"a=b", headers={"Content-Type": "text/plain"})
    assert not_json.status_code == 415
    documented("v1Login", 415, not_json.json())
    too_large = b"{" + b" " * (get_settings().images.max_upload_bytes + 1) + b"}"
    oversized = await client.post(
        "/api/v1/auth/login/", content=too_large, headers={"Content-Type": "application/json"}
    )
    assert oversized.status_code == 413
    documented("v1Login", 413, oversized.json())


async def test_the_reference_page_loads_swagger_ui_from_this_origin_and_lists_both_versions(client: Client):
    response = await client.get("/api/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script>" not in page and "style=" not in page  # the Content-Security-Policy refuses inline code
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    names = " ".join(assets)
    vendored = ("swagger-ui-bundle-5.35.0.", "swagger-ui-standalone-preset-5.35.0.", "swagger-ui-5.35.0.")
    for expected in (*vendored, "api-docs."):
        assert expected in names
    for asset in assets:
        loaded = await client.get(asset)
        assert loaded.status_code == 200 and loaded.content, asset
    match = re.search(r"data-versions='([^']+)'", page)
    assert match
    versions = json.loads(match.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert [v["url"] for v in versions] == ["/api/v2/openapi.json", "/api/v1/openapi.json"]


def _link_targets(link: str) -> dict[str, str]:
    """`Link: <url>; rel="name", …` as {name: url}."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>;\s*rel="([^"]+)"', link)}


async def test_a_v1_answers_deprecation_link_leads_to_the_migration_guide_page(client: Client):
    targets = _link_targets((await client.get("/api/v1/products/")).headers["link"])

    guide = await client.get(targets["deprecation"])

    assert guide.status_code == 200 and guide.headers["content-type"].startswith("text/html")
    assert "<h2>Migrating from v1</h2>" in guide.text
    assert "<table>" in guide.text and "<code>POST /api/v2/orders</code>" in guide.text  # the guide's table, rendered
    assert "## " not in guide.text and "<script" not in guide.text
    assert '<a href="/api/docs">' in guide.text


async def test_a_v1_answers_successor_version_link_leads_to_an_index_of_v2(client: Client):
    targets = _link_targets((await client.get("/api/v1/products/")).headers["link"])

    index = await client.get(targets["successor-version"])

    assert index.status_code == 200 and index.headers["content-type"].startswith("application/json")
    body = index.json()
    assert body["version"] == "v2"
    for name in ("openapi", "reference", "migration_guide"):
        assert (await client.get(body[name])).status_code == 200, name
