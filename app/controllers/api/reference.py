"""Each API version's OpenAPI 3.1 document (`/api/v1/openapi.json`, `/api/v2/openapi.json`) and the browsable reference.

Litestar generates one document for the whole app (still served at `/schema/openapi.json`). A
version's document is that one cut down: only the paths under its prefix, and only the component
schemas those paths reach through `$ref`, so each document is generated from the code that runs
and the two cannot drift apart. `/api/docs` is Swagger UI from vendored files (app/static/vendor),
started by a static script because the Content-Security-Policy refuses inline script; the page widens
the policy only for Swagger UI's one fixed `<style>` (by hash) and its `data:` icons.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from app.controllers.api.v1.openapi import v1_document
from app.controllers.api.v2 import wire, wire_admin_catalog, wire_admin_insight, wire_admin_people
from app.web.api_guide import migration_guide_html
from app.web.api_versions import LATEST_VERSION, MIGRATION_GUIDE, SUPPORTED_VERSIONS
from app.web.idempotency import KEY_GRAMMAR, MAX_LENGTH
from app.web.security_headers import content_security_policy

OPENAPI_JSON = "application/vnd.oai.openapi+json"
REFERENCE_POLICY = content_security_policy(
    # Swagger UI 5.35.0 inserts one <style> element of fixed text: allowed by its hash, nothing else inline.
    style_src="'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
    img_src="data:",  # its icons are SVG data: URIs, in its CSS and its script
)
"""The page's own Content-Security-Policy: still no inline or outside script.

An upgrade of Swagger UI may change the hash: e2e/test_content_security_policy.py then fails.
"""


def _idempotency_key(what: str, *, required: bool = True) -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": required,
        "description": f"Unique per {what}, at most {MAX_LENGTH} characters, a token or a quoted string: a repeat "
        "is answered as the first was, with `Idempotent-Replayed: true`."
        + (" Missing: 400 idempotency-key-required." if required else " Optional.")
        + " Malformed: 400 invalid-idempotency-key.",
        "schema": {"type": "string", "pattern": KEY_GRAMMAR},
    }


def _if_match(what: str) -> dict[str, Any]:
    return {
        "name": "If-Match",
        "in": "header",
        "required": True,
        "description": f"The {what}'s current strong ETag (428 without it, 412 with the current one when stale).",
        "schema": {"type": "string"},
    }


READ_HEADERS: dict[str, list[dict[str, Any]]] = {
    "v2PlaceOrder": [_idempotency_key("order")],
    "v2CreateProduct": [_idempotency_key("new product")],
    "v2CreateCoupon": [_idempotency_key("new coupon")],
    "v2CreateUser": [_idempotency_key("new account")],
    "v2CreateGroup": [_idempotency_key("new group")],
    "v2CreateFlag": [_idempotency_key("new flag")],
    "v2SetCartItemQuantity": [_idempotency_key("change", required=False)],
    "v2RemoveCartItem": [_idempotency_key("removal", required=False)],
    "v2UpdateProduct": [_if_match("product"), _idempotency_key("change", required=False)],
    "v2DeleteProduct": [_if_match("product"), _idempotency_key("deletion", required=False)],
    "v2UpdateUser": [_if_match("account"), _idempotency_key("change", required=False)],
    "v2UpdateFlag": [_if_match("flag"), _idempotency_key("change", required=False)],
    "v2DeleteGroup": [_if_match("group"), _idempotency_key("deletion", required=False)],
    "v2AddGroupMember": [_idempotency_key("addition", required=False)],
    "v2RemoveGroupMember": [_idempotency_key("removal", required=False)],
}
"""Headers the handlers read from the request themselves (`app/web/idempotency.py`, `app/web/conditional.py`),
so Litestar cannot see them: they must refuse with their own problems (400/428), not a validation 422."""
WIRE_MODULES = (wire, wire_admin_catalog, wire_admin_people, wire_admin_insight)
"""Where API v2's wire types are defined: a component schema is looked up there by its name."""
TITLES = {"v1": "Emporium API v1 (deprecated)", "v2": "Emporium API v2"}
_SCHEMA_REF = "#/components/schemas/"


def version_document(document: dict[str, Any], version: str) -> dict[str, Any]:
    """The app's document with only `/api/<version>/…` paths and the component schemas they reach."""
    prefix = f"/api/{version}/"
    paths = {path: item for path, item in document.get("paths", {}).items() if path.startswith(prefix)}
    if version == "v1":  # v1 reads its bodies itself: its package adds what the handlers cannot show Litestar
        document = v1_document({**document, "paths": paths})
        paths = document["paths"]
    components = dict(document.get("components", {}))
    all_schemas: dict[str, Any] = components.get("schemas", {})
    reached: set[str] = set()
    pending = _schema_refs(paths)
    while pending:
        name = pending.pop()
        if name in reached or name not in all_schemas:
            continue
        reached.add(name)
        pending |= _schema_refs(all_schemas[name])
    components["schemas"] = {name: _closed(name, all_schemas[name]) for name in sorted(reached)}
    paths = {path: {method: _with_headers(op) for method, op in item.items()} for path, item in paths.items()}
    operations = [op for item in paths.values() for op in item.values() if isinstance(op, dict)]
    used_tags = {tag for op in operations for tag in op.get("tags", ())}
    result = {
        **document,
        "info": {**document.get("info", {}), "title": TITLES.get(version, version), "version": version},
        "paths": paths,
        "components": components,
    }
    if "tags" in document:
        result["tags"] = [tag for tag in document["tags"] if tag.get("name") in used_tags]
    return result


def _closed(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A request body that refuses unknown fields says so (Litestar leaves msgspec's `forbid_unknown_fields` out)."""
    struct = next((getattr(module, name) for module in WIRE_MODULES if hasattr(module, name)), None)
    config = getattr(struct, "__struct_config__", None)
    if config is not None and config.forbid_unknown_fields:
        return {**schema, "additionalProperties": False}
    return schema


def _with_headers(operation: Any) -> Any:
    if not isinstance(operation, dict) or operation.get("operationId") not in READ_HEADERS:
        return operation
    return {**operation, "parameters": [*operation.get("parameters", ()), *READ_HEADERS[operation["operationId"]]]}


def _schema_refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
                found.add(ref.removeprefix(_SCHEMA_REF))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


class ApiReferenceController(Controller):
    include_in_schema = False

    @get("/api/v1/openapi.json", operation_id="v1OpenApiDocument", sync_to_thread=False)
    def v1_document(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return _document_response(request, "v1")

    @get("/api/v2/openapi.json", operation_id="v2OpenApiDocument", sync_to_thread=False)
    def v2_document(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        return _document_response(request, "v2")

    @get("/api/docs", operation_id="apiReference", sync_to_thread=False)
    def reference(self) -> Template:
        versions = [{"name": TITLES[v], "url": f"/api/{v}/openapi.json"} for v in reversed(SUPPORTED_VERSIONS)]
        return Template(
            "pages/api_docs.html",
            context={"versions": versions, "primary": TITLES[LATEST_VERSION]},
            headers={"content-security-policy": REFERENCE_POLICY},
        )

    @get(MIGRATION_GUIDE, operation_id="apiMigrationGuide", sync_to_thread=False)
    def migration_guide(self) -> Template:
        """Where v1's `Link: rel="deprecation"` points: docs/api/v2.md's migration section."""
        return Template("pages/api_migration.html", context={"guide": migration_guide_html()})

    @get(f"/api/{LATEST_VERSION}", operation_id="v2Index", sync_to_thread=False)
    def latest_index(self) -> dict[str, Any]:
        """Where v1's `Link: rel="successor-version"` points: what there is to read about v2."""
        return {
            "version": LATEST_VERSION,
            "openapi": f"/api/{LATEST_VERSION}/openapi.json",
            "reference": "/api/docs",
            "migration_guide": MIGRATION_GUIDE,
        }


def _document_response(request: Request[Any, Any, Any], version: str) -> Response[dict[str, Any]]:
    document = version_document(request.app.openapi_schema.to_schema(), version)
    return Response(document, media_type=OPENAPI_JSON)
