"""The users page (admins): create accounts, change their role (asking first), add them to groups and remove them.

The new-user form answers with itself over htmx (`ListPage`), a change with the user's row
(`RowAnswer`); without JavaScript, both with a redirect and a flash (docs/patterns/admin-row-actions.md).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from app.domain.errors import NotFound, ValidationError
from app.domain.parsing import optional_id
from app.domain.users import LastAdmin, Role, UserContext
from app.services.flags import FlagService
from app.services.read_models import ManagedUserView
from app.services.users import UserAdminService
from app.web.flash import flash
from app.web.forms import FormData, FormState, ListPage, RowAnswer, refusal_elsewhere, refusal_status
from app.web.redirects import see_other
from app.web.rendering import render

USERS_PAGE = "pages/admin/users.html"
CONFIRM_PAGE = "pages/admin/confirm.html"
USERS = "/admin/users"
USER_FIELDS = ("username", "email", "role")  # the password is never sent back to the page
NEW_USER = FormState(values={"role": Role.CUSTOMER})
NEW_RIGHTS_NOTE = "The new rights apply from their next request; they stay logged in (their session gets a new id)."


def render_users(request: Request[Any, Any, Any], **context: Any) -> Template:
    """The users page (or, over htmx, the block asked for); every part of it may offer the roles."""
    return render(request, USERS_PAGE, roles=tuple(Role), **context)


def role_phrase(role: Role | str) -> str:
    return "an admin" if role == Role.ADMIN else "a customer"


class AdminUsersController(Controller):
    path = USERS
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminUsers")
    async def users_page(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
    ) -> Template:
        return await self._page(request, user, user_admin, flags).whole()

    @post("/", operation_id="adminCreateUser")
    async def create_user(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, *USER_FIELDS)
        page = self._page(request, user, user_admin, flags)
        try:
            created = await user_admin.create_user(
                user,
                username=form.values["username"],
                password=data.get("password", ""),
                role=form.values["role"],
                email=form.values["email"],
            )
        except ValidationError as error:
            return await page.refused(form.refused(error, beside="username"))
        message = f"User {created.username} created as {role_phrase(created.role)}."
        return await page.created(created, message, back=USERS)

    @get("/{user_id:uuid}/role", operation_id="adminConfirmRoleChange")
    async def confirm_role_change(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        user_id: FromPath[UUID],
        role: Annotated[str, QueryParameter(name="role")] = "",
    ) -> Response[Any]:
        """Without JavaScript the role form asks here first (with htmx, `hx-confirm` asks)."""
        account = await user_admin.get_user(user, user_id)
        new_role = Role.parse(role)
        if account.role == new_role:
            flash(request.scope, "info", f"{account.username} is already {role_phrase(new_role)}.")
            return see_other(request, f"{USERS}#user-{account.id}")
        yourself = account.id == user.user_id
        return render(
            request,
            CONFIRM_PAGE,
            title="Change role",
            question=f"Make {'yourself' if yourself else account.username} {role_phrase(new_role)}?",
            details=[
                f"{account.username} is {role_phrase(account.role)} now.",
                "You will lose the admin pages from your next request."
                if yourself and new_role is Role.CUSTOMER
                else NEW_RIGHTS_NOTE,
            ],
            action=f"{USERS}/{account.id}/role",
            fields={"role": new_role},
            confirm_label=f"Make {role_phrase(new_role)}",
            danger=new_role is Role.CUSTOMER,
            back=f"{USERS}#user-{account.id}",
        )

    @post("/{user_id:uuid}/role", operation_id="adminChangeRole")
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        user_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, "role", key=user_id)
        try:
            changed = await user_admin.change_role(user, user_id, form.values["role"])
        except NotFound as gone:
            return refusal_elsewhere(request, gone, USERS)
        except (ValidationError, LastAdmin) as error:
            return await self._answer(request, user, user_admin, flags, user_id).refused(
                form.refused(error, beside="role"), status=refusal_status(error)
            )
        yourself = changed.id == user.user_id
        note = (
            "Admin pages will refuse you from your next request."
            if yourself and changed.role is Role.CUSTOMER
            else NEW_RIGHTS_NOTE
        )
        who = "You are" if yourself else f"{changed.username} is"
        return await self._answer(request, user, user_admin, flags, user_id).changed(
            f"{who} now {role_phrase(changed.role)}. {note}"
        )

    @post("/{user_id:uuid}/groups", operation_id="adminAddUserToGroup")
    async def add_to_group(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        user_id: FromPath[UUID],
        data: FormData,
    ) -> Response[Any]:
        form = FormState.posted(data, "group_id", key=user_id)
        group_id = optional_id(form.values["group_id"])
        if group_id is None:
            return await self._answer(request, user, user_admin, flags, user_id).refused(
                form.with_errors(group_id="Choose a group.")
            )
        try:
            group = await flags.add_member(user, group_id, user_id)
        except NotFound as gone:
            return refusal_elsewhere(request, gone, USERS)
        account = await user_admin.get_user(user, user_id)
        answer = self._answer(request, user, user_admin, flags, user_id, account=account)
        return await answer.changed(f"Added {account.username} to {group.name}.")

    @post("/{user_id:uuid}/groups/{group_id:uuid}/remove", operation_id="adminRemoveUserFromGroup")
    async def remove_from_group(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        user_id: FromPath[UUID],
        group_id: FromPath[UUID],
    ) -> Response[Any]:
        try:
            group = await flags.remove_member(user, group_id, user_id)
        except NotFound as gone:
            return refusal_elsewhere(request, gone, USERS)
        account = await user_admin.get_user(user, user_id)
        answer = self._answer(request, user, user_admin, flags, user_id, account=account)
        return await answer.changed(f"Removed {account.username} from {group.name}.")

    def _answer(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        user_admin: UserAdminService,
        flags: FlagService,
        user_id: UUID,
        *,
        account: ManagedUserView | None = None,
    ) -> RowAnswer:
        """Answers an action on the user's row; `account` as it now is, when the handler has it already."""

        async def row(**answer: Any) -> Template:
            return render_users(
                request,
                block="user_row",
                account=account or await user_admin.get_user(user, user_id),
                groups=await flags.list_groups(user),
                **answer,
            )

        page = self._page(request, user, user_admin, flags)
        return RowAnswer(request, back=f"{USERS}#user-{user_id}", row=row, page=page.whole)

    def _page(
        self, request: Request[Any, Any, Any], user: UserContext, user_admin: UserAdminService, flags: FlagService
    ) -> ListPage:
        async def listed() -> dict[str, Any]:
            return {"users": await user_admin.list_users(user), "groups": await flags.list_groups(user)}

        return ListPage(request, partial(render_users, request), form_block="user_form", listed=listed, blank=NEW_USER)
