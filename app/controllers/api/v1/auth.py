"""Session authentication (api-v1.md §3): log in, log out, and the session endpoint that hands out the CSRF token."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import ApiError, bad_request
from app.domain.errors import ValidationError
from app.domain.users import UserContext
from app.services.auth import AuthService
from app.services.flags import FlagService
from app.web.csrf import csrf_token
from app.web.current_user import log_in, log_out
from app.web.rate_limits import RateLimits

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}


class AuthController(Controller):
    """Log in and out with a session cookie."""

    path = "/auth"
    tags = ["v1 auth"]

    @post(
        "/login/",
        operation_id="v1Login",
        status_code=200,
        opt=wire.request_body(wire.V1Credentials),
        responses=wire.refusals(400, 401, 429),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        auth: NamedDependency[AuthService],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
        rate_limits: NamedDependency[RateLimits],
    ) -> wire.V1LoggedIn:
        try:
            async with rate_limits.login_attempt(request.scope, payload.get("username")):
                user = await auth.authenticate(user.tenant_id, payload.get("username"), payload.get("password"))
        except ValidationError as error:  # v1 names no field for this one
            raise bad_request(error.message) from None
        log_in(request.scope, user)  # a new session id and a new CSRF secret
        return wire.V1LoggedIn(user=serializers.user(user, await flags.enabled_flags(user)))

    @post("/logout/", operation_id="v1Logout", status_code=200, responses=wire.refusals(403))
    async def logout(self, request: Request[Any, Any, Any], user: NamedDependency[UserContext]) -> wire.V1LoggedOut:
        if not user.is_authenticated:
            raise ApiError(403, NOT_AUTHENTICATED)  # DRF's IsAuthenticated wording, not v1's usual 401
        log_out(request.scope)
        return wire.V1LoggedOut(message="Logged out successfully")

    @get("/session/", operation_id="v1Session")
    async def session(
        self, request: Request[Any, Any, Any], user: NamedDependency[UserContext], flags: NamedDependency[FlagService]
    ) -> wire.V1Session:
        token = csrf_token(request.scope)  # also (re)sets the csrftoken cookie when the secret is new
        if not user.is_authenticated:
            return wire.V1Session(authenticated=False, csrf_token=token)
        return wire.V1Session(
            authenticated=True, user=serializers.user(user, await flags.enabled_flags(user)), csrf_token=token
        )
