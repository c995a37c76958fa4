"""API v2's wire types for the people admins manage: users and their roles, user groups, feature flags.

The conventions are wire.py's (snake_case, UUID ids, RFC 3339 UTC timestamps). A resource that has a
version carries it as its `ETag` header, not in its body.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal, Protocol
from uuid import UUID

import msgspec

from app.controllers.api.v2.wire import utc
from app.domain.flags import FeatureFlag
from app.domain.users import USERNAME_PATTERN


class _UserLike(Protocol):
    """The User aggregate (just created or changed) and ManagedUserView (read back) show the same."""

    @property
    def id(self) -> UUID: ...
    @property
    def username(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class _GroupLike(Protocol):
    """The UserGroup aggregate and GroupView show the same."""

    @property
    def id(self) -> UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def member_ids(self) -> Iterable[UUID]: ...


RoleName = Literal["admin", "customer"]


class ManagedUser(msgspec.Struct, frozen=True):
    """A shop account as an admin sees it. Its groups are the groups' business: `GET /api/v2/groups/{id}`."""

    id: UUID
    username: str
    email: str
    role: RoleName
    created_at: datetime


def managed_user(value: _UserLike) -> ManagedUser:
    role: RoleName = "admin" if str(value.role) == "admin" else "customer"
    return ManagedUser(
        id=value.id, username=value.username, email=value.email, role=role, created_at=utc(value.created_at)
    )


class ManagedUserPage(msgspec.Struct, frozen=True):
    """One page of users by username; `next_cursor` (also in `Link: rel="next"`) is null on the last."""

    items: list[ManagedUser]
    next_cursor: str | None


class NewUser(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(max_length=150, pattern=USERNAME_PATTERN.pattern)]
    """Up to 150 letters, digits and `@.+-_`; unique in the shop."""
    password: Annotated[str, msgspec.Meta(min_length=4, max_length=1024)]
    role: RoleName = "customer"
    email: Annotated[str, msgspec.Meta(max_length=254)] = ""


class UserChanges(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The role is the one thing an admin changes on an account (absent or null: unchanged)."""

    role: RoleName | None = None
    """The new rights apply from the user's next request; the shop's last admin stays one (409 last-admin)."""


class Group(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    description: str
    member_ids: list[UUID]


def group(value: _GroupLike) -> Group:
    return Group(id=value.id, name=value.name, description=value.description, member_ids=sorted(value.member_ids))


class GroupPage(msgspec.Struct, frozen=True):
    """One page of groups by name; `next_cursor` (also in `Link: rel="next"`) is null on the last."""

    items: list[Group]
    next_cursor: str | None


FlagOrGroupName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")]
"""Up to 100 letters, digits and `_ . : -` (no spaces)."""
Description = Annotated[str, msgspec.Meta(max_length=500)]


class NewGroup(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: FlagOrGroupName
    description: Description = ""


class Flag(msgspec.Struct, frozen=True):
    """On for everyone when enabled with no target groups; with some, only for members of any of them."""

    id: UUID
    name: str
    enabled: bool
    description: str
    target_group_ids: list[UUID]
    created_at: datetime
    updated_at: datetime


def flag(value: FeatureFlag) -> Flag:
    return Flag(
        id=value.id,
        name=value.name,
        enabled=value.enabled,
        description=value.description,
        target_group_ids=sorted(value.target_group_ids),
        created_at=utc(value.created_at),
        updated_at=utc(value.updated_at),
    )


class FlagPage(msgspec.Struct, frozen=True):
    """One page of flags by name; `next_cursor` (also in `Link: rel="next"`) is null on the last."""

    items: list[Flag]
    next_cursor: str | None


class NewFlag(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: FlagOrGroupName
    enabled: bool = False
    description: Description = ""


class FlagChanges(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A partial update: only the fields sent change (absent or null: unchanged)."""

    enabled: bool | None = None
    description: Description | None = None
    target_group_ids: Annotated[list[UUID], msgspec.Meta(max_length=100)] | None = None
    """Replaces the targets; `[]` targets everyone again. Each must name a group of the shop (404 group-not-found)."""
