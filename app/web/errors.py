"""Errors → HTTP responses (their statuses from the one table in app.web.refusals).

HTML requests get a page (or, for HTMX, the error box swapped in place); `/api/` requests get
JSON in API v1's shapes (api-v1.md §1.2): `{"error": …}` for domain errors, `{"detail": …}` for
what the framework refuses (unknown route, wrong method, CSRF). Errors raised inside a v1 route
are mapped by the v1 package first (app.controllers.api.v1.errors); these handlers answer the rest.
Unhandled errors are logged with their traceback and answered with a 500 that carries the
request id, never a stack trace.
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.domain.errors import AuthenticationRequired, DomainError, ValidationError
from app.web.api_versions import (
    SUPPORTED_VERSIONS,
    V1_DEPRECATION_HEADERS,
    is_api_path,
    requested_version,
    speaks_problems,
)
from app.web.csrf import CsrfFailure, csrf_token
from app.web.incidents import report_in_background
from app.web.plain_responses import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE
from app.web.problems import domain_problem, invalid_input_problem, problem_response
from app.web.rate_limits import RateLimitCheckUnavailable, RateLimitExceeded, rate_limit_fields, wait_in_words
from app.web.redirects import current_page, session_ended, to_login
from app.web.refusals import V1_STATUSES, refusal_of, title_of
from app.web.rendering import is_htmx, render

log = structlog.get_logger("app.errors")


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return is_api_path(request.url.path)


def api_error_response(
    request: Request[Any, Any, Any],
    status: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    *,
    problem: str | None = None,
) -> Response[Any]:
    """A JSON error for an `/api/` path: v1's body with its deprecation headers, or for v2 a problem.

    `body` is in v1's words (`error` or `detail`); v2 states the same as the problem's detail, of
    type `problem` (a slug, app.web.problems) or the status's own.
    """
    if speaks_problems(request.url.path):
        detail = str(body.get("error") or body.get("detail") or title_of(status))
        extensions = {k: v for k, v in body.items() if k not in {"error", "detail", "field"}}
        return problem_response(status, detail, slug=problem, headers=headers, extensions=extensions)
    version = requested_version(request.url.path)
    extra = V1_DEPRECATION_HEADERS if version == "v1" else {}
    return Response(body, status_code=status, media_type=MediaType.JSON, headers={**(headers or {}), **extra})


def _api_http_error_body(request: Request[Any, Any, Any], exc: HTTPException) -> dict[str, Any]:
    """Django REST framework's `{"detail": …}` wording, which API v1 clients know."""
    if exc.status_code == 404:
        version = requested_version(request.url.path)
        if version not in SUPPORTED_VERSIONS:
            return {
                "detail": f"API version '{version}' does not exist.",
                "supported_versions": list(SUPPORTED_VERSIONS),
            }
        return {"detail": "Not found."}
    if exc.status_code == 405:
        return {"detail": f'Method "{request.method}" not allowed.'}
    return {"detail": exc.detail}


def _error_page(
    request: Request[Any, Any, Any], status: int, message: str, headers: dict[str, str] | None = None
) -> Response[Any]:
    """The error page; for HTMX only the message, which js/failures.js shows beside the action (never swapped in)."""
    if is_htmx(request):
        return render(request, "partials/_request_failed.html", status_code=status, headers=headers, message=message)
    return render(
        request,
        "pages/error.html",
        status_code=status,
        headers=headers,
        error_status=status,
        title=title_of(status),
        message=message,
        request_id=request.scope["state"].get("request_id"),
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A domain error no controller answered itself: its status and reason from the one table (app.web.refusals)."""
    if speaks_problems(request.url.path):
        return domain_problem(exc)
    refusal = refusal_of(exc, V1_STATUSES if _is_api(request) else None)
    if _is_api(request):
        body: dict[str, Any] = {"error": refusal.message}
        if isinstance(exc, ValidationError):
            body["field"] = exc.field
        return api_error_response(request, refusal.status, body)
    if isinstance(exc, AuthenticationRequired):
        return to_login(request, current_page(request))
    return _error_page(request, refusal.status, refusal.message)


def csrf_failure_handler(request: Request[Any, Any, Any], exc: CsrfFailure) -> Response[Any]:
    """403; for HTMX, a session that ended elsewhere (logout rotates the secret) goes to login and back.

    Otherwise an HTMX request gets this response's fresh token in `X-CSRFToken` (a page's GET would
    give the same), which js/failures.js puts into the page, so the kept form can simply be retried.
    """
    if _is_api(request):
        return api_error_response(request, 403, {"detail": f"CSRF Failed: {exc.reason}"}, problem="csrf-failed")
    if is_htmx(request) and session_ended(request):
        return to_login(request, current_page(request))
    headers = {"X-CSRFToken": csrf_token(request.scope)} if is_htmx(request) else None
    then = "Try again." if headers else "Reload the page and try again."  # htmx's page takes the fresh token
    message = f"Your form expired or was sent from another site. {then}"
    return _error_page(request, 403, message, headers)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return internal_error_handler(request, exc)
    if speaks_problems(request.url.path) and isinstance(exc, ValidationException):
        return invalid_input_problem(exc)
    if _is_api(request):
        body = _api_http_error_body(request, exc)
        unknown_version = "supported_versions" in body
        return api_error_response(
            request, status, body, headers=exc.headers, problem="unknown-version" if unknown_version else None
        )
    if isinstance(exc, ValidationException):
        message = "Some of the request's parameters are invalid."
    elif status == 404:
        message = "There is nothing at this address."
    elif status == 405:
        message = f"{request.method} is not allowed here."
    elif status == 413:
        message = too_large_message(request)
    else:
        message = exc.detail or title_of(status)
    return _error_page(request, status, message)


def too_large_message(request: Request[Any, Any, Any]) -> str:
    """What a 413 says: the limit in the words of a person choosing a file (Litestar's own says only the status)."""
    limit = request.route_handler.resolve_request_max_body_size()
    size = f"{limit / 1_048_576:.3g} MB" if limit else "the size this form accepts"
    return f"This file is too large to upload: the most the shop accepts is {size}. Choose a smaller file."


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request.scope["state"].get("request_id")
    log.error("unhandled_error", error_type=type(exc).__name__, path=request.url.path, exc_info=exc)
    report_in_background(request, exc)  # incident e-mail (flag-gated) and the dashboard's recent errors
    if _is_api(request):
        return api_error_response(
            request, HTTP_500_INTERNAL_SERVER_ERROR, {"error": "Internal server error", "request_id": request_id}
        )
    return _error_page(
        request, 500, "We could not complete this request. It has been logged; please try again in a moment."
    )


def unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database is unreachable (main.py registers this for DATABASE_UNAVAILABLE): 503, try again soon.

    Logged as a warning, not reported as an incident: an outage would otherwise send one per request.
    """
    log.warning("dependency_unavailable", error_type=type(exc).__name__, path=request.url.path)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = UNAVAILABLE_MESSAGE
    if _is_api(request):
        return api_error_response(request, 503, {"error": message}, headers=headers)
    return _error_page(request, 503, message, headers)


def rate_limited_handler(request: Request[Any, Any, Any], exc: RateLimitExceeded) -> Response[Any]:
    """429 with Retry-After and the RateLimit fields: v1's DRF wording, problem+json for v2, a page or a partial."""
    seconds = exc.retry_after
    headers = {**rate_limit_fields(request.scope), "Retry-After": str(seconds)}
    if speaks_problems(request.url.path):
        return problem_response(429, f"Too many requests. Try again in {seconds} seconds.", headers=headers)
    if _is_api(request):
        body = {"detail": f"Request was throttled. Expected available in {seconds} seconds."}
        return api_error_response(request, 429, body, headers=headers)
    context: dict[str, Any] = {
        "headline": "Too many attempts" if exc.is_login else "Too many requests",
        "retry_after": seconds,
        "wait": wait_in_words(seconds),
        "retry_url": "/login" if exc.is_login else current_page(request),
    }
    if is_htmx(request) and exc.is_login:  # in the login form's place: no attempt is possible until it counts down
        return render(request, "partials/_rate_limited.html", status_code=429, headers=headers, **context)
    if is_htmx(request):  # beside the action (js/failures.js), its form kept for when the wait is over
        message = f"{context['headline']}. Try again in {context['wait']}."
        return _error_page(request, 429, message, headers)
    return render(request, "pages/rate_limited.html", status_code=429, headers=headers, error_status=429, **context)


def rate_limit_unavailable_handler(request: Request[Any, Any, Any], exc: RateLimitCheckUnavailable) -> Response[Any]:
    """A fail-closed policy could not be checked (Redis down): 503, and why, in words."""
    log.warning("rate_limit_check_refused", policy=exc.policy.name, path=request.url.path)
    headers = {"Retry-After": str(exc.retry_after)}
    message = (
        "Logging in is paused for a moment because we cannot check for password guessing. Please try again in a minute."
    )
    if _is_api(request):
        return api_error_response(request, 503, {"error": message}, headers=headers)
    return _error_page(request, 503, message, headers)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    RateLimitExceeded: rate_limited_handler,
    RateLimitCheckUnavailable: rate_limit_unavailable_handler,
    DomainError: domain_error_handler,
    CsrfFailure: csrf_failure_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
