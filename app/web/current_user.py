"""Who is asking: the session's user, reloaded per request, as a framework-free UserContext.

Reloading on every request (one indexed query) means a role change or a deactivated account
takes effect on the user's next request, without logging in again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog
from litestar import Request
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from app.domain.users import UserContext
from app.services.auth import AuthService
from app.web.csrf import rotate_csrf_secret
from app.web.sessions import get_session

USER_STATE_KEY = "emporium_user"
_NO_USER_PATHS = ("/static/", "/health/", "/metrics")  # never personalised: skip the user query


class CurrentUserMiddleware:
    def __init__(self, app: ASGIApp, *, auth: AuthService, tenant_id: UUID) -> None:
        self.app = app
        self.auth = auth
        self.tenant_id = tenant_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            path = scope["path"]
            if path.startswith(_NO_USER_PATHS):
                scope["state"][USER_STATE_KEY] = UserContext.anonymous(self.tenant_id)
            else:
                scope["state"][USER_STATE_KEY] = await self._resolve(scope)
        await self.app(scope, receive, send)

    async def _resolve(self, scope: Scope) -> UserContext:
        session = get_session(scope)
        raw_id = session.get("user_id")
        if raw_id is None:
            return UserContext.anonymous(self.tenant_id)
        user = await self.auth.current_user(self.tenant_id, UUID(raw_id))
        if user is None:  # deleted or deactivated since login
            session.clear()
            return UserContext.anonymous(self.tenant_id)
        structlog.contextvars.bind_contextvars(user_id=str(user.user_id))
        return user


def current_user(scope: Scope) -> UserContext:
    user: UserContext = scope["state"][USER_STATE_KEY]
    return user


async def provide_user(request: Request[Any, Any, Any]) -> UserContext:
    """Litestar dependency `user`."""
    return current_user(request.scope)


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
