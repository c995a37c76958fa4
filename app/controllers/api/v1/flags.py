"""Feature flags (api-v1.md §8.3): create, switch and delete flags, and choose the user groups they target.

A flag is on for everyone when it targets no group, otherwise for members of any target group;
the path names a flag by its exact name (flags have no id on the wire).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import bad_request, reported_without_field
from app.controllers.api.v1.guards import login_required
from app.controllers.api.v1.parsing import INVALID_UUID, parse_uuid
from app.domain.flags import FlagNotFound
from app.domain.parsing import is_storable
from app.domain.users import UserContext
from app.services.flags import FlagService


class FeatureFlagsController(Controller):
    """Switch features on for everyone, or only for the members of chosen user groups."""

    path = "/admin/feature-flags"
    tags = ["v1 feature flags"]
    guards = [login_required]

    @get("/", operation_id="v1ListFeatureFlags", responses=wire.refusals(401, 403))
    async def list_flags(self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService]) -> wire.V1Flags:
        return wire.V1Flags(results=[serializers.flag(flag) for flag in await flags.list_flags(user)])

    @post(
        "/create/",
        operation_id="v1CreateFeatureFlag",
        status_code=201,
        opt=wire.request_body(wire.V1NewFlag),
        responses=wire.refusals(400, 401, 403),
    )
    async def create_flag(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
    ) -> wire.V1Flag:
        """`enabled` defaults to false and `description` to "" (also when sent as null)."""
        enabled = payload.get("enabled")
        with reported_without_field():
            created = await flags.create_flag(
                user,
                name=payload.get("name"),
                enabled=False if enabled is None else enabled,
                description=payload.get("description"),
            )
        return serializers.flag(created)

    @get("/{flag_name:str}/", operation_id="v1GetFeatureFlag", responses=wire.refusals(401, 403, 404))
    async def get_flag(
        self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService], flag_name: FromPath[str]
    ) -> wire.V1Flag:
        with _flag_named_as_sent(flag_name):
            return serializers.flag(await flags.get_flag(user, _lookup(flag_name)))

    @put(
        "/{flag_name:str}/",
        operation_id="v1UpdateFeatureFlag",
        opt=wire.request_body(wire.V1FlagChanges),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def update_flag(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
        flag_name: FromPath[str],
    ) -> wire.V1Flag:
        """`enabled` and/or `description`; an absent or null one keeps its value. `updated_at` moves regardless."""
        with _flag_named_as_sent(flag_name), reported_without_field():
            updated = await flags.update_flag(
                user, _lookup(flag_name), enabled=payload.get("enabled"), description=payload.get("description")
            )
        return serializers.flag(updated)

    @delete("/{flag_name:str}/", operation_id="v1DeleteFeatureFlag", responses=wire.refusals(401, 403, 404))
    async def delete_flag(
        self, user: NamedDependency[UserContext], flags: NamedDependency[FlagService], flag_name: FromPath[str]
    ) -> None:
        with _flag_named_as_sent(flag_name):
            await flags.delete_flag(user, _lookup(flag_name))

    @put(
        "/{flag_name:str}/targets/",
        operation_id="v1SetFeatureFlagTargets",
        opt=wire.request_body(wire.V1FlagTargets),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def set_targets(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
        flag_name: FromPath[str],
    ) -> wire.V1Flag:
        """Replaces the target groups; `[]` or no `group_ids` at all targets everyone again."""
        group_ids = _group_ids(payload.get("group_ids", []))
        with _flag_named_as_sent(flag_name):
            return serializers.flag(await flags.set_targets(user, _lookup(flag_name), group_ids))

    @post(
        "/{flag_name:str}/targets/add/",
        operation_id="v1AddFeatureFlagTarget",
        status_code=200,
        opt=wire.request_body(wire.V1GroupRef),
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def add_target(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        payload: NamedDependency[dict[str, Any]],
        flag_name: FromPath[str],
    ) -> wire.V1Flag:
        group_id = parse_uuid(payload.get("group_id"))
        with _flag_named_as_sent(flag_name):
            return serializers.flag(await flags.add_target(user, _lookup(flag_name), group_id))

    @delete(
        "/{flag_name:str}/targets/{group_id:str}/",
        operation_id="v1RemoveFeatureFlagTarget",
        status_code=200,
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def remove_target(
        self,
        user: NamedDependency[UserContext],
        flags: NamedDependency[FlagService],
        flag_name: FromPath[str],
        group_id: wire.UuidPath,
    ) -> wire.V1Flag:
        """Idempotent: removing a group the flag does not target is fine."""
        target = parse_uuid(group_id)
        with _flag_named_as_sent(flag_name):
            return serializers.flag(await flags.remove_target(user, _lookup(flag_name), target))


def _group_ids(raw: object) -> set[UUID]:
    """Every id must be a UUID (checked before the role check, as in v1); anything but a list is refused too."""
    if not isinstance(raw, list):
        raise bad_request(INVALID_UUID)
    return {parse_uuid(value) for value in raw}


def _lookup(flag_name: str) -> str:
    """The name to look up: one PostgreSQL cannot hold (a NUL) names no flag, so ask for one that cannot exist."""
    return flag_name if is_storable(flag_name) else ""


@contextmanager
def _flag_named_as_sent(flag_name: str) -> Iterator[None]:
    try:
        yield
    except FlagNotFound:
        raise FlagNotFound(flag_name) from None
