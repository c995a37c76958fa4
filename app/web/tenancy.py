"""Which shop a request is for, found before anything else reads the database.

- Pages and the API: the Host header (exact host name, or `<slug>.<TENANT_BASE_DOMAIN>`).
  An unknown host gets a plain 404 ("No shop at this address"), never the default shop.
- The API may name its shop with `X-Tenant: <slug>` instead; it is honoured only for an account
  of that shop (CurrentUserMiddleware checks, once the session's user is known), otherwise the
  answer is the 404 an unknown address gets, so the header tells nothing about which shops exist.
- Health checks, metrics, static files and the favicon belong to no shop: they answer on any host,
  without the directory, the session or the user (a load balancer asks /health/live while
  PostgreSQL is down; a browser asks /favicon.ico of every host it visits).

The tenant is bound to the log context (`tenant_id` on every line) and kept in the scope for the
session store, the current user and the templates.
"""

from __future__ import annotations

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from app.domain.tenants import Tenant
from app.services.tenants import TenantDirectoryUnavailable, TenantResolver
from app.web.api_versions import is_api_path
from app.web.plain_responses import UNAVAILABLE_MESSAGE, send_plain

log = structlog.get_logger(__name__)
TENANT_STATE_KEY = "emporium_tenant"
NAMED_BY_HEADER_KEY = "emporium_tenant_from_header"
SHOPLESS_PATHS = ("/static/", "/health/", "/metrics", "/favicon.ico")
TENANT_HEADER = b"x-tenant"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def answer_no_shop(scope: Scope, send: Send) -> None:
    """404: a plain page, or for `/api/` paths the body of any unknown API address."""
    await send_plain(
        scope,
        send,
        404,
        api_body={"detail": "Not found."},
        title="No shop at this address",
        message="Check the address: no shop answers on this host name.",
    )


class TenantMiddleware:
    def __init__(self, app: ASGIApp, *, resolver: TenantResolver) -> None:
        self.app = app
        self.resolver = resolver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["path"].startswith(SHOPLESS_PATHS):
            await self.app(scope, receive, send)
            return
        named = _header(scope, TENANT_HEADER) if is_api_path(scope["path"]) else None
        try:
            if named is not None:
                tenant = await self.resolver.for_slug(named)
                scope["state"][NAMED_BY_HEADER_KEY] = True
            else:
                tenant = await self.resolver.for_host(_header(scope, b"host") or "")
        except TenantDirectoryUnavailable:
            # No copy of the directory yet and PostgreSQL is down: the shop could not sell anyway.
            log.warning("dependency_unavailable", error_type="TenantDirectoryUnavailable", path=scope["path"])
            await send_plain(
                scope,
                send,
                503,
                api_body={"error": UNAVAILABLE_MESSAGE},
                title="Temporarily unavailable",
                message=UNAVAILABLE_MESSAGE,
                retry=True,
            )
            return
        if tenant is None:
            await answer_no_shop(scope, send)
            return
        scope["state"][TENANT_STATE_KEY] = tenant
        structlog.contextvars.bind_contextvars(tenant_id=str(tenant.id))
        await self.app(scope, receive, send)


def current_tenant(scope: Scope) -> Tenant | None:
    """The request's shop; None on the paths that belong to no shop (SHOPLESS_PATHS)."""
    tenant: Tenant | None = scope["state"].get(TENANT_STATE_KEY)
    return tenant


def named_by_header(scope: Scope) -> bool:
    """The shop came from `X-Tenant`: only an account of that shop may use it."""
    return bool(scope["state"].get(NAMED_BY_HEADER_KEY))
