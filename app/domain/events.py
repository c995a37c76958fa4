"""Domain events: facts recorded by aggregates as they change, past tense, immutable."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID, uuid4


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event. Subclasses add their payload fields.

    Who caused the event (actor, tenant, request id) is not the aggregate's business: the unit
    of work stamps it on when it writes the event to the audit log and the outbox.
    """

    aggregate_type: ClassVar[str]
    aggregate_id: UUID
    event_id: UUID = field(default_factory=uuid4)
    occurred_at: datetime = field(default_factory=utc_now)

    @property
    def event_type(self) -> str:
        return type(self).__name__

    def payload(self) -> dict[str, Any]:
        """The event's own fields as JSON-ready values."""
        skip = {"aggregate_id", "event_id", "occurred_at"}
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name not in skip}


def _jsonable(value: Any) -> Any:
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# --- Product ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProductEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "Product"


@dataclass(frozen=True, kw_only=True)
class ProductCreated(ProductEvent):
    name: str
    price: Decimal
    stock_quantity: int


@dataclass(frozen=True, kw_only=True)
class ProductUpdated(ProductEvent):
    changes: dict[str, Any]
    """Field name → {"from": old, "to": new}."""


@dataclass(frozen=True, kw_only=True)
class ProductImageUploaded(ProductEvent):
    """A new picture replaced the product's previous one (if any); the worker makes its thumbnails."""

    image_key: str
    width: int
    height: int
    replaced_key: str | None


@dataclass(frozen=True, kw_only=True)
class StockReserved(ProductEvent):
    quantity: int
    stock_left: int


@dataclass(frozen=True, kw_only=True)
class StockReleased(ProductEvent):
    quantity: int
    stock_left: int


@dataclass(frozen=True, kw_only=True)
class ProductDeleted(ProductEvent):
    name: str


@dataclass(frozen=True, kw_only=True)
class ProductRestored(ProductEvent):
    name: str


# --- User ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UserEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "User"


@dataclass(frozen=True, kw_only=True)
class UserRegistered(UserEvent):
    username: str
    role: str


@dataclass(frozen=True, kw_only=True)
class UserRoleChanged(UserEvent):
    username: str
    old_role: str
    new_role: str


# --- Cart ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CartEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "Cart"


@dataclass(frozen=True, kw_only=True)
class CartItemAdded(CartEvent):
    user_id: UUID
    product_id: UUID
    product_name: str
    unit_price: Decimal
    quantity: int
    line_quantity: int
    """The line's quantity after the addition (a merge adds to an existing line)."""


@dataclass(frozen=True, kw_only=True)
class CartItemQuantityUpdated(CartEvent):
    user_id: UUID
    product_id: UUID
    old_quantity: int
    new_quantity: int


@dataclass(frozen=True, kw_only=True)
class CartItemRemoved(CartEvent):
    user_id: UUID
    product_id: UUID
    quantity: int


@dataclass(frozen=True, kw_only=True)
class CartSubmitted(CartEvent):
    user_id: UUID
    order_id: UUID


@dataclass(frozen=True, kw_only=True)
class CartExpired(CartEvent):
    user_id: UUID
    released: dict[str, int]
    """Product id → quantity released back to stock."""
    idle_since: datetime


# --- Order and coupon --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OrderCreated(DomainEvent):
    aggregate_type: ClassVar[str] = "Order"
    user_id: UUID
    number: int
    item_count: int
    subtotal: Decimal
    discount: Decimal
    total: Decimal
    coupon_code: str | None


@dataclass(frozen=True, kw_only=True)
class CouponEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "Coupon"


@dataclass(frozen=True, kw_only=True)
class CouponCreated(CouponEvent):
    code: str
    discount_percent: Decimal
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class CouponApplied(CouponEvent):
    code: str
    order_id: UUID
    user_id: UUID
    discount: Decimal


# --- Groups and feature flags -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UserGroupEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "UserGroup"


@dataclass(frozen=True, kw_only=True)
class UserGroupCreated(UserGroupEvent):
    name: str
    description: str


@dataclass(frozen=True, kw_only=True)
class UserGroupDeleted(UserGroupEvent):
    name: str


@dataclass(frozen=True, kw_only=True)
class UserAddedToGroup(UserGroupEvent):
    user_id: UUID


@dataclass(frozen=True, kw_only=True)
class UserRemovedFromGroup(UserGroupEvent):
    user_id: UUID


@dataclass(frozen=True, kw_only=True)
class FeatureFlagEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "FeatureFlag"


@dataclass(frozen=True, kw_only=True)
class FeatureFlagCreated(FeatureFlagEvent):
    name: str
    enabled: bool
    description: str


@dataclass(frozen=True, kw_only=True)
class FeatureFlagUpdated(FeatureFlagEvent):
    name: str
    changes: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class FeatureFlagTargetsChanged(FeatureFlagEvent):
    name: str
    target_group_ids: list[str]


@dataclass(frozen=True, kw_only=True)
class FeatureFlagDeleted(FeatureFlagEvent):
    name: str
