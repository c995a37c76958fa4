"""API v1's global conventions (api-v1.md §1), applied to every v1 route by the v1 routers.

- Every response carries v1's deprecation headers (app.web.api_versions), errors included.
- Only JSON is rendered: an `Accept` that rules out `application/json` gets a 406.
- `OPTIONS` answers 200 with Django REST framework's metadata object, without any auth check.

Errors raised before a v1 route is reached (unknown path, wrong method, CSRF) are answered by
app.web.errors, which adds the same headers.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from litestar import MediaType, Request, Response, Router
from litestar.datastructures.headers import Accept
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.web.api_versions import V1_DEPRECATION_HEADERS
from app.web.response_headers import encoded, set_headers

NOT_ACCEPTABLE = {"detail": "Could not satisfy the request Accept header."}
_DEPRECATION_HEADERS = encoded(V1_DEPRECATION_HEADERS)
_ACCEPTS_JSON = frozenset({b"*/*", b"application/json"})


class V1ConventionsMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        async def send_with_deprecation(message: Message) -> None:
            if message["type"] == "http.response.start":
                set_headers(message, _DEPRECATION_HEADERS)
            await send(message)

        if scope["method"] == "OPTIONS":  # type: ignore[typeddict-item]  # HTTP scopes only (`scopes`)
            response: Response[Any] = Response(_metadata(scope), media_type=MediaType.JSON)
        elif not _accepts_json(scope):
            response = Response(NOT_ACCEPTABLE, status_code=406, media_type=MediaType.JSON)
        else:
            await next_app(scope, receive, send_with_deprecation)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        await response.to_asgi_response(app=None, request=request)(scope, receive, send_with_deprecation)


def _accepts_json(scope: Scope) -> bool:
    """The `Accept` header (absent: `*/*`) admits JSON; the common values are answered without parsing."""
    value = next((value for key, value in scope["headers"] if key == b"accept"), None)  # the first, as Litestar's
    if value is None or value in _ACCEPTS_JSON:
        return True
    return Accept(value.decode("latin-1")).accepts(MediaType.JSON)


def _metadata(scope: Scope) -> dict[str, Any]:
    """DRF's `SimpleMetadata` for a view: its name and description, and what it renders and parses.

    The original named each view; here the name and description are the resource family's (the
    controller's class name and docstring).
    """
    controller = _controller_of(scope["route_handler"].owner)
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", controller.__name__.removesuffix("Controller")) if controller else ""
    return {
        "name": name,
        "description": (inspect.getdoc(controller) or "") if controller else "",
        "renders": [MediaType.JSON.value],
        "parses": [MediaType.JSON.value],
    }


def _controller_of(owner: object) -> type | None:
    """The controller class behind a route's handlers (the OPTIONS handler Litestar adds has none).

    Litestar turns each controller into a router whose handlers are methods bound to an instance
    of the controller.
    """
    routes = [route for route in (owner.routes if isinstance(owner, Router) else []) if isinstance(route, HTTPRoute)]
    handlers = (handler for route in routes for handler in route.route_handlers)
    instances = (getattr(handler.fn, "__self__", None) for handler in handlers)
    return next((type(instance) for instance in instances if instance is not None), None)
