"""What v1's part of the OpenAPI document says beyond what Litestar derives from the handlers.

v1 reads its request bodies itself (`parsing.read_payload`), so Litestar sees no body type: each
handler names the Struct that documents its body (`opt=wire.request_body(…)`), and `v1_document`
puts it into the document, with the component schemas msgspec generates for those Structs. It
also drops the 400 Litestar adds to any handler with parameters (`{"status_code", "detail"}`, the
shape of Litestar's own validation), which v1 never sends: its parameters are read as text, and
its refusals are documented by each handler in their real shapes (`wire.refusals`).

And it adds the statuses v1's conventions send on any operation, which no handler names
(`CONVENTION_RESPONSES`): 406 (an `Accept` ruling out JSON, conventions.py), 429 (the read and
write rate limits, app/web/rate_limits.py), 503 (the database unreachable, app/web/errors.py), and,
on the operations that read a JSON body, 413 (larger than the app's body limit) and 415 (a body
that is not JSON, parsing.py). 405 is not an operation's answer: Litestar sends it for a method a
path does not have, and the document lists a path's methods.
"""

from __future__ import annotations

import inspect
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


_SCHEMAS = "#/components/schemas/"
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}}}


def _refusal(description: str, body: str, *, retry_after: bool = False) -> dict[str, Any]:
    response = {"description": description, "content": {"application/json": {"schema": {"$ref": _SCHEMAS + body}}}}
    return {**response, "headers": _RETRY_AFTER} if retry_after else response


CONVENTION_RESPONSES: dict[str, dict[str, Any]] = {
    "406": _refusal("The Accept header rules out JSON, the only type v1 sends", "V1Detail"),
    "429": _refusal("Too many requests from this address or account (Retry-After)", "V1Detail", retry_after=True),
    "503": _refusal("The database is unreachable for a moment (Retry-After)", "V1Error", retry_after=True),
}
"""What any v1 operation may answer besides its own refusals; an operation's own entry for a status wins."""
BODY_RESPONSES: dict[str, dict[str, Any]] = {
    "413": _refusal("The body is larger than the app accepts", "V1Detail"),
    "415": _refusal("The body is not JSON (Content-Type other than application/json)", "V1Detail"),
}
"""What an operation that reads a JSON body (`payload`) may also answer."""
NOT_LIMITED = frozenset({"v1Health", "v1Metrics"})
"""Never rate limited (app/web/rate_limits.py EXEMPT_PATHS), and answering without the database (the health
probe says so in its own 503, with its own body)."""


def _handlers() -> list[HTTPRouteHandler]:
    return [
        value
        for controller in CONTROLLERS
        for value in vars(controller).values()
        if isinstance(value, HTTPRouteHandler) and isinstance(value.operation_id, str)
    ]


def request_bodies() -> dict[str, type[msgspec.Struct]]:
    """Operation id → the Struct documenting its request body, as each v1 handler names it."""
    return {
        str(handler.operation_id): handler.opt[wire.REQUEST_BODY]
        for handler in _handlers()
        if wire.REQUEST_BODY in handler.opt
    }


def body_readers() -> frozenset[str]:
    """The operations whose handler reads the JSON body (takes the `payload` dependency)."""
    return frozenset(
        str(handler.operation_id) for handler in _handlers() if "payload" in inspect.signature(handler.fn).parameters
    )


def v1_document(document: dict[str, Any]) -> dict[str, Any]:
    """The `/api/v1/…` part of the app's document, with v1's request bodies and without Litestar's 400s."""
    bodies = request_bodies()
    refs, schemas = msgspec.json.schema_components(list(bodies.values()), ref_template="#/components/schemas/{name}")
    body_of = dict(zip(bodies, refs, strict=True))
    readers = body_readers()
    paths = {
        path: {method: _operation(operation, body_of, readers) for method, operation in item.items()}
        for path, item in document.get("paths", {}).items()
    }
    components = dict(document.get("components", {}))
    components["schemas"] = {**components.get("schemas", {}), **schemas}
    return {**document, "paths": paths, "components": components}


def _operation(operation: Any, body_of: dict[str, dict[str, Any]], readers: frozenset[str]) -> Any:
    if not isinstance(operation, dict):
        return operation
    operation_id = operation.get("operationId", "")
    result = dict(operation)
    responses = result.get("responses", {})
    if _is_litestar_validation(responses.get("400")):
        responses = {status: response for status, response in responses.items() if status != "400"}
    conventions = {"406": CONVENTION_RESPONSES["406"]}
    if operation_id not in NOT_LIMITED:
        conventions = dict(CONVENTION_RESPONSES)
    if operation_id in readers:
        conventions |= BODY_RESPONSES
    result["responses"] = dict(sorted({**conventions, **responses}.items()))
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
