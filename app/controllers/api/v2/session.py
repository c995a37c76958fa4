"""The session (docs/api/v2.md): log in for a session cookie and CSRF token, ask who is logged in, log out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from app.controllers.api.v2 import wire
from app.domain.users import UserContext
from app.services.auth import AuthService
from app.services.flags import FlagService
from app.web.csrf import csrf_token
from app.web.current_user import log_in, log_out, login_required
from app.web.rate_limits import RateLimits


class SessionController(Controller):
    path = "/session"
    tags = ["v2 session"]

    @post("/", operation_id="v2LogIn", status_code=200, responses=wire.problems(401, 422, 429))
    async def log_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[wire.Credentials],
        user: NamedDependency[UserContext],
        auth: NamedDependency[AuthService],
        flags: NamedDependency[FlagService],
        rate_limits: NamedDependency[RateLimits],
    ) -> wire.Session:
        """Counted by the login limits (per account and per address); a wrong password is a 401 problem."""
        async with rate_limits.login_attempt(request.scope, data.username):
            user = await auth.authenticate(user.tenant_id, data.username, data.password)
        log_in(request.scope, user)  # a new session id and a new CSRF secret
        return wire.Session(user=wire.user(user, await flags.enabled_flags(user)), csrf_token=csrf_token(request.scope))

    @get("/", operation_id="v2GetSession", responses=wire.problems(401), guards=[login_required])
    async def get_session(
        self, request: Request[Any, Any, Any], user: NamedDependency[UserContext], flags: NamedDependency[FlagService]
    ) -> wire.Session:
        return wire.Session(user=wire.user(user, await flags.enabled_flags(user)), csrf_token=csrf_token(request.scope))

    @delete("/", operation_id="v2LogOut", status_code=204, responses=wire.problems(401, 403), guards=[login_required])
    async def log_out(self, request: Request[Any, Any, Any]) -> None:
        log_out(request.scope)
