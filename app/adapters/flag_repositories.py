"""Repositories of user groups (with their members) and feature flags (with their target groups)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from app.adapters.repositories import TrackedRepository, update_versioned
from app.domain.flags import FeatureFlag, UserGroup
from app.tables import tables as t


class _Deleting(TrackedRepository):
    def __init__(self, tenant_id: UUID) -> None:
        super().__init__()
        self._tenant_id = tenant_id
        self.removed: set[UUID] = set()

    def remove(self, aggregate: Any) -> None:
        self.removed.add(aggregate.id)

    def changed(self) -> list[Any]:
        return [*super().changed(), *(self.seen[i] for i in self.removed if i in self.seen)]


class PiccoloGroupRepository(_Deleting):
    async def get(self, group_id: UUID) -> UserGroup | None:
        rows = await t.UserGroup.raw(
            "SELECT g.*, coalesce(array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL), ARRAY[]::uuid[]) "
            "AS member_ids "
            "FROM user_group g LEFT JOIN user_group_member m ON m.group_id = g.id "
            "WHERE g.tenant_id = {} AND g.id = {} GROUP BY g.id",
            self._tenant_id,
            group_id,
        )
        if not rows:
            return None
        if rows[0]["id"] in self.seen:
            return self.seen[rows[0]["id"]]  # type: ignore[return-value]
        row = rows[0]
        return self._track(  # type: ignore[no-any-return]
            UserGroup(
                id=row["id"],
                tenant_id=row["tenant_id"],
                version=row["version"],
                name=row["name"],
                description=row["description"],
                member_ids=set(row["member_ids"]),
                created_at=row["created_at"],
            )
        )

    async def name_taken(self, name: str) -> bool:
        return bool(
            await t.UserGroup.exists().where((t.UserGroup.tenant_id == self._tenant_id) & (t.UserGroup.name == name))
        )

    async def ids_of_user(self, user_id: UUID) -> frozenset[UUID]:
        rows = await t.UserGroupMember.raw(
            "SELECT group_id FROM user_group_member WHERE tenant_id = {} AND user_id = {}", self._tenant_id, user_id
        )
        return frozenset(row["group_id"] for row in rows)

    def add(self, group: UserGroup) -> None:
        self.new[group.id] = self._track(group)

    async def save(self, group: UserGroup) -> None:
        if group.id in self.removed:
            await t.UserGroup.delete().where(t.UserGroup.id == group.id)  # members and flag targets cascade
            return
        before: set[UUID] = set(self.snapshot_of(group).get("member_ids", set()))
        if group.id in self.new:
            await t.UserGroup.raw(
                "INSERT INTO user_group (id, tenant_id, name, description, created_at, version) "
                "VALUES ({}, {}, {}, {}, {}, {})",
                group.id,
                group.tenant_id,
                group.name,
                group.description,
                group.created_at,
                group.version,
            )
        else:
            await update_versioned(t.UserGroup, group, {t.UserGroup.description: group.description}, "group")
        for user_id in group.member_ids - before:
            await t.UserGroupMember.raw(
                "INSERT INTO user_group_member (group_id, user_id, tenant_id) VALUES ({}, {}, {}) "
                "ON CONFLICT DO NOTHING",
                group.id,
                user_id,
                group.tenant_id,
            )
        for user_id in before - group.member_ids:
            await t.UserGroupMember.raw(
                "DELETE FROM user_group_member WHERE group_id = {} AND user_id = {}", group.id, user_id
            )


class PiccoloFlagRepository(_Deleting):
    _SELECT = (
        "SELECT f.*, coalesce(array_agg(x.group_id) FILTER (WHERE x.group_id IS NOT NULL), ARRAY[]::uuid[]) "
        "AS target_group_ids "
        "FROM feature_flag f LEFT JOIN feature_flag_target x ON x.flag_id = f.id "
    )

    async def by_name(self, name: str) -> FeatureFlag | None:
        rows = await t.FeatureFlag.raw(
            self._SELECT + "WHERE f.tenant_id = {} AND f.name = {} GROUP BY f.id", self._tenant_id, name
        )
        return self._flag(rows[0]) if rows else None

    async def targeting(self, group_id: UUID) -> list[FeatureFlag]:
        rows = await t.FeatureFlag.raw(
            self._SELECT + "WHERE f.tenant_id = {} AND f.id IN (SELECT flag_id FROM feature_flag_target "
            "WHERE group_id = {}) GROUP BY f.id",
            self._tenant_id,
            group_id,
        )
        return [self._flag(row) for row in rows]

    def _flag(self, row: dict[str, Any]) -> FeatureFlag:
        if row["id"] in self.seen:
            return self.seen[row["id"]]  # type: ignore[return-value]
        return self._track(  # type: ignore[no-any-return]
            FeatureFlag(
                id=row["id"],
                tenant_id=row["tenant_id"],
                version=row["version"],
                name=row["name"],
                enabled=row["enabled"],
                description=row["description"],
                target_group_ids=set(row["target_group_ids"]),
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
        )

    async def name_taken(self, name: str) -> bool:
        return bool(
            await t.FeatureFlag.exists().where(
                (t.FeatureFlag.tenant_id == self._tenant_id) & (t.FeatureFlag.name == name)
            )
        )

    def add(self, flag: FeatureFlag) -> None:
        self.new[flag.id] = self._track(flag)

    async def save(self, flag: FeatureFlag) -> None:
        if flag.id in self.removed:
            await t.FeatureFlag.delete().where(t.FeatureFlag.id == flag.id)
            return
        before: set[UUID] = set(self.snapshot_of(flag).get("target_group_ids", set()))
        if flag.id in self.new:
            await t.FeatureFlag.raw(
                "INSERT INTO feature_flag (id, tenant_id, name, enabled, description, created_at, updated_at, version) "
                "VALUES ({}, {}, {}, {}, {}, {}, {}, {})",
                flag.id,
                flag.tenant_id,
                flag.name,
                flag.enabled,
                flag.description,
                flag.created_at,
                flag.updated_at,
                flag.version,
            )
        else:
            await update_versioned(
                t.FeatureFlag,
                flag,
                {
                    t.FeatureFlag.enabled: flag.enabled,
                    t.FeatureFlag.description: flag.description,
                    t.FeatureFlag.updated_at: flag.updated_at,
                },
                "feature flag",
            )
        for group_id in flag.target_group_ids - before:
            await t.FeatureFlagTarget.raw(
                "INSERT INTO feature_flag_target (flag_id, group_id, tenant_id) VALUES ({}, {}, {}) "
                "ON CONFLICT DO NOTHING",
                flag.id,
                group_id,
                flag.tenant_id,
            )
        for group_id in before - flag.target_group_ids:
            await t.FeatureFlagTarget.raw(
                "DELETE FROM feature_flag_target WHERE flag_id = {} AND group_id = {}", flag.id, group_id
            )
