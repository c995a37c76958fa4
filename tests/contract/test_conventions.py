"""API v1's global conventions (api-v1.md §1, patterns.md §5): paths, headers, content negotiation, errors."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from uuid import uuid4

import pytest
from litestar import Litestar

from app.web.api_versions import V1_DEPRECATION_HEADERS
from tests.contract.conftest import Client, add_product
from tests.integration.conftest import ensure_user
from tests.support.factories import NO_SUCH_IDS

SHOPPER_GETS = ["auth/session", "products", "cart", "orders", "health"]


@pytest.mark.parametrize("prefix", ["/api/v1", "/api"])
@pytest.mark.parametrize("slash", ["/", ""])
async def test_every_path_answers_with_and_without_the_version_and_the_trailing_slash(
    client: Client, customer: dict[str, str], prefix: str, slash: str
):
    for path in SHOPPER_GETS:
        response = await client.get(f"{prefix}/{path}{slash}")
        assert response.status_code == 200, path
        assert response.headers["content-type"] == "application/json", path
    logout = await client.post(f"{prefix}/auth/logout{slash}", headers=customer)
    assert logout.status_code == 200


async def test_every_v1_response_carries_the_deprecation_headers(
    app: Litestar, client: Client, customer: dict[str, str]
):
    responses = {
        "success": await client.get("/api/v1/cart/"),
        "unversioned": await client.get("/api/products"),
        "domain error": await client.post("/api/v1/cart/items/", json={"quantity": 1}, headers=customer),
        "csrf failure": await client.post("/api/v1/cart/items/", json={}),
        "unknown route": await client.get("/api/v1/nowhere/"),
        "wrong method": await client.put("/api/cart/"),
        "not acceptable": await client.get("/api/v1/cart/", headers={"Accept": "text/html"}),
        "unsupported media": await client.post(
            "/api/v1/cart/items/", content=b"x", headers={**customer, "Content-Type": "text/plain"}
        ),
        "options": await client.options("/api/v1/cart/"),
        "metrics": await client.get("/api/v1/metrics/"),
    }
    for case, response in responses.items():
        assert {name: response.headers.get(name) for name in V1_DEPRECATION_HEADERS} == V1_DEPRECATION_HEADERS, case


def test_the_deprecation_headers_follow_their_rfcs():
    deprecation = V1_DEPRECATION_HEADERS["Deprecation"]
    assert deprecation.startswith("@") and deprecation[1:].isdigit()  # RFC 9745: a structured-field date
    sunset = parsedate_to_datetime(V1_DEPRECATION_HEADERS["Sunset"])  # RFC 8594: an HTTP-date
    assert V1_DEPRECATION_HEADERS["Sunset"].endswith(" GMT")
    assert sunset.timestamp() >= int(deprecation[1:])
    assert V1_DEPRECATION_HEADERS["Link"] == (
        '</docs/api/migration-v1-to-v2>; rel="deprecation", </api/v2/>; rel="successor-version"'
    )


async def test_pages_outside_the_api_carry_no_deprecation_headers(client: Client):
    assert "deprecation" not in (await client.get("/health/live")).headers


async def test_unknown_api_routes_are_json_404s(client: Client):
    for path in ("/api/v1/nowhere/", "/api/nowhere", f"/api/v1/cart/items/{uuid4()}/nothing/"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}, path


async def test_an_unknown_version_lists_the_supported_ones(client: Client):
    response = await client.get("/api/v9/products/")
    assert response.status_code == 404
    body = response.json()  # an unknown version is no v1: an RFC 9457 problem (API v2's errors)
    assert body["detail"] == "API version 'v9' does not exist." and body["supported_versions"] == ["v1", "v2"]
    assert "deprecation" not in response.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/v1/cart/"),
        ("POST", "/api/v1/products/"),
        ("GET", "/api/v1/auth/login/"),
        ("PATCH", "/api/orders/"),
        ("DELETE", "/api/v1/health/"),
        ("GET", f"/api/v1/cart/items/{NO_SUCH_IDS[0]}/remove/"),
    ],
)
async def test_a_method_not_listed_for_a_path_is_405_in_drf_wording(client: Client, method: str, path: str):
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method}" not allowed.'}


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/plain"])
async def test_an_accept_header_ruling_out_json_is_406(client: Client, accept: str):
    for path in ("/api/v1/products/", "/api/metrics/"):
        response = await client.get(path, headers={"Accept": accept})
        assert response.status_code == 406
        assert response.json() == {"detail": "Could not satisfy the request Accept header."}


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*", "text/html, */*;q=0.8", ""])
async def test_an_accept_header_allowing_json_is_served(client: Client, accept: str):
    headers = {"Accept": accept} if accept else {}
    assert (await client.get("/api/v1/products/", headers=headers)).status_code == 200


async def test_a_body_that_is_not_json_is_415(client: Client):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"):
        response = await client.post(
            "/api/v1/auth/login/", content=b"username=a", headers={"Content-Type": content_type}
        )
        assert response.status_code == 415
        assert response.json() == {"detail": f'Unsupported media type "{content_type}" in request.'}


async def test_malformed_json_is_400_with_the_parser_message(client: Client):
    cases = {
        b"{": "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        b'{"a": NaN}': "JSON parse error - Out of range float values are not JSON compliant",
        b"\xff": "JSON parse error - 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    }
    for body, detail in cases.items():
        response = await client.post("/api/v1/auth/login/", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json() == {"detail": detail}


async def test_an_empty_body_counts_as_an_empty_object(client: Client):
    response = await client.post("/api/v1/auth/login/", content=b"", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert response.json() == {"error": "Username and password are required"}


async def test_a_json_body_must_be_an_object(client: Client):
    for body in (b"[]", b'"admin"', b"null", b"42"):
        response = await client.post("/api/v1/auth/login/", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json() == {"error": "Invalid input: the request body must be a JSON object"}


async def test_text_no_database_can_store_is_refused(client: Client):
    for body in (b'{"username": "a\\u0000b", "password": "x"}', b'{"username": "\\ud800", "password": "x"}'):
        response = await client.post("/api/v1/auth/login/", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert response.json() == {
            "error": "Invalid input: text must not contain NUL characters or unpaired surrogates"
        }


async def test_unknown_body_fields_are_ignored(app: Litestar, client: Client):
    await ensure_user(app, "alice", "alice-password", "customer")
    response = await client.post(
        "/api/v1/auth/login/", json={"username": "alice", "password": "alice-password", "remember": True}
    )
    assert response.status_code == 200


async def test_options_answers_drf_metadata_without_an_auth_check(client: Client):
    response = await client.options("/api/v1/cart/items/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["name", "description", "renders", "parses"]
    assert body["name"] == "Cart"
    assert (body["renders"], body["parses"]) == (["application/json"], ["application/json"])


async def test_the_request_id_is_echoed_on_api_responses_and_errors(client: Client):
    for path in ("/api/v1/products/", "/api/v1/nowhere/"):
        response = await client.get(path, headers={"X-Request-ID": "trace-42"})
        assert response.headers["x-request-id"] == "trace-42"


async def test_only_the_versioned_paths_are_in_the_openapi_document(app: Litestar, client: Client):
    await add_product(app)
    schema = (await client.get("/schema/openapi.json")).json()
    api_paths = [path for path in schema["paths"] if path.startswith("/api")]
    assert api_paths and all(path.startswith(("/api/v1/", "/api/v2/")) for path in api_paths)
    operation_ids = [
        op["operationId"] for item in schema["paths"].values() for op in item.values() if "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"v1Login", "v1ListProducts", "v1SubmitCart", "v1ListOrders", "v1Health"} <= set(operation_ids)
    admin_operations = {"v1CreateProduct", "v1CreateCoupon", "v1SetFeatureFlagTargets", "v1ChangeUserRole"}
    assert admin_operations <= set(operation_ids)
