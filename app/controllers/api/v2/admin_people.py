"""Admin: users and their roles, user groups and their members, feature flags (docs/api/v2.md).

Admins only: the `admin_required` guard answers an anonymous caller 401 and a customer 403 before
any input is read (as `PATCH /api/v2/products/{id}` does). Creates need an `Idempotency-Key` and
answer 201 with `Location`; a user, a group and a flag each have a version, sent as a strong `ETag`,
and a PATCH (and a group's DELETE) must name the version it changes in `If-Match`. Every other write
takes an optional `Idempotency-Key`: on the `If-Match` writes its earlier answer is looked up before the
precondition (`IdempotencyService.replay_if_answered`), so the retry of a change that succeeded is
replayed, not refused 412.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from app.controllers.api.v2 import wire
from app.controllers.api.v2 import wire_admin_people as people
from app.controllers.api.v2.listing import NEXT_PAGE_HEADERS, CursorParameter, Limit, decode_cursor, page_of
from app.domain.flags import FeatureFlag, UserGroup
from app.domain.pagination import DEFAULT_PAGE_SIZE
from app.domain.parsing import storable
from app.domain.users import User, UserContext
from app.services.flags import BY_NAME, FlagService
from app.services.idempotency import IdempotencyService, StoredResponse
from app.services.read_models import ManagedUserView
from app.services.users import USER_SORT, UserAdminService
from app.web.conditional import fresh, matched_version, stale_is_precondition_failed
from app.web.current_user import admin_required
from app.web.idempotency import NO_CONTENT, answer, created, idempotent_request, send

V2 = "/api/v2"

CREATE_REFUSALS = (400, 401, 403, 409, 422)
"""400: no Idempotency-Key; 409: the name is taken, or the key's first request is still running;
422: invalid input, or the key was used for another request."""
KEYED = (400, 409, 422)
"""What an optional Idempotency-Key adds: 400 malformed, 409 its first request still running, 422 used for another."""


# --- users ----------------------------------------------------------------------------------------------


def _user_created(account: User) -> StoredResponse:
    return created(f"{V2}/users/{account.id}", people.managed_user(account), account.version)


def _user_changed(account: User | ManagedUserView) -> StoredResponse:
    return answer(people.managed_user(account), version=account.version)


class UsersController(Controller):
    path = "/users"
    tags = ["v2 admin: users"]
    guards = [admin_required]

    @get("/", operation_id="v2ListUsers", responses=wire.problems(401, 403, 422), response_headers=NEXT_PAGE_HEADERS)
    async def list_users(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        q: Annotated[str, Parameter(description="Words in the username or email.", max_length=200)] = "",
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[people.ManagedUserPage]:
        """The shop's accounts by username in keyset pages; the next page is in `Link: rel="next"`."""
        page = await user_admin.browse_users(user, storable(q).strip(), decode_cursor(cursor, USER_SORT), limit)
        return page_of(request, page, people.managed_user, people.ManagedUserPage)

    @post(
        "/",
        operation_id="v2CreateUser",
        status_code=201,
        responses=wire.problems(*CREATE_REFUSALS),
        response_description="The account created",
    )
    async def create_user(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[people.NewUser],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
    ) -> Response[people.ManagedUser]:
        """A taken username is a 422 naming `username`; the password is never sent back."""
        account = await user_admin.create_user(
            user,
            username=data.username,
            password=data.password,
            role=data.role,
            email=data.email,
            idempotency=await idempotent_request(request, _user_created, required=True),
        )
        return send(_user_created(account), replayed=False)

    @get("/{user_id:uuid}", operation_id="v2GetUser", responses=wire.problems(304, 401, 403, 404))
    async def get_user(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        user_id: FromPath[UUID],
    ) -> Response[people.ManagedUser]:
        account = await user_admin.get_user(user, user_id)
        return fresh(request, account.version, lambda: people.managed_user(account))

    @patch(
        "/{user_id:uuid}",
        operation_id="v2UpdateUser",
        responses=wire.problems(*KEYED, 401, 403, 404, 409, 412, 422, 428),
    )
    async def update_user(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[people.UserChanges],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        idempotency_keys: NamedDependency[IdempotencyService],
        user_id: FromPath[UUID],
    ) -> Response[people.ManagedUser]:
        """Change the role; `If-Match` required (428 without it, 412 with the current ETag when stale).

        Their sessions stay, under new ids; the new rights apply from their next request. The shop's
        last admin cannot be made a customer (409 last-admin). With an optional `Idempotency-Key`, the
        retry of a change that succeeded replays its answer instead of a 412.
        """
        idempotency = await idempotent_request(request, _user_changed, required=False)
        await idempotency_keys.replay_if_answered(user, idempotency)

        async def current_version() -> int:
            return (await user_admin.get_user(user, user_id)).version

        expected = matched_version(request, await current_version())
        if data.role is None:  # nothing to change (nothing stored for the key either): the account as it is
            return send(_user_changed(await user_admin.get_user(user, user_id)), replayed=False)
        async with stale_is_precondition_failed(current_version):
            account = await user_admin.change_role(
                user, user_id, data.role, expected_version=expected, idempotency=idempotency
            )
        return send(_user_changed(account), replayed=False)


# --- groups ---------------------------------------------------------------------------------------------


def _group_created(group: UserGroup) -> StoredResponse:
    return created(f"{V2}/groups/{group.id}", people.group(group), group.version)


def _group_changed(group: UserGroup) -> StoredResponse:
    return answer(people.group(group), version=group.version)


class GroupsController(Controller):
    path = "/groups"
    tags = ["v2 admin: user groups"]
    guards = [admin_required]

    @get("/", operation_id="v2ListGroups", responses=wire.problems(401, 403, 422), response_headers=NEXT_PAGE_HEADERS)
    async def list_groups(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[people.GroupPage]:
        """User groups (the audiences flags target, never permissions) by name, with their members."""
        page = await flags.browse_groups(user, decode_cursor(cursor, BY_NAME), limit)
        return page_of(request, page, people.group, people.GroupPage)

    @post(
        "/",
        operation_id="v2CreateGroup",
        status_code=201,
        responses=wire.problems(*CREATE_REFUSALS),
        response_description="The group created",
    )
    async def create_group(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[people.NewGroup],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
    ) -> Response[people.Group]:
        """A name already taken in the shop is a 409 duplicate-group."""
        group = await flags.create_group(
            user,
            name=data.name,
            description=data.description,
            idempotency=await idempotent_request(request, _group_created, required=True),
        )
        return send(_group_created(group), replayed=False)

    @get("/{group_id:uuid}", operation_id="v2GetGroup", responses=wire.problems(304, 401, 403, 404))
    async def get_group(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
    ) -> Response[people.Group]:
        found = await flags.get_group(user, group_id)
        return fresh(request, found.version, lambda: people.group(found))

    @delete(
        "/{group_id:uuid}",
        operation_id="v2DeleteGroup",
        status_code=204,
        responses=wire.problems(*KEYED, 401, 403, 404, 412, 428),
    )
    async def delete_group(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        idempotency_keys: NamedDependency[IdempotencyService],
        group_id: FromPath[UUID],
    ) -> Response[None]:
        """Its memberships go with it, and every flag targeting it stops doing so (each flag records it).

        `If-Match` required (428 without it, 412 with the current ETag when stale: its members changed
        since). With an optional `Idempotency-Key`, the retry of a deletion that succeeded is 204 again."""
        idempotency = await idempotent_request(request, lambda group: NO_CONTENT, required=False)
        await idempotency_keys.replay_if_answered(user, idempotency)

        async def current_version() -> int:
            return (await flags.get_group(user, group_id)).version

        expected = matched_version(request, await current_version())
        async with stale_is_precondition_failed(current_version):
            await flags.delete_group(user, group_id, expected_version=expected, idempotency=idempotency)
        return send(NO_CONTENT, replayed=False)

    @put(
        "/{group_id:uuid}/members/{user_id:uuid}",
        operation_id="v2AddGroupMember",
        responses=wire.problems(*KEYED, 401, 403, 404),
    )
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> Response[people.Group]:
        """Idempotent: the user is a member afterwards (404 user-not-found for no such user). An optional
        `Idempotency-Key` replays the first answer (the group as it was then)."""
        idempotency = await idempotent_request(request, _group_changed, required=False)
        return send(_group_changed(await flags.add_member(user, group_id, user_id, idempotency)), replayed=False)

    @delete(
        "/{group_id:uuid}/members/{user_id:uuid}",
        operation_id="v2RemoveGroupMember",
        status_code=204,
        responses=wire.problems(*KEYED, 401, 403, 404),
    )
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> Response[None]:
        """Idempotent: removing someone who is not a member is fine (404 only for no such group; a repeat
        with the first request's optional `Idempotency-Key` is 204 again, even once the group is gone)."""
        idempotency = await idempotent_request(request, lambda group: NO_CONTENT, required=False)
        await flags.remove_member(user, group_id, user_id, idempotency)
        return send(NO_CONTENT, replayed=False)


# --- feature flags --------------------------------------------------------------------------------------

FlagName = Annotated[str, Parameter(description="The flag's name (flags are named by it in paths).", max_length=100)]


def _flag_created(flag: FeatureFlag) -> StoredResponse:
    return created(f"{V2}/flags/{flag.name}", people.flag(flag), flag.version)


def _flag_changed(flag: FeatureFlag) -> StoredResponse:
    return answer(people.flag(flag), version=flag.version)


class FlagsController(Controller):
    path = "/flags"
    tags = ["v2 admin: feature flags"]
    guards = [admin_required]

    @get("/", operation_id="v2ListFlags", responses=wire.problems(401, 403, 422), response_headers=NEXT_PAGE_HEADERS)
    async def list_flags(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[people.FlagPage]:
        page = await flags.browse_flags(user, decode_cursor(cursor, BY_NAME), limit)
        return page_of(request, page, people.flag, people.FlagPage)

    @post(
        "/",
        operation_id="v2CreateFlag",
        status_code=201,
        responses=wire.problems(*CREATE_REFUSALS),
        response_description="The flag created (targeting everyone until given target groups)",
    )
    async def create_flag(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[people.NewFlag],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
    ) -> Response[people.Flag]:
        """Off unless `enabled`; a name already taken in the shop is a 409 duplicate-flag."""
        flag = await flags.create_flag(
            user,
            name=data.name,
            enabled=data.enabled,
            description=data.description,
            idempotency=await idempotent_request(request, _flag_created, required=True),
        )
        return send(_flag_created(flag), replayed=False)

    @get("/{name:str}", operation_id="v2GetFlag", responses=wire.problems(304, 401, 403, 404))
    async def get_flag(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: Annotated[str, Parameter(description="The flag's name.", max_length=100)],
    ) -> Response[people.Flag]:
        found = await flags.get_flag(user, name)
        return fresh(request, found.version, lambda: people.flag(found))

    @patch("/{name:str}", operation_id="v2UpdateFlag", responses=wire.problems(*KEYED, 401, 403, 404, 412, 422, 428))
    async def update_flag(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[people.FlagChanges],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        idempotency_keys: NamedDependency[IdempotencyService],
        name: Annotated[str, Parameter(description="The flag's name.", max_length=100)],
    ) -> Response[people.Flag]:
        """Switch it on or off, describe it, choose its target groups, in one change; `If-Match` required.

        With an optional `Idempotency-Key`, the retry of a change that succeeded replays its answer, not a 412."""
        idempotency = await idempotent_request(request, _flag_changed, required=False)
        await idempotency_keys.replay_if_answered(user, idempotency)

        async def current_version() -> int:
            return (await flags.get_flag(user, name)).version

        expected = matched_version(request, await current_version())
        targets = set(data.target_group_ids) if data.target_group_ids is not None else None
        async with stale_is_precondition_failed(current_version):
            changed = await flags.change_flag(
                user,
                name,
                expected_version=expected,
                enabled=data.enabled,
                description=data.description,
                target_group_ids=targets,
                idempotency=idempotency,
            )
        return send(_flag_changed(changed), replayed=False)
