"""Admin: users and their roles, user groups and their members, feature flags (docs/api/v2.md).

Admins only: the `admin_required` guard answers an anonymous caller 401 and a customer 403 before
any input is read (as `PATCH /api/v2/products/{id}` does). Creates need an `Idempotency-Key` and
answer 201 with `Location`; a user, a group and a flag each have a version, sent as a strong `ETag`,
and a PATCH must name the version it changes in `If-Match`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter

from app.controllers.api.v2 import wire
from app.controllers.api.v2 import wire_admin_people as people
from app.controllers.api.v2.listing import NEXT_PAGE_HEADERS, CursorParameter, Limit, decode_cursor, page_response
from app.domain.errors import StaleVersion
from app.domain.flags import FeatureFlag, UserGroup
from app.domain.pagination import DEFAULT_PAGE_SIZE
from app.domain.parsing import storable
from app.domain.users import User, UserContext
from app.services.flags import BY_NAME, FlagService
from app.services.idempotency import StoredResponse
from app.services.users import USER_SORT, UserAdminService
from app.web.conditional import PreconditionFailed, etag, matched_version, not_modified, not_modified_response
from app.web.current_user import admin_required
from app.web.idempotency import MAX_LENGTH, idempotent_request, send

V2 = "/api/v2"

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z:/]"
_QUOTED_CHARACTER = r'(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\\"])'
KEY_GRAMMAR = f'^(?:{_TOKEN}{{1,{MAX_LENGTH}}}|"{_QUOTED_CHARACTER}{{1,{MAX_LENGTH}}}")$'
"""The header's two forms as app.web.idempotency reads them: a bare token, or a quoted string (RFC 8941)."""

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=True,
        schema_extra={"pattern": KEY_GRAMMAR},  # documented; a malformed key stays our 400 problem
        description=f"Unique per create, at most {MAX_LENGTH} characters: a repeat is answered as the first was, "
        "with `Idempotent-Replayed: true`. Missing: 400 idempotency-key-required.",
    ),
]
"""Documents the header; `idempotent_request` reads it (a missing one is our 400 problem, not a 422)."""

CREATE_REFUSALS = (400, 401, 403, 409, 422)
"""400: no Idempotency-Key; 409: the name is taken, or the key's first request is still running;
422: invalid input, or the key was used for another request."""


def _created(path: str, body: Any, version: int) -> StoredResponse:
    """201 with the new resource, its `Location` and `ETag`: stored with it for the key's repeats."""
    return StoredResponse(201, msgspec.json.encode(body), {"Location": path, "ETag": etag(version)})


def _with_etag(body: Any, version: int) -> Response[Any]:
    return Response(body, headers={"ETag": etag(version)})


async def _unless_stale(change: Awaitable[Any], current_version: Callable[[], Awaitable[int]]) -> Any:
    """The change, or 412 with the ETag of what won when someone changed the resource since If-Match was checked."""
    try:
        return await change
    except StaleVersion:
        raise PreconditionFailed(etag(await current_version())) from None


# --- users ----------------------------------------------------------------------------------------------


def _user_created(created: User) -> StoredResponse:
    return _created(f"{V2}/users/{created.id}", people.managed_user(created), created.version)


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
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        body = people.ManagedUserPage(items=[people.managed_user(item) for item in page.items], next_cursor=next_cursor)
        return page_response(request, body, page.next_cursor)

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
        idempotency_key: IdempotencyKey = None,
    ) -> Response[people.ManagedUser]:
        """A taken username is a 422 naming `username`; the password is never sent back."""
        created = await user_admin.create_user(
            user,
            username=data.username,
            password=data.password,
            role=data.role,
            email=data.email,
            idempotency=await idempotent_request(request, _user_created, required=True),
        )
        return send(_user_created(created), replayed=False)

    @get("/{user_id:uuid}", operation_id="v2GetUser", responses=wire.problems(304, 401, 403, 404))
    async def get_user(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        user_id: FromPath[UUID],
    ) -> Response[people.ManagedUser]:
        account = await user_admin.get_user(user, user_id)
        if not_modified(request, account.version):
            return not_modified_response(account.version)
        return _with_etag(people.managed_user(account), account.version)

    @patch("/{user_id:uuid}", operation_id="v2UpdateUser", responses=wire.problems(401, 403, 404, 409, 412, 422, 428))
    async def update_user(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[people.UserChanges],
        user: NamedDependency[UserContext],
        user_admin: NamedDependency[UserAdminService],
        user_id: FromPath[UUID],
    ) -> Response[people.ManagedUser]:
        """Change the role; `If-Match` required (428 without it, 412 with the current ETag when stale).

        Their sessions stay, under new ids; the new rights apply from their next request. The shop's
        last admin cannot be made a customer (409 last-admin).
        """

        async def current_version() -> int:
            return (await user_admin.get_user(user, user_id)).version

        expected = matched_version(request, await current_version())
        if data.role is not None:
            changed = user_admin.change_role(user, user_id, data.role, expected_version=expected)
            await _unless_stale(changed, current_version)
        account = await user_admin.get_user(user, user_id)
        return _with_etag(people.managed_user(account), account.version)


# --- groups ---------------------------------------------------------------------------------------------


def _group_created(created: UserGroup) -> StoredResponse:
    return _created(f"{V2}/groups/{created.id}", people.group(created), created.version)


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
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        body = people.GroupPage(items=[people.group(item) for item in page.items], next_cursor=next_cursor)
        return page_response(request, body, page.next_cursor)

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
        idempotency_key: IdempotencyKey = None,
    ) -> Response[people.Group]:
        """A name already taken in the shop is a 409 duplicate-group."""
        created = await flags.create_group(
            user,
            name=data.name,
            description=data.description,
            idempotency=await idempotent_request(request, _group_created, required=True),
        )
        return send(_group_created(created), replayed=False)

    @get("/{group_id:uuid}", operation_id="v2GetGroup", responses=wire.problems(304, 401, 403, 404))
    async def get_group(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
    ) -> Response[people.Group]:
        found = await flags.get_group(user, group_id)
        if not_modified(request, found.version):
            return not_modified_response(found.version)
        return _with_etag(people.group(found), found.version)

    @delete("/{group_id:uuid}", operation_id="v2DeleteGroup", status_code=204, responses=wire.problems(401, 403, 404))
    async def delete_group(
        self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService], group_id: FromPath[UUID]
    ) -> None:
        """Its memberships go with it, and every flag targeting it stops doing so (each flag records it)."""
        await flags.delete_group(user, group_id)

    @put(
        "/{group_id:uuid}/members/{user_id:uuid}",
        operation_id="v2AddGroupMember",
        responses=wire.problems(401, 403, 404),
    )
    async def add_member(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> Response[people.Group]:
        """Idempotent: the user is a member afterwards (404 user-not-found for no such user)."""
        changed = await flags.add_member(user, group_id, user_id)
        return _with_etag(people.group(changed), changed.version)

    @delete(
        "/{group_id:uuid}/members/{user_id:uuid}",
        operation_id="v2RemoveGroupMember",
        status_code=204,
        responses=wire.problems(401, 403, 404),
    )
    async def remove_member(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        group_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> None:
        """Idempotent: removing someone who is not a member is fine (404 only for no such group)."""
        await flags.remove_member(user, group_id, user_id)


# --- feature flags --------------------------------------------------------------------------------------

FlagName = Annotated[str, Parameter(description="The flag's name (flags are named by it in paths).", max_length=100)]


def _flag_created(created: FeatureFlag) -> StoredResponse:
    return _created(f"{V2}/flags/{created.name}", people.flag(created), created.version)


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
        next_cursor = page.next_cursor.encode() if page.next_cursor else None
        body = people.FlagPage(items=[people.flag(item) for item in page.items], next_cursor=next_cursor)
        return page_response(request, body, page.next_cursor)

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
        idempotency_key: IdempotencyKey = None,
    ) -> Response[people.Flag]:
        """Off unless `enabled`; a name already taken in the shop is a 409 duplicate-flag."""
        created = await flags.create_flag(
            user,
            name=data.name,
            enabled=data.enabled,
            description=data.description,
            idempotency=await idempotent_request(request, _flag_created, required=True),
        )
        return send(_flag_created(created), replayed=False)

    @get("/{name:str}", operation_id="v2GetFlag", responses=wire.problems(304, 401, 403, 404))
    async def get_flag(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: Annotated[str, Parameter(description="The flag's name.", max_length=100)],
    ) -> Response[people.Flag]:
        found = await flags.get_flag(user, name)
        if not_modified(request, found.version):
            return not_modified_response(found.version)
        return _with_etag(people.flag(found), found.version)

    @patch("/{name:str}", operation_id="v2UpdateFlag", responses=wire.problems(401, 403, 404, 412, 422, 428))
    async def update_flag(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[people.FlagChanges],
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        name: Annotated[str, Parameter(description="The flag's name.", max_length=100)],
    ) -> Response[people.Flag]:
        """Switch it on or off, describe it, choose its target groups, in one change; `If-Match` required."""

        async def current_version() -> int:
            return (await flags.get_flag(user, name)).version

        expected = matched_version(request, await current_version())
        targets = set(data.target_group_ids) if data.target_group_ids is not None else None
        change = flags.change_flag(
            user,
            name,
            expected_version=expected,
            enabled=data.enabled,
            description=data.description,
            target_group_ids=targets,
        )
        changed: FeatureFlag = await _unless_stale(change, current_version)
        return _with_etag(people.flag(changed), changed.version)
