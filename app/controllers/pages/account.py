"""The account page: the sessions a user is logged in with, and ending the others.

Each "End" and "Log out everywhere else" is a CSRF-protected form post. Over htmx it answers with
the refreshed list and the flash out of band; without JavaScript, a redirect back with a flash.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app.domain.users import SessionNotFound, UserContext
from app.services.account import AccountService
from app.web.flash import flash
from app.web.redirects import see_other
from app.web.rendering import is_htmx, render
from app.web.sessions import current_session_id

SESSIONS_PAGE = "pages/account_sessions.html"
SESSIONS = "/account/sessions"


class AccountController(Controller):
    path = SESSIONS
    tags = ["pages"]
    include_in_schema = False

    @get("/", operation_id="accountSessions")
    async def sessions_page(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        account: NamedDependency[AccountService],
    ) -> Template:
        return await self._list(request, user, account)

    @post("/{ref:str}/end", operation_id="endAccountSession")
    async def end_session(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        account: NamedDependency[AccountService],
        ref: FromPath[str],
    ) -> Response[Any]:
        try:
            await account.end_session(user, ref, current_session_id(request.scope))
        except SessionNotFound as gone:
            if is_htmx(request):  # the list shows what is left; the message says why the row went
                return await self._list(request, user, account, note=("error", gone.message), status=404)
            raise
        return await self._answer(request, user, account, "That session has ended: its browser is logged out.")

    @post("/end-others", operation_id="endOtherAccountSessions")
    async def end_other_sessions(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        account: NamedDependency[AccountService],
    ) -> Response[Any]:
        ended = await account.end_other_sessions(user, current_session_id(request.scope))
        message = (
            f"Logged out everywhere else ({ended} session{'s' if ended != 1 else ''} ended)."
            if ended
            else "No other session was logged in."
        )
        return await self._answer(request, user, account, message)

    async def _answer(
        self, request: Request[Any, Any, Any], user: UserContext, account: AccountService, message: str
    ) -> Response[Any]:
        if is_htmx(request):
            return await self._list(request, user, account, note=("success", message))
        flash(request.scope, "success", message)
        return see_other(request, SESSIONS)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        account: AccountService,
        *,
        note: tuple[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        sessions = await account.list_sessions(user, current_session_id(request.scope))
        return render(
            request, SESSIONS_PAGE, block="session_list", status_code=status, sessions=sessions, oob_flash=note
        )
