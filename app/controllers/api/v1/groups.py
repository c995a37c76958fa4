"""User groups (api-v1.md §8.4): the audiences feature flags target, and their members.

Groups are for targeting features, never for permissions. Ids in the path and the body are
parsed before the role check, as in v1, so a malformed one is a 400 even for a customer.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import refusal_named, reported_without_field
from app.controllers.api.v1.guards import login_required
from app.controllers.api.v1.parsing import parse_uuid
from app.domain.users import UserContext
from app.services.flags import FlagService


class UserGroupsController(Controller):
    """Named sets of users that feature flags can target."""

    path = "/admin/user-groups"
    tags = ["v1 user groups"]
    guards = [login_required]

    @get("/", operation_id="v1ListUserGroups", responses=wire.refusals(401, 403))
    async def list_groups(
        self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService]
    ) -> wire.V1Groups:
        return wire.V1Groups(results=[serializers.group(group) for group in await flags.list_groups(user)])

    @post(
        "/create/",
        operation_id="v1CreateUserGroup",
        status_code=201,
        opt=wire.request_body(wire.V1NewGroup),
        responses=wire.refusals(400, 401, 403),
    )
    async def create_group(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
    ) -> wire.V1Group:
        with reported_without_field():
            created = await flags.create_group(user, name=payload.get("name"), description=payload.get("description"))
        return serializers.group(created)

    @get("/{group_id:str}/", operation_id="v1GetUserGroup", responses=wire.refusals(400, 401, 403, 404))
    async def get_group(
        self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService], group_id: wire.UuidPath
    ) -> wire.V1Group:
        return serializers.group(await flags.get_group(user, parse_uuid(group_id)))

    @delete("/{group_id:str}/", operation_id="v1DeleteUserGroup", responses=wire.refusals(400, 401, 403, 404))
    async def delete_group(
        self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService], group_id: wire.UuidPath
    ) -> None:
        """Its memberships go with it, and every flag targeting it stops doing so."""
        await flags.delete_group(user, parse_uuid(group_id))

    @get("/{group_id:str}/users/", operation_id="v1ListUserGroupMembers", responses=wire.refusals(400, 401, 403, 404))
    async def list_members(
        self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService], group_id: wire.UuidPath
    ) -> wire.V1GroupMembers:
        target = parse_uuid(group_id)
        with refusal_named("list_group_members"):  # the service has one use case for the group and its members
            group = await flags.get_group(user, target)
        return serializers.group_members(group.member_ids)

    @post(
        "/{group_id:str}/users/",
        operation_id="v1AddUserGroupMember",
        status_code=201,
        opt=wire.request_body(wire.V1UserRef),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def add_member(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
        group_id: wire.UuidPath,
    ) -> wire.V1MemberAdded:
        """201 whether or not the user was already a member."""
        target = parse_uuid(group_id)
        member = parse_uuid(payload.get("user_id"))
        await flags.add_member(user, target, member)
        return wire.V1MemberAdded(status="added")

    @delete(
        "/{group_id:str}/users/{user_id:str}/",
        operation_id="v1RemoveUserGroupMember",
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def remove_member(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: wire.UuidPath,
        user_id: wire.UuidPath,
    ) -> None:
        """Idempotent: removing someone who is not a member is fine."""
        target = parse_uuid(group_id)
        member = parse_uuid(user_id)
        await flags.remove_member(user, target, member)
