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
    event_type: ClassVar[str]
    """The event's name in the audit log and the outbox, pinned in the class statement
    (`class StockReserved(ProductEvent, event_type="StockReserved")`) and never derived from the class
    name: the audit log is the event store (ADR 0002), so renaming a class must not fork its history."""
    aggregate_id: UUID
    event_id: UUID = field(default_factory=uuid4)
    occurred_at: datetime = field(default_factory=utc_now)

    def __init_subclass__(cls, *, event_type: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if event_type is not None:
            cls.event_type = event_type

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
class ProductCreated(ProductEvent, event_type="ProductCreated"):
    name: str
    price: Decimal
    stock_quantity: int


@dataclass(frozen=True, kw_only=True)
class ProductUpdated(ProductEvent, event_type="ProductUpdated"):
    changes: dict[str, Any]
    """Field name → {"from": old, "to": new}."""


@dataclass(frozen=True, kw_only=True)
class ProductImageUploaded(ProductEvent, event_type="ProductImageUploaded"):
    """A new picture replaced the product's previous one (if any); the worker makes its thumbnails."""

    image_key: str
    width: int
    height: int
    replaced_key: str | None


@dataclass(frozen=True, kw_only=True)
class StockReserved(ProductEvent, event_type="StockReserved"):
    quantity: int
    stock_left: int


@dataclass(frozen=True, kw_only=True)
class StockReleased(ProductEvent, event_type="StockReleased"):
    quantity: int
    stock_left: int


@dataclass(frozen=True, kw_only=True)
class ProductDeleted(ProductEvent, event_type="ProductDeleted"):
    name: str


@dataclass(frozen=True, kw_only=True)
class ProductRestored(ProductEvent, event_type="ProductRestored"):
    name: str


# --- User ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UserEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "User"


@dataclass(frozen=True, kw_only=True)
class UserRegistered(UserEvent, event_type="UserRegistered"):
    username: str
    role: str


@dataclass(frozen=True, kw_only=True)
class UserRoleChanged(UserEvent, event_type="UserRoleChanged"):
    username: str
    old_role: str
    new_role: str


# --- Cart ------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CartEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "Cart"


@dataclass(frozen=True, kw_only=True)
class CartItemAdded(CartEvent, event_type="CartItemAdded"):
    user_id: UUID
    product_id: UUID
    product_name: str
    unit_price: Decimal
    quantity: int
    line_quantity: int
    """The line's quantity after the addition (a merge adds to an existing line)."""


@dataclass(frozen=True, kw_only=True)
class CartItemQuantityUpdated(CartEvent, event_type="CartItemQuantityUpdated"):
    user_id: UUID
    product_id: UUID
    old_quantity: int
    new_quantity: int


@dataclass(frozen=True, kw_only=True)
class CartItemRemoved(CartEvent, event_type="CartItemRemoved"):
    user_id: UUID
    product_id: UUID
    quantity: int


@dataclass(frozen=True, kw_only=True)
class CartSubmitted(CartEvent, event_type="CartSubmitted"):
    user_id: UUID
    order_id: UUID


@dataclass(frozen=True, kw_only=True)
class CartExpired(CartEvent, event_type="CartExpired"):
    user_id: UUID
    released: dict[str, int]
    """Product id → quantity released back to stock."""
    idle_since: datetime


# --- Order and coupon --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OrderCreated(DomainEvent, event_type="OrderCreated"):
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
class CouponCreated(CouponEvent, event_type="CouponCreated"):
    code: str
    discount_percent: Decimal
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class CouponApplied(CouponEvent, event_type="CouponApplied"):
    code: str
    order_id: UUID
    user_id: UUID
    discount: Decimal


# --- Groups and feature flags -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UserGroupEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "UserGroup"


@dataclass(frozen=True, kw_only=True)
class UserGroupCreated(UserGroupEvent, event_type="UserGroupCreated"):
    name: str
    description: str


@dataclass(frozen=True, kw_only=True)
class UserGroupDeleted(UserGroupEvent, event_type="UserGroupDeleted"):
    name: str


@dataclass(frozen=True, kw_only=True)
class UserAddedToGroup(UserGroupEvent, event_type="UserAddedToGroup"):
    user_id: UUID


@dataclass(frozen=True, kw_only=True)
class UserRemovedFromGroup(UserGroupEvent, event_type="UserRemovedFromGroup"):
    user_id: UUID


@dataclass(frozen=True, kw_only=True)
class FeatureFlagEvent(DomainEvent):
    aggregate_type: ClassVar[str] = "FeatureFlag"


@dataclass(frozen=True, kw_only=True)
class FeatureFlagCreated(FeatureFlagEvent, event_type="FeatureFlagCreated"):
    name: str
    enabled: bool
    description: str


@dataclass(frozen=True, kw_only=True)
class FeatureFlagUpdated(FeatureFlagEvent, event_type="FeatureFlagUpdated"):
    name: str
    changes: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class FeatureFlagTargetsChanged(FeatureFlagEvent, event_type="FeatureFlagTargetsChanged"):
    name: str
    target_group_ids: list[str]


@dataclass(frozen=True, kw_only=True)
class FeatureFlagDeleted(FeatureFlagEvent, event_type="FeatureFlagDeleted"):
    name: str


def event_classes() -> tuple[type[DomainEvent], ...]:
    """Every concrete event class (each pins its `event_type`), in the order their names sort."""
    found: list[type[DomainEvent]] = []
    pending = list(DomainEvent.__subclasses__())
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if "event_type" in vars(kind):
            found.append(kind)
    return tuple(sorted(found, key=lambda kind: kind.event_type))
