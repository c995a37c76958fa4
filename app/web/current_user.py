"""Who is asking: the session's user, reloaded per request, as a framework-free UserContext.

Reloading on every request means a role change or a deactivated account takes effect on the
user's next request, without logging in again. The session store reads the user in the same
statement as the session; AuthService.current_user is the fallback for a store that does not.

Pages also get the feature flags that are on for this user (`enabled_flags`, for templates), read
per request like the user: a flag switched in the admin is seen by the next page in every web
process, because no process keeps a copy. A session store that reads them with the session (one
statement for session, user, groups and flags) saves the separate flags query. The JSON API skips
them: it asks FlagService when it needs to (`GET /api/v1/auth/session/` lists them).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from app.domain.errors import PermissionDenied
from app.domain.users import Role, UserContext
from app.services.auth import AuthService
from app.services.authorization import require_login
from app.services.flags import FlagService
from app.web.csrf import rotate_csrf_secret
from app.web.sessions import FLAGLESS_PATHS, get_session
from app.web.tenancy import SHOPLESS_PATHS, answer_no_shop, current_tenant, named_by_header

USER_STATE_KEY = "emporium_user"
FLAGS_STATE_KEY = "emporium_enabled_flags"


class CurrentUserMiddleware:
    def __init__(self, app: ASGIApp, *, auth: AuthService, flags: FlagService, shopless_tenant_id: UUID) -> None:
        self.app = app
        self.auth = auth
        self.flags = flags
        self.shopless_tenant_id = shopless_tenant_id
        """The anonymous user's tenant on paths of no shop (health, metrics, static): they read no tenant data."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            path = scope["path"]
            tenant = current_tenant(scope)
            if path.startswith(SHOPLESS_PATHS) or tenant is None:
                scope["state"][USER_STATE_KEY] = UserContext.anonymous(self.shopless_tenant_id)
            else:
                user = scope["state"][USER_STATE_KEY] = await self._resolve(scope, tenant.id)
                if named_by_header(scope) and not user.is_authenticated:
                    # `X-Tenant` names a shop this caller has no account in: as if the shop did not exist.
                    await answer_no_shop(scope, send)
                    return
                if not path.startswith(FLAGLESS_PATHS):
                    scope["state"][FLAGS_STATE_KEY] = await self._enabled_flags(scope, user)
        await self.app(scope, receive, send)

    async def _resolve(self, scope: Scope, tenant_id: UUID) -> UserContext:
        session = get_session(scope)
        raw_id = session.get("user_id")
        if raw_id is None:
            return UserContext.anonymous(tenant_id)
        if session.user_read:
            user = session.user
        else:
            user = await self.auth.current_user(tenant_id, UUID(raw_id))
        if user is None:  # deleted or deactivated since login
            session.clear()
            return UserContext.anonymous(tenant_id)
        structlog.contextvars.bind_contextvars(user_id=str(user.user_id))
        return user

    async def _enabled_flags(self, scope: Scope, user: UserContext) -> frozenset[str]:
        session = get_session(scope)
        if session.enabled_flags is not None and not session.cleared:  # read with the session, for its user
            return session.enabled_flags
        return frozenset(await self.flags.enabled_flags(user))


def current_user(scope: Scope) -> UserContext:
    user: UserContext = scope["state"][USER_STATE_KEY]
    return user


def enabled_flags(scope: Scope) -> frozenset[str]:
    """The names of the feature flags on for this request's user (empty where they were not read)."""
    flags: frozenset[str] = scope["state"].get(FLAGS_STATE_KEY, frozenset())
    return flags


async def provide_user(request: Request[Any, Any, Any]) -> UserContext:
    """Litestar dependency `user`."""
    return current_user(request.scope)


async def login_required(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: an anonymous caller is refused (AuthenticationRequired, 401) before any input is read.

    Guards are coroutines, although none awaits anything: Litestar runs a plain function guard in a
    thread pool (`sync_to_thread`), a hand-off to another thread and back on every request it guards.
    """
    require_login(current_user(connection.scope))


async def admin_required(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Guard: 401 for an anonymous caller, 403 for a non-admin, before any input or precondition is looked at.

    For operations whose preconditions (If-Match) are checked before the service's own role check.
    An `OPTIONS` request passes: it is answered with the allowed methods only (Litestar's own
    handler, which inherits a controller's guards), and says what the public document says already.
    """
    if connection.scope.get("method") == "OPTIONS":
        return
    user = current_user(connection.scope)
    require_login(user)
    if user.role is not Role.ADMIN:
        raise PermissionDenied(handler.handler_name, "Admin access required")


def log_in(scope: Scope, user: UserContext) -> None:
    """Start an authenticated session under a new id, with a new CSRF secret."""
    session = get_session(scope)
    session.rotate()
    session["user_id"] = str(user.user_id)
    rotate_csrf_secret(scope)
    scope["state"][USER_STATE_KEY] = user


def log_out(scope: Scope) -> None:
    get_session(scope).clear()
    rotate_csrf_secret(scope)
