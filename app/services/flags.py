"""Feature flags and user groups: administration, and evaluating flags for the user asking.

Evaluation reads PostgreSQL on every call (one indexed query), so a change is seen by every web
process and worker at once: there is no per-process cache to go stale. Any error while
evaluating means "off" (fail safe).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from app.domain.errors import StaleVersion
from app.domain.flags import (
    DuplicateFlag,
    DuplicateGroup,
    FeatureFlag,
    FlagNotFound,
    GroupNotFound,
    UserGroup,
)
from app.domain.pagination import MAX_PAGE_SIZE, Cursor, Slice, Sort, keyset_slice
from app.domain.parsing import is_storable, storable
from app.domain.users import Capability, UserContext, UserNotFound
from app.services.authorization import require
from app.services.idempotency import IdempotentRequest, claim_or_replay, remember_answer
from app.services.ports import DirectoryReader, UnitOfWork, UnitOfWorkFactory
from app.services.read_models import GroupView

log = logging.getLogger(__name__)

BY_NAME = Sort("name")
"""Flags and groups in keyset pages: by name, bytewise (names are unique in a shop)."""


def _require_flags_admin(user: UserContext, op: str) -> None:
    require(user, Capability.FEATURE_FLAGS_MANAGE, action=op, reason="Only admins can manage feature flags")


def _require_groups_admin(user: UserContext, op: str) -> None:
    require(user, Capability.FEATURE_FLAGS_MANAGE, action=op, reason="Only admins can manage user groups")


class FlagService:
    def __init__(self, uow: UnitOfWorkFactory, reader: DirectoryReader) -> None:
        self._uow = uow
        self._reader = reader

    # --- evaluation ---------------------------------------------------------------------------

    async def enabled_flags(self, user: UserContext) -> list[str]:
        """The names of the flags on for this user, sorted; [] if evaluation fails."""
        try:
            return await self._reader.enabled_flag_names(user.tenant_id, user.group_ids)
        except Exception:  # fail safe: a broken flag store turns features off, never breaks the page
            log.warning("feature_flag_evaluation_failed", exc_info=True)
            return []

    async def is_enabled(self, user: UserContext, name: str) -> bool:
        return name in await self.enabled_flags(user)

    # --- flags ----------------------------------------------------------------------------------

    async def list_flags(self, user: UserContext) -> list[FeatureFlag]:
        _require_flags_admin(user, "list_feature_flags")
        return await self._reader.list_flags(user.tenant_id)

    async def browse_flags(self, user: UserContext, after: Cursor | None = None, limit: int = 20) -> Slice[FeatureFlag]:
        _require_flags_admin(user, "list_feature_flags")
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        rows = await self._reader.browse_flags(user.tenant_id, after, limit + 1)
        return keyset_slice(rows, limit, BY_NAME, lambda flag: (flag.name, flag.id))

    async def get_flag(self, user: UserContext, name: str) -> FeatureFlag:
        _require_flags_admin(user, "get_feature_flag")
        async with self._uow(user) as uow:
            return await _flag(uow, name)

    async def create_flag(
        self,
        user: UserContext,
        *,
        name: object,
        enabled: object = False,
        description: object = "",
        idempotency: IdempotentRequest | None = None,
    ) -> FeatureFlag:
        """With `idempotency` (API v2), the key's record commits with the new flag."""
        _require_flags_admin(user, "create_feature_flag")
        flag = FeatureFlag.create(tenant_id=user.tenant_id, name=name, enabled=enabled, description=description)
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            if await uow.flags.name_taken(flag.name):
                raise DuplicateFlag(flag.name)
            uow.flags.add(flag)
            remember_answer(uow, user.user_id, idempotency, flag)
            await uow.commit()
        return flag

    async def update_flag(
        self, user: UserContext, name: str, *, enabled: object = None, description: object = None
    ) -> FeatureFlag:
        _require_flags_admin(user, "update_feature_flag")
        async with self._uow(user) as uow:
            flag = await _flag(uow, name)
            flag.update(enabled=enabled, description=description)
            await uow.commit()
        return flag

    async def change_flag(
        self,
        user: UserContext,
        name: str,
        *,
        expected_version: int | None = None,
        enabled: object = None,
        description: object = None,
        target_group_ids: set[UUID] | None = None,
        idempotency: IdempotentRequest | None = None,
    ) -> FeatureFlag:
        """Switch, describe and target the flag at once (None: unchanged; an empty set targets everyone).

        With `expected_version`, a flag changed since that version is left as it is (StaleVersion).
        With `idempotency`, the key (claimed before the version check) and its record commit with the change.
        """
        _require_flags_admin(user, "update_feature_flag")
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            flag = await _flag(uow, name)
            if expected_version is not None and flag.version != expected_version:
                raise StaleVersion("feature flag", flag.id)
            flag.update(enabled=enabled, description=description)
            if target_group_ids is not None:
                for group_id in target_group_ids:
                    await _group(uow, group_id)
                flag.set_targets(set(target_group_ids))
            remember_answer(uow, user.user_id, idempotency, flag)
            await uow.commit()
        return flag

    async def delete_flag(self, user: UserContext, name: str) -> None:
        _require_flags_admin(user, "delete_feature_flag")
        async with self._uow(user) as uow:
            flag = await _flag(uow, name)
            flag.mark_deleted()
            uow.flags.remove(flag)
            await uow.commit()

    async def set_targets(self, user: UserContext, name: str, group_ids: set[UUID]) -> FeatureFlag:
        _require_flags_admin(user, "set_flag_target_groups")
        return await self._change_targets(user, name, lambda current: set(group_ids), group_ids)

    async def add_target(self, user: UserContext, name: str, group_id: UUID) -> FeatureFlag:
        _require_flags_admin(user, "add_flag_target_group")
        return await self._change_targets(user, name, lambda current: current | {group_id}, {group_id})

    async def remove_target(self, user: UserContext, name: str, group_id: UUID) -> FeatureFlag:
        _require_flags_admin(user, "remove_flag_target_group")
        return await self._change_targets(user, name, lambda current: current - {group_id}, set())

    async def _change_targets(
        self, user: UserContext, name: str, change: Callable[[set[UUID]], set[UUID]], must_exist: set[UUID]
    ) -> FeatureFlag:
        async with self._uow(user) as uow:
            flag = await _flag(uow, name)
            for group_id in must_exist:
                if await uow.groups.get(group_id) is None:
                    raise GroupNotFound(group_id)
            flag.set_targets(change(set(flag.target_group_ids)))
            await uow.commit()
        return flag

    # --- groups ---------------------------------------------------------------------------------

    async def list_groups(self, user: UserContext) -> list[GroupView]:
        _require_groups_admin(user, "list_user_groups")
        return await self._reader.list_groups(user.tenant_id)

    async def browse_groups(self, user: UserContext, after: Cursor | None = None, limit: int = 20) -> Slice[GroupView]:
        _require_groups_admin(user, "list_user_groups")
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        rows = await self._reader.browse_groups(user.tenant_id, after, limit + 1)
        return keyset_slice(rows, limit, BY_NAME, lambda group: (group.name, group.id))

    async def get_group(self, user: UserContext, group_id: UUID) -> UserGroup:
        _require_groups_admin(user, "get_user_group")
        async with self._uow(user) as uow:
            return await _group(uow, group_id)

    async def create_group(
        self,
        user: UserContext,
        *,
        name: object,
        description: object = "",
        idempotency: IdempotentRequest | None = None,
    ) -> UserGroup:
        """With `idempotency` (API v2), the key's record commits with the new group."""
        _require_groups_admin(user, "create_user_group")
        group = UserGroup.create(tenant_id=user.tenant_id, name=name, description=description)
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            if await uow.groups.name_taken(group.name):
                raise DuplicateGroup(group.name)
            uow.groups.add(group)
            remember_answer(uow, user.user_id, idempotency, group)
            await uow.commit()
        return group

    async def delete_group(
        self,
        user: UserContext,
        group_id: UUID,
        *,
        expected_version: int | None = None,
        idempotency: IdempotentRequest | None = None,
    ) -> None:
        """Delete the group; every flag targeting it loses that target (recorded on each flag).

        With `expected_version`, a group changed since that version is left as it is (StaleVersion).
        With `idempotency`, the key (claimed before the version check) and its record commit with the deletion.
        """
        _require_groups_admin(user, "delete_user_group")
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            group = await _group(uow, group_id)
            if expected_version is not None and group.version != expected_version:
                raise StaleVersion("user group", group_id)
            for flag in await uow.flags.targeting(group_id):
                flag.set_targets(flag.target_group_ids - {group_id})
            group.mark_deleted()
            uow.groups.remove(group)
            remember_answer(uow, user.user_id, idempotency, group)
            await uow.commit()

    async def add_member(
        self, user: UserContext, group_id: UUID, member_id: UUID, idempotency: IdempotentRequest | None = None
    ) -> UserGroup:
        """With `idempotency` (API v2's optional key), the key's record commits with the membership."""
        _require_groups_admin(user, "add_user_to_group")
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            group = await _group(uow, group_id)
            if await uow.users.get(member_id) is None:
                raise UserNotFound(member_id)
            group.add_member(member_id)
            remember_answer(uow, user.user_id, idempotency, group)
            await uow.commit()
        return group

    async def remove_member(
        self, user: UserContext, group_id: UUID, member_id: UUID, idempotency: IdempotentRequest | None = None
    ) -> UserGroup:
        """With `idempotency` (API v2's optional key), the key's record commits with the removal."""
        _require_groups_admin(user, "remove_user_from_group")
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            group = await _group(uow, group_id)
            group.remove_member(member_id)
            remember_answer(uow, user.user_id, idempotency, group)
            await uow.commit()
        return group


async def _flag(uow: UnitOfWork, name: str) -> FeatureFlag:
    if not is_storable(name):  # no flag can have it: PostgreSQL would refuse the lookup itself
        raise FlagNotFound(storable(name))
    flag = await uow.flags.by_name(name)
    if flag is None:
        raise FlagNotFound(name)
    return flag


async def _group(uow: UnitOfWork, group_id: UUID) -> UserGroup:
    group = await uow.groups.get(group_id)
    if group is None:
        raise GroupNotFound(group_id)
    return group
