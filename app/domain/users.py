"""Users, roles and the capabilities derived from them; UserContext is who is asking."""

from __future__ import annotations

import enum
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from app.domain.aggregate import Aggregate
from app.domain.errors import Conflict, NotFound, ValidationError
from app.domain.events import UserRegistered, UserRoleChanged, utc_now
from app.domain.parsing import is_storable


class Role(enum.StrEnum):
    ADMIN = "admin"
    CUSTOMER = "customer"

    @classmethod
    def parse(cls, raw: object) -> Role:
        try:
            return cls(str(raw))
        except ValueError:
            raise ValidationError("role", "Role must be 'admin' or 'customer'") from None


class Capability(enum.StrEnum):
    PRODUCTS_VIEW = "products:view"
    PRODUCTS_CREATE = "products:create"
    PRODUCTS_DELETE = "products:delete"
    PRODUCTS_RESTORE = "products:restore"
    PRODUCTS_VIEW_DELETED = "products:view_deleted"
    PRODUCTS_REPORT = "products:report"
    CART_VIEW = "cart:view"
    CART_MODIFY = "cart:modify"
    CART_SUBMIT = "cart:submit"
    ORDERS_VIEW_OWN = "orders:view_own"
    ORDERS_VIEW_ALL = "orders:view_all"
    FEATURE_FLAGS_MANAGE = "feature_flags:manage"
    # Added beyond API v1's twelve (v1 serialisers list only those twelve):
    AUDIT_VIEW = "audit:view"
    COUPONS_MANAGE = "coupons:manage"
    USERS_MANAGE = "users:manage"


CUSTOMER_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.PRODUCTS_VIEW,
        Capability.CART_VIEW,
        Capability.CART_MODIFY,
        Capability.CART_SUBMIT,
        Capability.ORDERS_VIEW_OWN,
    }
)
ADMIN_CAPABILITIES: frozenset[Capability] = frozenset(Capability)
ANONYMOUS_CAPABILITIES: frozenset[Capability] = frozenset({Capability.PRODUCTS_VIEW})


def capabilities_for(role: Role | None) -> frozenset[Capability]:
    if role is Role.ADMIN:
        return ADMIN_CAPABILITIES
    if role is Role.CUSTOMER:
        return CUSTOMER_CAPABILITIES
    return ANONYMOUS_CAPABILITIES


@dataclass(frozen=True)
class UserContext:
    """Who is acting, as the services see it: no session, request or framework in sight."""

    user_id: UUID | None
    username: str
    role: Role | None
    tenant_id: UUID
    group_ids: frozenset[UUID] = field(default_factory=frozenset)

    @classmethod
    def anonymous(cls, tenant_id: UUID) -> UserContext:
        return cls(user_id=None, username="", role=None, tenant_id=tenant_id)

    @classmethod
    def system(cls, tenant_id: UUID) -> UserContext:
        """The actor of scheduled jobs (e.g. reservation expiry): admin rights, no user id."""
        return cls(user_id=None, username="system", role=Role.ADMIN, tenant_id=tenant_id)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def capabilities(self) -> frozenset[Capability]:
        return capabilities_for(self.role)

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


class UserNotFound(NotFound):
    code = "user_not_found"

    def __init__(self, user_id: UUID | str) -> None:
        super().__init__(f"User '{user_id}' not found")


class SessionNotFound(NotFound):
    """The user has no live session by that name (ended already, or someone else's)."""

    code = "session_not_found"

    def __init__(self) -> None:
        super().__init__("That session has already ended.")


class LastAdmin(Conflict):
    """Taking the admin role from the tenant's last active admin would leave nobody to administer the shop."""

    code = "last_admin"

    def __init__(self, username: str) -> None:
        super().__init__(f"{username} is the last admin: make another user an admin first")
        self.username = username


USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")
MIN_PASSWORD_LENGTH = 4


def validate_username(raw: object) -> str:
    username = raw.strip() if isinstance(raw, str) else ""
    if not username:
        raise ValidationError("username", "Username is required")
    if not USERNAME_PATTERN.match(username):
        raise ValidationError("username", "Use up to 150 letters, digits and @.+-_ only")
    return username


MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path, and app_user.email's width


def validate_email(raw: object) -> str:
    """Optional ('' when absent); what is given is kept as typed, trimmed, if the column can hold it."""
    email = raw.strip() if isinstance(raw, str) else ""
    if len(email) > MAX_EMAIL_LENGTH or not is_storable(email):
        raise ValidationError("email", f"Email must be at most {MAX_EMAIL_LENGTH} printable characters")
    return email


def validate_password(raw: object) -> str:
    if not isinstance(raw, str) or len(raw) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    return raw


@dataclass(kw_only=True)
class User(Aggregate):
    username: str
    password_hash: str
    role: Role
    email: str = ""
    is_active: bool = True
    created_at: datetime = field(default_factory=utc_now)

    @classmethod
    def register(cls, *, tenant_id: UUID, username: str, password_hash: str, role: Role, email: str = "") -> User:
        user = cls(
            id=uuid4(),
            tenant_id=tenant_id,
            username=validate_username(username),
            password_hash=password_hash,
            role=role,
            email=email,
        )
        user.record(UserRegistered(aggregate_id=user.id, username=user.username, role=user.role.value))
        return user

    def change_role(self, role: Role, *, admin_ids: Collection[UUID]) -> None:
        """`admin_ids` are the tenant's active admins, read under lock: a tenant always keeps one."""
        if role is self.role:
            return
        if self.role is Role.ADMIN and self.is_active and not set(admin_ids) - {self.id}:
            raise LastAdmin(self.username)
        old, self.role = self.role, role
        self.record(UserRoleChanged(aggregate_id=self.id, username=self.username, old_role=old, new_role=role))

    def context(self, group_ids: frozenset[UUID] = frozenset()) -> UserContext:
        return UserContext(
            user_id=self.id, username=self.username, role=self.role, tenant_id=self.tenant_id, group_ids=group_ids
        )
