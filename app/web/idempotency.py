"""The `Idempotency-Key` header on the wire: parsing it, the request's fingerprint, and replaying a stored answer.

Also a form's one-time token as a key (`form_request`): the HTML checkout uses the same records.
The store and its transaction are app.services.idempotency; docs/patterns/idempotency-keys.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response

from app.services.idempotency import AlreadyAnswered, IdempotencyKeyInUse, IdempotentRequest, StoredResponse
from app.web.conditional import etag
from app.web.problems import domain_problem, problem_response

HEADER = "idempotency-key"
MAX_LENGTH = 255
_TOKEN_CHARACTER = r"[!#$%&'*+\-.^_`|~0-9A-Za-z:/]"
"""A bare token's characters (RFC 9110 tchar, plus ':' and '/' that key generators use)."""
_QUOTED_CHARACTER = r'(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\\"])'
"""An RFC 8941 sf-string's, the draft's form: printable ASCII in quotes, `\\` escaping `"` and `\\`."""
_TOKEN = re.compile(f"^{_TOKEN_CHARACTER}+$")
_QUOTED = re.compile(f'^"({_QUOTED_CHARACTER}*)"$')
KEY_GRAMMAR = f'^(?:{_TOKEN_CHARACTER}{{1,{MAX_LENGTH}}}|"{_QUOTED_CHARACTER}{{1,{MAX_LENGTH}}}")$'
"""The header's two forms as the OpenAPI documents describe them (`key_of` reads them)."""


class IdempotencyKeyProblem(Exception):
    """A 400: the key is missing where an operation requires one (`missing`), or it cannot be read."""

    def __init__(self, detail: str, *, missing: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.missing = missing


def key_of(request: Request[Any, Any, Any], *, required: bool) -> str | None:
    """The request's key, unquoted; a missing (where required), empty, malformed or too long one is a 400."""
    raw = request.headers.get(HEADER)
    if raw is None:
        if required:
            raise IdempotencyKeyProblem(
                "This operation requires an Idempotency-Key header, unique per request.", missing=True
            )
        return None
    raw = raw.strip()
    quoted = _QUOTED.match(raw)
    key = re.sub(r"\\(.)", r"\1", quoted.group(1)) if quoted else raw if _TOKEN.match(raw) else None
    if not key:
        raise IdempotencyKeyProblem("Idempotency-Key must be a token or a quoted string of printable characters.")
    if len(key) > MAX_LENGTH:
        raise IdempotencyKeyProblem(f"Idempotency-Key must be at most {MAX_LENGTH} characters.")
    return key


async def idempotent_request(
    request: Request[Any, Any, Any], respond: Callable[[Any], StoredResponse], *, required: bool
) -> IdempotentRequest | None:
    key = key_of(request, required=required)
    if key is None:
        return None
    fingerprint = _fingerprint(request.method, request.url.path, await request.body())
    return IdempotentRequest(key=key, fingerprint=fingerprint, respond=respond)


def form_request(
    request: Request[Any, Any, Any],
    key: str,
    form: Mapping[str, str],
    respond: Callable[[Any], StoredResponse],
    *,
    not_part_of_it: frozenset[str] = frozenset({"csrf_token"}),
) -> IdempotentRequest:
    """A form post keyed by the one-time token rendered with the form.

    The fingerprint is over the fields as posted, by name, less `not_part_of_it`: the CSRF token
    travels in the body without htmx and in a header with it, and says nothing about what the form
    asks for. The request waits for a first submit still running: a browser shows only the
    answer to its latest submit, which must be the order, not "retry shortly".
    """
    fields = urlencode(sorted((name, value) for name, value in form.items() if name not in not_part_of_it))
    fingerprint = _fingerprint(request.method, request.url.path, fields.encode())
    return IdempotentRequest(key=key, fingerprint=fingerprint, respond=respond, wait=True)


def _fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 over method, path and body, each length-prefixed (so no two splits of one string collide)."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def answer(body: Any, *, status: int = 200, version: int | None = None, location: str | None = None) -> StoredResponse:
    """A JSON answer (with the resource's strong `ETag` when it has a version, and its `Location` when
    created): stored with the effect for the key's repeats, and sent now."""
    headers = {"Location": location} if location else {}
    if version is not None:
        headers["ETag"] = etag(version)
    return StoredResponse(status, msgspec.json.encode(body), headers)


def created(location: str, body: Any, version: int | None = None) -> StoredResponse:
    """201 with the new resource, its `Location` and (when it has a version) its `ETag`."""
    return answer(body, status=201, version=version, location=location)


NO_CONTENT = StoredResponse(204, b"")
"""The answer of a change that sends nothing back (a removal)."""


def send(stored: StoredResponse, *, replayed: bool) -> Response[Any]:
    headers = {**stored.headers, **({"Idempotent-Replayed": "true"} if replayed else {})}
    media_type = "application/json" if stored.body else None
    return Response(stored.body, status_code=stored.status, media_type=media_type, headers=headers)


def already_answered_handler(request: Request[Any, Any, Any], exc: AlreadyAnswered) -> Response[Any]:
    return send(exc.response, replayed=True)


def key_in_use_handler(request: Request[Any, Any, Any], exc: IdempotencyKeyInUse) -> Response[Any]:
    response = domain_problem(exc)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def key_problem_handler(request: Request[Any, Any, Any], exc: IdempotencyKeyProblem) -> Response[Any]:
    if exc.missing:
        return problem_response(400, exc.detail, slug="idempotency-key-required", title="Idempotency key required")
    return problem_response(400, exc.detail, slug="invalid-idempotency-key", title="Invalid idempotency key")
