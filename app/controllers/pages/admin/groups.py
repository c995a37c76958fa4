"""The user-groups page (admins): the groups feature flags target, their members, and deleting one (asking first).

The new-group form answers with itself over htmx (`ListPage`), a change with the group's card
(`RowAnswer`); without JavaScript, both with a redirect and a flash (docs/patterns/admin-row-actions.md).
"""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from app.domain.errors import NotFound, ValidationError
from app.domain.flags import DuplicateGroup, GroupNotFound, UserGroup
from app.domain.parsing import optional_id
from app.domain.users import UserContext
from app.services.flags import FlagService
from app.services.users import UserAdminService
from app.web.forms import (
    FormData,
    FormState,
    ListPage,
    RowAnswer,
    refusal_elsewhere,
    refusal_status,
    row_deleted,
)
from app.web.rendering import render

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
        return await self._page(request, user, user_admin, flags).whole()

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
        page = self._page(request, user, user_admin, flags)
        try:
            created = await flags.create_group(user, name=form.values["name"], description=form.values["description"])
        except (ValidationError, DuplicateGroup) as error:
            return await page.refused(form.refused(error, beside="name"), status=refusal_status(error))
        message = f"Group {created.name} created. Add members below, then target flags at it."
        return await page.created(created, message, back=f"{GROUPS}#group-{created.id}")

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
        return row_deleted(request, message, GROUPS)

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
        member_id = optional_id(form.values["user_id"])
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

        page = self._page(request, user, user_admin, flags)
        return RowAnswer(request, back=f"{GROUPS}#group-{group_id}", row=card, page=page.whole)

    def _page(
        self, request: Request[Any, Any, Any], user: UserContext, user_admin: UserAdminService, flags: FlagService
    ) -> ListPage:
        async def listed() -> dict[str, Any]:
            return {
                "groups": await flags.list_groups(user),
                "users": await user_admin.list_users(user),
                "flags": await flags.list_flags(user),
            }

        return ListPage(request, partial(render, request, GROUPS_PAGE), form_block="group_form", listed=listed)
