"""User administration (api-v1.md §8.5): list users, change a role, and manage a user's group memberships.

Users are neither created nor deleted through v1. Ids, and a PUT's role, are read before the role
check, as in v1, so a customer sending a malformed one gets a 400, not a 403.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import bad_request
from app.controllers.api.v1.guards import login_required
from app.controllers.api.v1.parsing import parse_uuid
from app.domain.flags import GroupNotFound
from app.domain.users import Role, UserContext
from app.services.flags import FlagService
from app.services.users import UserAdminService

V1_ROLES = frozenset(role.value for role in Role)


class UsersController(Controller):
    """Who can log in, with which role, in which user groups."""

    path = "/admin/users"
    tags = ["v1 users"]
    guards = [login_required]

    @get("/", operation_id="v1ListUsers", responses=wire.refusals(401, 403))
    async def list_users(
        self, user: NamedDependency[UserContext], user_admin: NamedDependency[UserAdminService]
    ) -> wire.V1Users:
        return wire.V1Users(results=[serializers.managed_user(view) for view in await user_admin.list_users(user)])

    @get("/{user_id:str}/", operation_id="v1GetUser", responses=wire.refusals(400, 401, 403, 404))
    async def get_user(
        self, user: NamedDependency[UserContext], user_admin: NamedDependency[UserAdminService], user_id: wire.UuidPath
    ) -> wire.V1ManagedUser:
        return serializers.managed_user(await user_admin.get_user(user, parse_uuid(user_id)))

    @put(
        "/{user_id:str}/",
        operation_id="v1ChangeUserRole",
        opt=wire.request_body(wire.V1RoleChange),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def change_role(
        self,
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        payload: NamedDependency[dict[str, Any]],
        user_id: wire.UuidPath,
    ) -> wire.V1ManagedUser:
        """The new role applies from the user's next request. Admins may demote themselves, not the last admin."""
        role = payload.get("role")
        if not role:
            raise bad_request("No updates provided")
        if not isinstance(role, str) or role not in V1_ROLES:
            raise bad_request(f"Invalid role: {role}. Must be 'admin' or 'customer'")
        target = parse_uuid(user_id)
        await user_admin.change_role(user, target, role)
        return serializers.managed_user(await user_admin.get_user(user, target))

    @post(
        "/{user_id:str}/groups/",
        operation_id="v1AddUserToGroup",
        status_code=200,
        opt=wire.request_body(wire.V1GroupRef),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def add_to_group(
        self,
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
        user_id: wire.UuidPath,
    ) -> wire.V1ManagedUser:
        """Idempotent; answers the user with their groups."""
        target = parse_uuid(user_id)
        group_id = parse_uuid(payload.get("group_id"))
        await _existing_user(user, user_admin, target)
        await flags.add_member(user, group_id, target)
        return serializers.managed_user(await user_admin.get_user(user, target))

    @delete(
        "/{user_id:str}/groups/{group_id:str}/",
        operation_id="v1RemoveUserFromGroup",
        status_code=200,
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def remove_from_group(
        self,
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        flags: NamedDependency[FlagService],
        user_id: wire.UuidPath,
        group_id: wire.UuidPath,
    ) -> wire.V1ManagedUser:
        """Idempotent, even for a group that does not exist (the user is not in it); answers the user."""
        target = parse_uuid(user_id)
        group = parse_uuid(group_id)
        await _existing_user(user, user_admin, target)
        with suppress(GroupNotFound):
            await flags.remove_member(user, group, target)
        return serializers.managed_user(await user_admin.get_user(user, target))


async def _existing_user(user: UserContext, user_admin: UserAdminService, user_id: UUID) -> None:
    """v1's user views refuse a customer in their own words and look the user up before the group.

    The membership itself changes through the group (FlagService), whose refusals are worded for
    the group views: asking the user service first keeps v1's 403 message and its 404 order.
    """
    await user_admin.get_user(user, user_id)
