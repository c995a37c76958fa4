"""Errors → HTTP responses, in exactly one place.

HTML requests get a page (or, for HTMX, the error box swapped in place); `/api/` requests get
JSON in API v1's `{"error": …}` shape. Unhandled errors are logged with their traceback and
answered with a 500 that carries the request id, never a stack trace.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.domain.errors import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from app.web.csrf import CsrfFailure
from app.web.rendering import is_htmx, render

log = structlog.get_logger("app.errors")

_TITLES = {
    400: "Bad request",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Please check your input",
    429: "Slow down",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


def status_for(error: DomainError) -> int:
    if isinstance(error, AuthenticationRequired | InvalidCredentials):
        return 401
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    return 400


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    return render(
        request,
        "pages/error.html",
        block="content",
        status_code=status,
        error_status=status,
        title=_TITLES.get(status, "Error"),
        message=message,
        request_id=request.scope["state"].get("request_id"),
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_for(exc)
    if _is_api(request):
        body: dict[str, Any] = {"error": exc.message}
        if isinstance(exc, ValidationError):
            body["field"] = exc.field
        return Response(body, status_code=status, media_type=MediaType.JSON)
    if isinstance(exc, AuthenticationRequired):
        target = "/login?next=" + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        if is_htmx(request):
            return Response(None, status_code=204, headers={"HX-Redirect": target})
        return Redirect(target)
    return _error_page(request, status, exc.message)


def csrf_failure_handler(request: Request[Any, Any, Any], exc: CsrfFailure) -> Response[Any]:
    if _is_api(request):
        return Response({"detail": f"CSRF Failed: {exc.reason}"}, status_code=403, media_type=MediaType.JSON)
    return _error_page(request, 403, "Your form expired or was sent from another site. Reload the page and try again.")


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return internal_error_handler(request, exc)
    if isinstance(exc, ValidationException):
        message = "Some of the request's parameters are invalid."
    elif status == 404:
        message = "There is nothing at this address."
    elif status == 405:
        message = f"{request.method} is not allowed here."
    else:
        message = exc.detail or _TITLES.get(status, "Error")
    if _is_api(request):
        return Response({"error": message}, status_code=status, media_type=MediaType.JSON, headers=exc.headers)
    return _error_page(request, status, message)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request.scope["state"].get("request_id")
    log.error("unhandled_error", error_type=type(exc).__name__, path=request.url.path, exc_info=exc)
    if _is_api(request):
        return Response(
            {"error": "Internal server error", "request_id": request_id},
            status_code=HTTP_500_INTERNAL_SERVER_ERROR,
            media_type=MediaType.JSON,
        )
    return _error_page(
        request, 500, "We could not complete this request. It has been logged; please try again in a moment."
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    CsrfFailure: csrf_failure_handler,
    HTTPException: http_exception_handler,
    Exception: internal_error_handler,
}
