"""Outermost HTTP layer: request id, log context, one request-log line and metrics per request.

It wraps Litestar's whole handler (not just routed requests), so 404s, 405s and 500s get an
`X-Request-ID` and are counted and logged too. An `immutable` 200 (a hashed static file, a stored
picture) goes without it, and without the validators and the download name Litestar's `File` adds
(`ETag`, `Last-Modified`, `Content-Disposition`): a browser never revalidates such a response nor
saves it under a name, and its log line still carries the request id (`drop_unused_on_immutable`).
"""

from __future__ import annotations

import re
import time
import uuid

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from app.services.correlation import request_id_var
from app.web.metrics import observe_request
from app.web.response_headers import drop_unused_on_immutable, is_immutable_success, set_headers

log = structlog.get_logger("app.request")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,200}$")
UNMATCHED_ROUTE = "<unmatched>"


async def _plain_error(send: Send) -> None:
    body = b'{"error":"The service is temporarily unavailable. Please try again shortly."}'
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", b"5"),
        ],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _incoming_request_id(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _VALID_REQUEST_ID.match(candidate) else None
    return None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        request_id = _incoming_request_id(scope) or str(uuid.uuid4())
        scope["state"]["request_id"] = request_id
        token = request_id_var.set(request_id)
        structlog.contextvars.clear_contextvars()
        # TenantMiddleware binds the shop's id once it knows it; paths of no shop log tenant_id null.
        structlog.contextvars.bind_contextvars(request_id=request_id, tenant_id=None, user_id=None)
        request_id_header = ((b"x-request-id", request_id.encode("latin-1")),)
        started_at = time.perf_counter()
        status = 500
        started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                nonlocal started
                started = True
                status = message["status"]
                if is_immutable_success(message):  # a hashed static file or a picture: logged with its id, not sent
                    drop_unused_on_immutable(message)
                else:
                    set_headers(message, request_id_header)
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception:
            # Only failures outside Litestar's handler (tenant directory, session store or user lookup down) get here.
            log.exception("unhandled_error_outside_handler", path=scope["path"])
            if not started:
                await _plain_error(send_with_request_id)
        finally:
            duration = time.perf_counter() - started_at
            route = scope.get("path_template") or UNMATCHED_ROUTE
            observe_request(method, route, status, duration)
            log.info(
                "request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(duration * 1000, 2),
            )
            request_id_var.reset(token)
