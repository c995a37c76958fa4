"""RFC 9457 problem details: how API v2 (and any unknown API version) words every refusal.

A problem's `type` is a URI naming what went wrong, one per kind of problem, listed with its
status and meaning in docs/api/v2.md ("Problems"). Domain errors take their type from their
stable machine `code` and their status from the one table (app.web.refusals, with v2's
overrides); framework refusals (unknown route, wrong method, CSRF, 429, 5xx) name their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ValidationException

from app.domain.addresses import AddressVerificationFailed
from app.domain.errors import DomainError, ValidationError
from app.web.refusals import V2_STATUSES, status_of

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://emporium.example/problems/"
"""Problem types are identifiers under this base (RFC 9457 §3.1.1); docs/api/v2.md describes each."""

STATUS_PROBLEMS: Mapping[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("authentication-required", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-failed", "Validation failed"),
    428: ("precondition-required", "Precondition required"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Temporarily unavailable"),
}
"""The problem type of a refusal that names no more specific one: one per status."""


_GENERIC_CODES = frozenset(
    {"domain_error", "validation_error", "not_found", "conflict", "permission_denied", "authentication_required"}
)
"""Base classes' codes: their problems take the status's type (a subclass names its own, e.g. insufficient-stock)."""


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response[Any]:
    default_slug, default_title = STATUS_PROBLEMS.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": problem_type(slug or default_slug),
        "title": title or default_title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [dict(error) for error in errors]
    body.update(extensions or {})
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=dict(headers or {}))


def domain_problem(error: DomainError) -> Response[Any]:
    """A domain error as a problem: type from its code, status from the one table with v2's overrides."""
    errors: list[dict[str, str]] = []
    if isinstance(error, ValidationError):
        errors = [{"field": field, "message": message} for field, message in error.errors.items()]
    elif isinstance(error, AddressVerificationFailed) and error.field:  # not found: the street is at fault
        errors = [{"field": error.field, "message": error.message}]
    slug = title = None
    if error.code not in _GENERIC_CODES:
        slug, title = error.code.replace("_", "-"), error.code.replace("_", " ").capitalize()
    return problem_response(status_of(error, V2_STATUSES), error.message, slug=slug, title=title, errors=errors)


def domain_problem_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return domain_problem(exc)


def invalid_input_problem(exc: ValidationException) -> Response[Any]:
    """A body, query or path that does not fit the operation's wire type: 422 with each field at fault."""
    errors = [
        {"field": str(item.get("key") or item.get("source") or "body"), "message": str(item.get("message", ""))}
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
    ]
    detail = "The request body is not valid JSON." if _malformed(errors) else "Some of the request's input is invalid."
    return problem_response(422, detail, errors=errors or [{"field": "body", "message": str(exc.detail)}])


def _malformed(errors: list[dict[str, str]]) -> bool:
    return any("malformed" in error["message"].lower() for error in errors)
