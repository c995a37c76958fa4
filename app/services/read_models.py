"""Read models: what readers return and interfaces show (frozen dataclasses), and the shapes they share.

The ports (app/services/ports.py) return these; `ProductLike`, `LineLike` and `OrderLike` are what a page
or an API version reads of a product, a line or an order, whether an aggregate or a read model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from app.domain.addresses import VerifiedAddress
from app.domain.pagination import Cursor, Sort
from app.domain.users import UserContext


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    content_type: str
    stand_in: bool = False
    """A wider thumbnail answering for a width this picture has none of (made before that width existed)."""


@dataclass(frozen=True)
class CatalogFilter:
    search: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock_only: bool = False
    include_deleted: bool = False


@dataclass(frozen=True)
class ProductView:
    """A product as lists show it (read model)."""

    id: UUID
    name: str
    price: Decimal
    stock_quantity: int
    image_key: str | None
    created_at: datetime
    deleted_at: datetime | None
    version: int
    description: str = ""
    image_width: int | None = None
    image_height: int | None = None
    thumbnails_ready: bool = False
    """The worker has made the WebP thumbnails (`THUMBNAIL_WIDTHS`) of the current image."""


@dataclass(frozen=True)
class Browse:
    """Which keyset page the catalog reader reads: `limit` rows after `after` in `sort` order.

    `skip` is an OFFSET from there (old page-number links only); `count_up_to` asks for a count
    capped there (None: no count).
    """

    sort: Sort
    after: Cursor | None = None
    limit: int = 20
    skip: int = 0
    count_up_to: int | None = None


@dataclass(frozen=True)
class AuditFilter:
    aggregate_type: str = ""
    aggregate_id: UUID | None = None
    actor_id: UUID | None = None
    event_type: str = ""
    request_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    event_id: UUID
    event_type: str
    aggregate_type: str
    aggregate_id: UUID
    actor_id: UUID | None
    actor_name: str
    request_id: str | None
    occurred_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class StockChange:
    """A product's new stock figure, for the pages open on it (live updates)."""

    tenant_id: UUID
    product_id: UUID
    stock: int
    at: float
    """When the change happened (Unix seconds): a late, older message must not overwrite a newer figure."""


@dataclass(frozen=True)
class CartExpiry:
    """A shopper's cart emptied by the reservation-expiry job, for that shopper's open pages only."""

    tenant_id: UUID
    user_id: UUID
    at: float


LiveChange = StockChange | CartExpiry
"""What travels on a shop's live-update channel."""


@dataclass(frozen=True)
class ReportFilter:
    search: str = ""
    include_deleted: bool = False
    low_stock_threshold: int | None = None
    has_sales: bool | None = None
    has_reservations: bool | None = None


@dataclass(frozen=True)
class ProductReportRow:
    product_id: UUID
    name: str
    price: Decimal
    stock_quantity: int
    is_deleted: bool
    total_sold: int
    currently_reserved: int


@dataclass(frozen=True)
class OrderLineView:
    id: UUID
    product_id: UUID
    product_name: str
    unit_price: Decimal
    quantity: int

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.quantity


class ProductLike(Protocol):
    """What every interface shows of a product: the Product aggregate (just changed) and ProductView both have it."""

    @property
    def id(self) -> UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def stock_quantity(self) -> int: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def description(self) -> str: ...
    @property
    def image_key(self) -> str | None: ...
    @property
    def image_width(self) -> int | None: ...
    @property
    def image_height(self) -> int | None: ...
    @property
    def thumbnails_ready(self) -> bool: ...


class LineLike(Protocol):
    """A cart's or an order's line as shown: CartItem, OrderItem and OrderLineView all have it."""

    @property
    def id(self) -> UUID: ...
    @property
    def product_id(self) -> UUID: ...
    @property
    def product_name(self) -> str: ...
    @property
    def unit_price(self) -> Decimal: ...
    @property
    def quantity(self) -> int: ...
    @property
    def subtotal(self) -> Decimal: ...


class OrderLike(Protocol):
    """What every interface shows of an order: the Order aggregate (just placed) and OrderView both have it."""

    @property
    def id(self) -> UUID: ...
    @property
    def number(self) -> int: ...
    @property
    def user_id(self) -> UUID: ...
    @property
    def items(self) -> Sequence[LineLike]: ...
    @property
    def shipping_address(self) -> VerifiedAddress: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def coupon_id(self) -> UUID | None: ...
    @property
    def coupon_code(self) -> str | None: ...
    @property
    def discount(self) -> Decimal: ...
    @property
    def subtotal(self) -> Decimal: ...
    @property
    def total(self) -> Decimal: ...


@dataclass(frozen=True)
class OrderView:
    """An order as history and confirmation pages show it (read model)."""

    id: UUID
    number: int
    user_id: UUID
    username: str
    items: tuple[OrderLineView, ...]
    shipping_address: VerifiedAddress
    subtotal: Decimal
    coupon_id: UUID | None
    coupon_code: str | None
    discount: Decimal
    total: Decimal
    submitted_at: datetime


@dataclass(frozen=True)
class OrderFilter:
    """One customer's orders (or everyone's), placed from one UTC day to another, both days included."""

    customer_id: UUID | None = None
    placed_from: date | None = None
    placed_to: date | None = None


@dataclass(frozen=True)
class ManagedUserView:
    id: UUID
    username: str
    email: str
    role: str
    group_ids: tuple[UUID, ...]
    group_names: tuple[str, ...]
    created_at: datetime
    version: int


@dataclass(frozen=True)
class GroupView:
    id: UUID
    name: str
    description: str
    member_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class StoredSession:
    """A session as its store found it (the web layer's SessionStore port returns it)."""

    data: dict[str, Any]
    must_rotate: bool = False
    """The user's role changed since this session began: it must take a new id now."""
    user: UserContext | None = None
    """The session's active user, when `user_read` (a store that reads it in the same statement)."""
    user_read: bool = False
    enabled_flags: frozenset[str] | None = None
    """The feature flags on for that user (or for anyone, without one), when the store read them too."""


@dataclass(frozen=True)
class SessionView:
    """One of a user's live sessions, as their account page lists it."""

    ref: str
    """Names the session in a request to end it (the row id: the token's hash, which opens nothing)."""
    created_at: datetime
    last_seen_at: datetime
    user_agent: str
    """The browser that began the session, as it announced itself ('' when unknown)."""
    is_current: bool
    """The session of the request that asks."""
