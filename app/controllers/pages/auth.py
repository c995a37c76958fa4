"""Log in and log out."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from app.controllers.pages.cart import complete_pending_add
from app.domain.errors import InvalidCredentials, ValidationError
from app.domain.users import UserContext
from app.services.auth import AuthService
from app.services.carts import CartService
from app.web.current_user import log_in, log_out
from app.web.flash import flash
from app.web.rate_limits import RateLimits
from app.web.redirects import safe_next
from app.web.refusals import status_of
from app.web.rendering import is_htmx, render

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class AuthController(Controller):
    tags = ["pages"]
    include_in_schema = False

    @get("/login", operation_id="loginPage")
    async def login_page(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        next_: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Template | Redirect:
        if user.is_authenticated:
            return Redirect(safe_next(next_))
        return render(request, "pages/login.html", next=safe_next(next_), username="", error=None)

    @post("/login", operation_id="login", status_code=200)  # HTMX wants 200 with HX-Redirect
    async def login(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        auth: NamedDependency[AuthService],
        carts: NamedDependency[CartService],
        rate_limits: NamedDependency[RateLimits],
        data: FormData,
    ) -> Template | Redirect | ClientRedirect:
        try:
            async with rate_limits.login_attempt(request.scope, data.get("username")):
                user = await auth.authenticate(user.tenant_id, data.get("username"), data.get("password"))
        except (InvalidCredentials, ValidationError) as error:
            return render(
                request,
                "pages/login.html",
                block="login_form",
                status_code=status_of(error),
                next=safe_next(data.get("next")),
                username=data.get("username", ""),
                error=error.message,
            )
        log_in(request.scope, user)
        flash(request.scope, "success", f"Welcome back, {user.username}.")
        await complete_pending_add(request, user, carts)  # an "Add to cart" that sent them here
        if is_htmx(request):
            return ClientRedirect(safe_next(data.get("next")))  # the whole page changes, not the form
        return Redirect(safe_next(data.get("next")), status_code=303)

    @post("/logout", operation_id="logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        log_out(request.scope)
        flash(request.scope, "info", "You are logged out.")
        return Redirect("/", status_code=303)
