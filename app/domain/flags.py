"""Feature flags and the user groups they target.

The rule (domain.md): an unknown or disabled flag is off; an enabled flag with no target groups is
on for everyone; an enabled flag with target groups is on only for users in ANY of them (anonymous
visitors are in no group). Evaluation errors mean off (fail safe) — see app.services.flags.
Groups are for targeting features, never for permissions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from app.domain.aggregate import Aggregate
from app.domain.errors import Conflict, NotFound, ValidationError
from app.domain.events import (
    FeatureFlagCreated,
    FeatureFlagDeleted,
    FeatureFlagTargetsChanged,
    FeatureFlagUpdated,
    UserAddedToGroup,
    UserGroupCreated,
    UserGroupDeleted,
    UserRemovedFromGroup,
    utc_now,
)
from app.domain.parsing import is_storable

INCIDENT_EMAIL_NOTIFICATIONS = "incident_email_notifications"
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


class FlagNotFound(NotFound):
    code = "flag_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"Flag '{name}' not found")


class DuplicateFlag(Conflict):
    code = "duplicate_flag"

    def __init__(self, name: str) -> None:
        super().__init__(f"Flag '{name}' already exists")


class GroupNotFound(NotFound):
    code = "group_not_found"

    def __init__(self, group_id: UUID | str) -> None:
        super().__init__(f"Group '{group_id}' not found")


class DuplicateGroup(Conflict):
    code = "duplicate_group"

    def __init__(self, name: str) -> None:
        super().__init__(f"Group '{name}' already exists")


def _name(raw: object, what: str) -> str:
    name = raw.strip() if isinstance(raw, str) else ""
    if not name:
        raise ValidationError("name", f"{what} name is required")
    if not _NAME.match(name):
        raise ValidationError("name", "Use up to 100 letters, digits and _ . : - (no spaces)")
    return name


def _description(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or not is_storable(raw):
        raise ValidationError("description", "Description must be text")
    if len(raw) > 500:
        raise ValidationError("description", "Description must be at most 500 characters")
    return raw.strip()


@dataclass(kw_only=True)
class UserGroup(Aggregate):
    name: str
    description: str = ""
    member_ids: set[UUID] = field(default_factory=set)
    created_at: datetime = field(default_factory=utc_now)

    @classmethod
    def create(cls, *, tenant_id: UUID, name: object, description: object = "") -> UserGroup:
        group = cls(id=uuid4(), tenant_id=tenant_id, name=_name(name, "Group"), description=_description(description))
        group.record(UserGroupCreated(aggregate_id=group.id, name=group.name, description=group.description))
        return group

    def add_member(self, user_id: UUID) -> None:
        if user_id not in self.member_ids:
            self.member_ids.add(user_id)
            self.record(UserAddedToGroup(aggregate_id=self.id, user_id=user_id))

    def remove_member(self, user_id: UUID) -> None:
        if user_id in self.member_ids:
            self.member_ids.discard(user_id)
            self.record(UserRemovedFromGroup(aggregate_id=self.id, user_id=user_id))

    def mark_deleted(self) -> None:
        self.record(UserGroupDeleted(aggregate_id=self.id, name=self.name))


@dataclass(kw_only=True)
class FeatureFlag(Aggregate):
    name: str
    enabled: bool = False
    description: str = ""
    target_group_ids: set[UUID] = field(default_factory=set)
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    @classmethod
    def create(cls, *, tenant_id: UUID, name: object, enabled: object = False, description: object = "") -> FeatureFlag:
        if not isinstance(enabled, bool):
            raise ValidationError("enabled", "enabled must be true or false")
        flag = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            name=_name(name, "Flag"),
            enabled=enabled,
            description=_description(description),
        )
        flag.record(
            FeatureFlagCreated(aggregate_id=flag.id, name=flag.name, enabled=flag.enabled, description=flag.description)
        )
        return flag

    def update(self, *, enabled: object = None, description: object = None, now: datetime | None = None) -> None:
        changes: dict[str, Any] = {}
        if enabled is not None:
            if not isinstance(enabled, bool):
                raise ValidationError("enabled", "enabled must be true or false")
            if enabled != self.enabled:
                changes["enabled"] = {"from": self.enabled, "to": enabled}
                self.enabled = enabled
        if description is not None:
            text = _description(description)
            if text != self.description:
                changes["description"] = {"from": self.description, "to": text}
                self.description = text
        self.updated_at = now or utc_now()
        if changes:
            self.record(FeatureFlagUpdated(aggregate_id=self.id, name=self.name, changes=changes))

    def set_targets(self, group_ids: set[UUID]) -> None:
        if group_ids != self.target_group_ids:
            self.target_group_ids = set(group_ids)
            self.record(
                FeatureFlagTargetsChanged(
                    aggregate_id=self.id, name=self.name, target_group_ids=sorted(str(g) for g in group_ids)
                )
            )

    def mark_deleted(self) -> None:
        self.record(FeatureFlagDeleted(aggregate_id=self.id, name=self.name))
