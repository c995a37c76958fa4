"""The users and user-groups pages (admins): accounts, roles, and the groups feature flags target.

Every action is a plain form post that redirects back with a flash message; with htmx it swaps
only what changed (a user's row, a group's card, or a form) and the message arrives out of band.
Changing a role or deleting a group asks first: a confirmation page without JavaScript, the
browser's dialog (`hx-confirm`) with it.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from app.domain.errors import NotFound, ValidationError
from app.domain.flags import DuplicateGroup, GroupNotFound, UserGroup
from app.domain.users import Role, UserContext
from app.services.flags import FlagService
from app.services.ports import ManagedUserView
from app.services.users import UserAdminService
from app.web.flash import flash
from app.web.forms import FormData, FormState, form_uuid, refusal_elsewhere, refusal_status
from app.web.redirects import see_other
from app.web.rendering import is_htmx, render

USERS_PAGE = "pages/admin/users.html"
GROUPS_PAGE = "pages/admin/groups.html"
CONFIRM_PAGE = "pages/admin/confirm.html"
USERS = "/admin/users"
GROUPS = "/admin/groups"
USER_FIELDS = ("username", "email", "role")  # the password is never sent back to the page
GROUP_FIELDS = ("name", "description")
WIDENING_NOTE = "An enabled flag left with no target group is on for all users."
NEW_RIGHTS_NOTE = "The new rights apply from their next request; they stay logged in (their session gets a new id)."


def render_users(request: Request[Any, Any, Any], **context: Any) -> Template:
    """The users page (or, over htmx, the block asked for); every part of it may offer the roles."""
    return render(request, USERS_PAGE, roles=tuple(Role), **context)


def role_phrase(role: Role | str) -> str:
    return "an admin" if role == Role.ADMIN else "a customer"


class UserAdminController(Controller):
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
        return await self._page(request, user, user_admin, flags, form=FormState(values={"role": Role.CUSTOMER}))

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
        try:
            created = await user_admin.create_user(
                user,
                username=form.values["username"],
                password=data.get("password", ""),
                role=form.values["role"],
                email=form.values["email"],
            )
        except ValidationError as error:
            if is_htmx(request):
                return render_users(
                    request, block="user_form", status_code=422, form=form.refused(error, beside="username")
                )
            return await self._page(
                request, user, user_admin, flags, form=form.refused(error, beside="username"), status=422
            )
        message = f"User {created.username} created as {role_phrase(created.role)}."
        if not is_htmx(request):
            flash(request.scope, "success", message)
            return see_other(request, USERS)
        # A blank form, and (out of band) the list with the new user in place and the message.
        return render_users(
            request,
            block="user_form",
            status_code=201,
            form=FormState(values={"role": Role.CUSTOMER}),
            created=created,
            users=await user_admin.list_users(user),
            groups=await flags.list_groups(user),
            oob_flash=("success", message),
        )

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
        except ValidationError as error:
            return await self._row_refused(
                request, user, user_admin, flags, user_id, form.refused(error, beside="role")
            )
        yourself = changed.id == user.user_id
        note = (
            "Admin pages will refuse you from your next request."
            if yourself and changed.role is Role.CUSTOMER
            else NEW_RIGHTS_NOTE
        )
        who = "You are" if yourself else f"{changed.username} is"
        return await self._row_changed(
            request, user, user_admin, flags, user_id, f"{who} now {role_phrase(changed.role)}. {note}"
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
        group_id = form_uuid(form.values["group_id"])
        if group_id is None:
            return await self._row_refused(
                request, user, user_admin, flags, user_id, form.with_errors(group_id="Choose a group.")
            )
        try:
            group = await flags.add_member(user, group_id, user_id)
        except NotFound as gone:
            return refusal_elsewhere(request, gone, USERS)
        account = await user_admin.get_user(user, user_id)
        return await self._row_changed(
            request, user, user_admin, flags, user_id, f"Added {account.username} to {group.name}.", account=account
        )

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
        return await self._row_changed(
            request, user, user_admin, flags, user_id, f"Removed {account.username} from {group.name}.", account=account
        )

    async def _row_changed(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        user_admin: UserAdminService,
        flags: FlagService,
        user_id: UUID,
        message: str,
        *,
        account: ManagedUserView | None = None,
    ) -> Response[Any]:
        """Back to the user's row: a redirect and a flash without JavaScript, the row alone over htmx."""
        if not is_htmx(request):
            flash(request.scope, "success", message)
            return see_other(request, f"{USERS}#user-{user_id}")
        return render_users(
            request,
            block="user_row",
            account=account or await user_admin.get_user(user, user_id),
            groups=await flags.list_groups(user),
            row_flash=("success", message),
        )

    async def _row_refused(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        user_admin: UserAdminService,
        flags: FlagService,
        user_id: UUID,
        refused: FormState,
    ) -> Template:
        """The row (or, without JavaScript, the whole page) with the reason beside the control at fault."""
        if not is_htmx(request):
            blank = FormState(values={"role": Role.CUSTOMER})
            return await self._page(request, user, user_admin, flags, form=blank, refused=refused, status=422)
        return render_users(
            request,
            block="user_row",
            status_code=422,
            account=await user_admin.get_user(user, user_id),
            groups=await flags.list_groups(user),
            refused=refused,
        )

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
        return render_users(
            request,
            status_code=status,
            users=await user_admin.list_users(user),
            groups=await flags.list_groups(user),
            form=form,
            refused=refused,
        )


class GroupAdminController(Controller):
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
            return await self._card_refused(
                request, user, user_admin, flags, group_id, form.with_errors(user_id="Choose a user.")
            )
        try:
            group = await flags.add_member(user, group_id, member_id)
        except NotFound as gone:
            return refusal_elsewhere(request, gone, GROUPS)
        account = await user_admin.get_user(user, member_id)
        return await self._card_changed(
            request, user, user_admin, flags, group, f"Added {account.username} to {group.name}."
        )

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
        return await self._card_changed(
            request, user, user_admin, flags, group, f"Removed {account.username} from {group.name}."
        )

    async def _card_changed(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        user_admin: UserAdminService,
        flags: FlagService,
        group: UserGroup,
        message: str,
    ) -> Response[Any]:
        """Back to the group's card: a redirect and a flash without JavaScript, the card alone over htmx."""
        if not is_htmx(request):
            flash(request.scope, "success", message)
            return see_other(request, f"{GROUPS}#group-{group.id}")
        return render(
            request,
            GROUPS_PAGE,
            block="group_card",
            group=group,
            users=await user_admin.list_users(user),
            flags=await flags.list_flags(user),
            row_flash=("success", message),
        )

    async def _card_refused(
        self,
        request: Request[Any, Any, Any],
        user: UserContext,
        user_admin: UserAdminService,
        flags: FlagService,
        group_id: UUID,
        refused: FormState,
    ) -> Template:
        """The card (or, without JavaScript, the whole page) with the reason beside the control at fault."""
        if not is_htmx(request):
            return await self._page(request, user, user_admin, flags, form=FormState(), refused=refused, status=422)
        return render(
            request,
            GROUPS_PAGE,
            block="group_card",
            status_code=422,
            group=await flags.get_group(user, group_id),
            users=await user_admin.list_users(user),
            flags=await flags.list_flags(user),
            refused=refused,
        )

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
