"""The user-groups page (admins): the groups feature flags target, their members, and deleting one (asking first).

A change answers with the group's card over htmx, a redirect and a flash without JavaScript
(`RowAnswer`; docs/patterns/admin-row-actions.md).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app.domain.errors import NotFound, ValidationError
from app.domain.flags import DuplicateGroup, GroupNotFound, UserGroup
from app.domain.users import UserContext
from app.services.flags import FlagService
from app.services.users import UserAdminService
from app.web.flash import flash
from app.web.forms import FormData, FormState, RowAnswer, form_uuid, refusal_elsewhere, refusal_status
from app.web.redirects import see_other
from app.web.rendering import is_htmx, render

GROUPS_PAGE = "pages/admin/groups.html"
CONFIRM_PAGE = "pages/admin/confirm.html"
GROUPS = "/admin/groups"
GROUP_FIELDS = ("name", "description")
WIDENING_NOTE = "An enabled flag left with no target group is on for all users."


class AdminGroupsController(Controller):
    path = GROUPS
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminGroups")
    async def groups_page(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
    ) -> Template:
        return await self._page(request, user, user_admin, flags, form=FormState())

    @post("/", operation_id="adminCreateGroup")
    async def create_group(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, *GROUP_FIELDS)
        try:
            created = await flags.create_group(user, name=form.values["name"], description=form.values["description"])
        except (ValidationError, DuplicateGroup) as error:
            refused, status = form.refused(error, beside="name"), refusal_status(error)
            if is_htmx(request):
                return render(request, GROUPS_PAGE, block="group_form", status_code=status, form=refused)
            return await self._page(request, user, user_admin, flags, form=refused, status=status)
        message = f"Group {created.name} created. Add members below, then target flags at it."
        if not is_htmx(request):
            flash(request.scope, "success", message)
            return see_other(request, f"{GROUPS}#group-{created.id}")
        return render(
            request,
            GROUPS_PAGE,
            block="group_form",
            status_code=201,
            form=FormState(),
            created=created,
            groups=await flags.list_groups(user),
            users=await user_admin.list_users(user),
            flags=await flags.list_flags(user),
            oob_flash=("success", message),
        )

    @get("/{group_id:uuid}/delete", operation_id="adminConfirmGroupDeletion")
    async def confirm_deletion(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
    ) -> Template:
        """Without JavaScript the delete button asks here first (with htmx, `hx-confirm` asks)."""
        group = await flags.get_group(user, group_id)
        targeted_by = [flag.name for flag in await flags.list_flags(user) if group.id in flag.target_group_ids]
        return render(
            request,
            CONFIRM_PAGE,
            title="Delete group",
            question=f"Delete the group {group.name}?",
            details=[
                f"Its members ({len(group.member_ids)}) keep their accounts; only the group goes.",
                f"It is removed from the targets of {', '.join(targeted_by)}. {WIDENING_NOTE}"
                if targeted_by
                else "No feature flag targets it.",
            ],
            action=f"{GROUPS}/{group.id}/delete",
            fields={},
            confirm_label="Delete group",
            danger=True,
            back=f"{GROUPS}#group-{group.id}",
        )

    @post("/{group_id:uuid}/delete", operation_id="adminDeleteGroup")
    async def delete_group(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            await flags.delete_group(user, group_id)
        except GroupNotFound:  # deleted already (a double click, another tab): the outcome stands
            message = "That group was already deleted."
        else:
            message = "Group deleted; flags that targeted it no longer do."
        if not is_htmx(request):
            flash(request.scope, "success", message)
            return see_other(request, GROUPS)
        # The card asked for itself to be replaced: by nothing, with the message out of band.
        return render(request, "partials/_flash_oob.html", oob_flash=("success", message))

    @post("/{group_id:uuid}/members", operation_id="adminAddGroupMember")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, "user_id", key=group_id)
        member_id = form_uuid(form.values["user_id"])
        if member_id is None:
            return await self._answer(request, user, user_admin, flags, group_id).refused(
                form.with_errors(user_id="Choose a user.")
            )
        try:
            group = await flags.add_member(user, group_id, member_id)
        except NotFound as gone:
            return refusal_elsewhere(request, gone, GROUPS)
        account = await user_admin.get_user(user, member_id)
        answer = self._answer(request, user, user_admin, flags, group.id, group=group)
        return await answer.changed(f"Added {account.username} to {group.name}.")

    @post("/{group_id:uuid}/members/{user_id:uuid}/remove", operation_id="adminRemoveGroupMember")
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            group = await flags.remove_member(user, group_id, user_id)
            account = await user_admin.get_user(user, user_id)
        except NotFound as gone:
            return refusal_elsewhere(request, gone, GROUPS)
        answer = self._answer(request, user, user_admin, flags, group.id, group=group)
        return await answer.changed(f"Removed {account.username} from {group.name}.")

    def _answer(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        user_admin: UserAdminService,
        flags: FlagService,
        group_id: UUID,
        *,
        group: UserGroup | None = None,
    ) -> RowAnswer:
        """Answers an action on the group's card; `group` as it now is, when the action returned it."""

        async def card(**answer: Any) -> Template:
            return render(
                request,
                GROUPS_PAGE,
                block="group_card",
                group=group or await flags.get_group(user, group_id),
                users=await user_admin.list_users(user),
                flags=await flags.list_flags(user),
                **answer,
            )

        async def page(**answer: Any) -> Template:
            return await self._page(request, user, user_admin, flags, form=FormState(), **answer)

        return RowAnswer(request, back=f"{GROUPS}#group-{group_id}", row=card, page=page)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        user_admin: UserAdminService,
        flags: FlagService,
        *,
        form: FormState,
        refused: FormState | None = None,
        status: int = 200,
    ) -> Template:
        return render(
            request,
            GROUPS_PAGE,
            status_code=status,
            form=form,
            refused=refused,
            groups=await flags.list_groups(user),
            users=await user_admin.list_users(user),
            flags=await flags.list_flags(user),
        )
