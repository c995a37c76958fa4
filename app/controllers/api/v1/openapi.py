"""What v1's part of the OpenAPI document says beyond what Litestar derives from the handlers.

v1 reads its request bodies itself (`parsing.read_payload`), so Litestar sees no body type: each
handler names the Struct that documents its body (`opt=wire.request_body(…)`), and `v1_document`
puts it into the document, with the component schemas msgspec generates for those Structs. It
also drops the 400 Litestar adds to any handler with parameters (`{"status_code", "detail"}`, the
shape of Litestar's own validation), which v1 never sends: its parameters are read as text, and
its refusals are documented by each handler in their real shapes (`wire.refusals`).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.handlers import HTTPRouteHandler

from app.controllers.api.v1 import wire
from app.controllers.api.v1.router import CONTROLLERS

LITESTAR_VALIDATION = "Validation Exception"
"""The description of the schema Litestar documents for its own 400 (litestar._openapi.responses)."""

OPTIONAL_HEADERS: dict[str, list[dict[str, Any]]] = {
    "v1SubmitCart": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Not in the original: a retry with the same key answers the first order again "
            "(`Idempotent-Replayed: true`); a malformed or reused key is a 400.",
            "schema": {"type": "string", "pattern": "^[!#-'*+.^_`|~0-9A-Za-z-]{1,255}$"},
        }
    ],
}
"""Headers the handlers read from the request themselves (app/web/idempotency.py), so Litestar cannot see them."""


def request_bodies() -> dict[str, type[msgspec.Struct]]:
    """Operation id → the Struct documenting its request body, as each v1 handler names it."""
    handlers = (
        value
        for controller in CONTROLLERS
        for value in vars(controller).values()
        if isinstance(value, HTTPRouteHandler)
    )
    return {
        handler.operation_id: handler.opt[wire.REQUEST_BODY]
        for handler in handlers
        if isinstance(handler.operation_id, str) and wire.REQUEST_BODY in handler.opt
    }


def v1_document(document: dict[str, Any]) -> dict[str, Any]:
    """The `/api/v1/…` part of the app's document, with v1's request bodies and without Litestar's 400s."""
    bodies = request_bodies()
    refs, schemas = msgspec.json.schema_components(list(bodies.values()), ref_template="#/components/schemas/{name}")
    body_of = dict(zip(bodies, refs, strict=True))
    paths = {
        path: {method: _operation(operation, body_of) for method, operation in item.items()}
        for path, item in document.get("paths", {}).items()
    }
    components = dict(document.get("components", {}))
    components["schemas"] = {**components.get("schemas", {}), **schemas}
    return {**document, "paths": paths, "components": components}


def _operation(operation: Any, body_of: dict[str, dict[str, Any]]) -> Any:
    if not isinstance(operation, dict):
        return operation
    operation_id = operation.get("operationId", "")
    result = dict(operation)
    responses = result.get("responses", {})
    if _is_litestar_validation(responses.get("400")):
        result["responses"] = {status: response for status, response in responses.items() if status != "400"}
    if operation_id in body_of:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_of[operation_id]}}}
    if operation_id in OPTIONAL_HEADERS:
        result["parameters"] = [*result.get("parameters", ()), *OPTIONAL_HEADERS[operation_id]]
    return result


def _is_litestar_validation(response: Any) -> bool:
    if not isinstance(response, dict):
        return False
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return isinstance(schema, dict) and schema.get("description") == LITESTAR_VALIDATION
