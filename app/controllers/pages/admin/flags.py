"""The feature flags page (admins): create flags, switch them, describe them, target groups, delete.

A flag's name is its key (in URLs too). Every action is a plain form post that redirects back
with a flash message; with htmx it swaps only the flag's row (or the new-flag form, which then
carries the refreshed list out of band), and the message arrives out of band.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app.domain.errors import ValidationError
from app.domain.flags import INCIDENT_EMAIL_NOTIFICATIONS, DuplicateFlag, FeatureFlag, FlagNotFound, GroupNotFound
from app.domain.users import UserContext
from app.services.flags import FlagService
from app.web.forms import (
    FormData,
    FormState,
    ListPage,
    RowAnswer,
    form_ids,
    refusal_elsewhere,
    refusal_status,
    row_deleted,
)
from app.web.rendering import render

PAGE = "pages/admin/flags.html"
FLAGS = "/admin/flags"
FLAG_FIELDS = ("name", "description", "enabled")
STALE_GROUPS = "A group you ticked no longer exists; the list now shows the current groups."


class AdminFlagsController(Controller):
    path = FLAGS
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminFlags")
    async def flags_page(
        self, request: Request[Any, Any, Any], user: NamedDependency[UserContext], flags: NamedDependency[FlagService]
    ) -> Template:
        return await self._page(request, user, flags).whole()

    @post("/", operation_id="adminCreateFlag")
    async def create_flag(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, *FLAG_FIELDS)
        page = self._page(request, user, flags)
        try:
            created = await flags.create_flag(
                user,
                name=form.values["name"],
                description=form.values["description"],
                enabled=form.values["enabled"] == "true",
            )
        except (ValidationError, DuplicateFlag) as error:
            return await page.refused(form.refused(error, beside="name"), status=refusal_status(error))
        message = f"Flag {created.name} created, {'on for all users' if created.enabled else 'off'}."
        return await page.created(created, message, back=f"{FLAGS}#flag-{created.name}")

    @post("/{name:str}/enabled", operation_id="adminSwitchFlag")
    async def switch(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: FromPath[str],
        data: FormData,
    ) -> Response[Any]:
        try:
            flag = await flags.update_flag(user, name, enabled=data.get("enabled") == "true")
        except FlagNotFound as gone:
            return refusal_elsewhere(request, gone, FLAGS)
        return await self._answer(request, user, flags, flag.name, flag=flag).changed(
            f"{flag.name} is {'on' if flag.enabled else 'off'}."
        )

    @post("/{name:str}/description", operation_id="adminDescribeFlag")
    async def describe(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: FromPath[str],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, "description", key=name)
        try:
            flag = await flags.update_flag(user, name, description=form.values["description"])
        except FlagNotFound as gone:
            return refusal_elsewhere(request, gone, FLAGS)
        except ValidationError as error:
            return await self._answer(request, user, flags, name).refused(form.refused(error, beside="description"))
        answer = self._answer(request, user, flags, flag.name, flag=flag, focus="description")
        return await answer.changed(f"Description of {flag.name} saved.")

    @post("/{name:str}/targets", operation_id="adminTargetFlag")
    async def target(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: FromPath[str],
    ) -> Response[Any]:
        chosen = await form_ids(request, "group_id")
        stale = FormState(key=name).with_errors(targets=STALE_GROUPS)
        if None in chosen:  # not an id at all: a tampered or very old form
            return await self._answer(request, user, flags, name).refused(stale)
        try:
            flag = await flags.set_targets(user, name, {group_id for group_id in chosen if group_id is not None})
        except FlagNotFound as gone:
            return refusal_elsewhere(request, gone, FLAGS)
        except GroupNotFound:  # deleted since the page was shown
            return await self._answer(request, user, flags, name).refused(stale, status=409)
        answer = self._answer(request, user, flags, flag.name, flag=flag, focus="targets")
        return await answer.changed(f"Targeting of {flag.name} saved.")

    @get("/{name:str}/delete", operation_id="adminConfirmFlagDeletion")
    async def confirm_deletion(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: FromPath[str],
    ) -> Template:
        """Without JavaScript the delete button asks here first (with htmx, `hx-confirm` asks)."""
        flag = await flags.get_flag(user, name)
        details = ["Code that asks for it will find it off, as for any unknown flag."]
        if flag.name == INCIDENT_EMAIL_NOTIFICATIONS:
            details.append("Incident e-mails stop until the flag is created again.")
        return render(
            request,
            "pages/admin/confirm.html",
            title="Delete flag",
            question=f"Delete the flag {flag.name}?",
            details=details,
            action=f"{FLAGS}/{flag.name}/delete",
            fields={},
            confirm_label="Delete flag",
            danger=True,
            back=f"{FLAGS}#flag-{flag.name}",
        )

    @post("/{name:str}/delete", operation_id="adminDeleteFlag")
    async def delete(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: FromPath[str],
    ) -> Response[Any]:
        try:
            await flags.delete_flag(user, name)
        except FlagNotFound:  # deleted already (a double click, another tab): the outcome stands
            message = f"The flag {name} was already deleted."
        else:
            message = f"Flag {name} deleted."
        return row_deleted(request, message, FLAGS)

    def _answer(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        flags: FlagService,
        name: str,
        *,
        flag: FeatureFlag | None = None,
        focus: str | None = None,
    ) -> RowAnswer:
        """Answers an action on the flag's row; `flag` as it now is, when the action returned it.

        `focus` names the in-place editor just used: its disclosure takes the keyboard focus back.
        """

        async def row(**answer: Any) -> Template:
            return render(
                request,
                PAGE,
                block="flag_row",
                flag=flag or await flags.get_flag(user, name),
                groups=await flags.list_groups(user),
                focus=focus,
                **answer,
            )

        return RowAnswer(request, back=f"{FLAGS}#flag-{name}", row=row, page=self._page(request, user, flags).whole)

    def _page(self, request: Request[Any, Any, Any], user: UserContext, flags: FlagService) -> ListPage:
        async def listed() -> dict[str, Any]:
            return {"flags": await flags.list_flags(user), "groups": await flags.list_groups(user)}

        render_flags = partial(render, request, PAGE, incident_flag=INCIDENT_EMAIL_NOTIFICATIONS)
        return ListPage(request, render_flags, form_block="flag_form", listed=listed)
