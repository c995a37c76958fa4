"""The ports the services need: repositories, the unit of work, readers and other outside services.

Adapters implement them (Piccolo/PostgreSQL, Redis, SAQ); unit tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from app.domain.addresses import UnverifiedAddress, VerifiedAddress
from app.domain.carts import Cart
from app.domain.coupons import Coupon
from app.domain.flags import FeatureFlag, UserGroup
from app.domain.images import NormalisedImage
from app.domain.orders import Order
from app.domain.pagination import Count, Cursor, Page, PageRequest, Sort
from app.domain.products import Product
from app.domain.tenants import Tenant
from app.domain.users import User, UserContext
from app.services.idempotency import IdempotencyRecords


class ProductRepository(Protocol):
    async def get(self, product_id: UUID) -> Product | None: ...
    async def get_many_for_stock_change(self, product_ids: Sequence[UUID], *, lock_rows: bool) -> dict[UUID, Product]:
        """The products whose stock an operation moves, read in id order (the one lock order).

        `lock_rows` (pessimistic) locks their rows until the unit of work ends; without it (optimistic)
        they are read plainly and saving one whose version moved meanwhile raises StaleVersion.
        """
        ...

    async def get_for_update(self, product_id: UUID) -> Product | None:
        """Load the product and lock its row until the unit of work ends (pessimistic locking)."""
        ...

    async def live_name_taken(self, name: str, *, excluding: UUID | None = None) -> bool: ...
    def add(self, product: Product) -> None: ...


class UserRepository(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...
    async def get_by_username(self, username: str) -> User | None: ...
    async def admins_for_update(self) -> list[User]:
        """The tenant's active admins, their rows locked in id order until the unit of work ends."""
        ...

    def add(self, user: User) -> None: ...


class CartRepository(Protocol):
    async def for_user(self, user_id: UUID, *, lock: bool = True) -> Cart:
        """The user's cart, created on first access; its row stays locked until the unit of work
        ends (unless `lock=False`), so one user's cart operations run one at a time."""
        ...

    async def get_for_update(self, cart_id: UUID) -> Cart | None: ...
    async def stale_cart_ids(self, idle_before: datetime, limit: int) -> list[UUID]:
        """Carts holding reservations with no activity since `idle_before` (not locked by anyone else)."""
        ...

    async def stale_cart_ids_holding(self, product_id: UUID, idle_before: datetime) -> list[UUID]: ...
    async def product_in_any_cart(self, product_id: UUID) -> bool: ...
    def add(self, cart: Cart) -> None: ...


class OrderRepository(Protocol):
    async def next_number(self) -> int: ...
    async def user_has_used_coupon(self, user_id: UUID, coupon_id: UUID) -> bool: ...
    def add(self, order: Order) -> None: ...


class CouponRepository(Protocol):
    async def by_code(self, code: str) -> Coupon | None: ...
    async def code_taken(self, code: str) -> bool: ...
    def add(self, coupon: Coupon) -> None: ...


class GroupRepository(Protocol):
    async def get(self, group_id: UUID) -> UserGroup | None: ...
    async def name_taken(self, name: str) -> bool: ...
    async def ids_of_user(self, user_id: UUID) -> frozenset[UUID]: ...
    def add(self, group: UserGroup) -> None: ...
    def remove(self, group: UserGroup) -> None: ...


class FlagRepository(Protocol):
    async def by_name(self, name: str) -> FeatureFlag | None: ...
    async def targeting(self, group_id: UUID) -> list[FeatureFlag]: ...
    async def name_taken(self, name: str) -> bool: ...
    def add(self, flag: FeatureFlag) -> None: ...
    def remove(self, flag: FeatureFlag) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the block without `commit()` rolls everything back.

    On commit, the events recorded by every aggregate the repositories handed out are written to
    the audit log and the outbox in the same transaction, then published after it.
    """

    @property
    def products(self) -> ProductRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def carts(self) -> CartRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def coupons(self) -> CouponRepository: ...
    @property
    def groups(self) -> GroupRepository: ...
    @property
    def flags(self) -> FlagRepository: ...
    @property
    def idempotency(self) -> IdempotencyRecords: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, actor: UserContext) -> UnitOfWork: ...


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    content_type: str
    stand_in: bool = False
    """A wider thumbnail answering for a width this picture has none of (made before that width existed)."""


class ObjectStorage(Protocol):
    """Bytes by key (uploaded images and their thumbnails): a local directory or an S3-compatible bucket.

    Keys are made by the shop (never a visitor's file name): `<tenant id>/<uuid>[-w<width>].<ext>`.
    """

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def get(self, key: str) -> StoredObject | None: ...
    async def delete(self, key: str) -> None:
        """Remove the object; removing one that is not there is no error."""
        ...


class ImageCodec(Protocol):
    """Decodes uploads and draws thumbnails (CPU work: implementations run it off the event loop)."""

    async def normalise(self, data: bytes) -> NormalisedImage:
        """The upload re-encoded without metadata if it decodes as JPEG, PNG or WebP within the pixel limit;
        raises ImageRefused otherwise."""
        ...

    async def thumbnail(self, data: bytes, width: int, extension: str = "webp") -> bytes:
        """The (already normalised) image scaled to `width` pixels wide, as a WebP or (`"avif"`) an AVIF."""
        ...


class PasswordHasher(Protocol):
    unknown_user_hash: str
    """Checked against when the user is unknown, so both failures cost one verification."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


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


class CatalogReader(Protocol):
    async def list_products(self, tenant_id: UUID, filters: CatalogFilter, page: PageRequest) -> Page[ProductView]: ...
    async def browse_products(
        self, tenant_id: UUID, filters: CatalogFilter, browse: Browse
    ) -> tuple[list[ProductView], Count | None]:
        """Up to `browse.limit` products after `browse.after` in `browse.sort` order, then by id in the same
        direction; with `browse.count_up_to`, how many match, reading no more than that + 1 rows."""
        ...

    async def get_product(self, tenant_id: UUID, product_id: UUID) -> ProductView | None: ...


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


class AuditReader(Protocol):
    async def list_entries(self, tenant_id: UUID, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]: ...
    async def browse_entries(
        self, tenant_id: UUID, filters: AuditFilter, after: Cursor | None, limit: int
    ) -> list[AuditEntry]:
        """Up to `limit` entries after `after`, newest first by (occurred_at, event_id)."""
        ...


class EventPublisher(Protocol):
    """Hands committed outbox rows to the job queue. Failures are tolerated: the sweeper retries."""

    async def publish(self, tenant_id: UUID, event_ids: Sequence[UUID]) -> None: ...


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


class LiveUpdatesUnavailable(Exception):
    """The live-update channel (Redis pub/sub) cannot be reached: pages work, they just stop updating."""


class StockChangePublisher(Protocol):
    """Sends a stock figure (or a cart's expiry) to every web process. Best-effort: returns False
    (logged, counted) on failure."""

    async def publish(self, change: LiveChange) -> bool: ...


class StockChanges(Protocol):
    """An open subscription to every shop's stock changes; iteration ends or raises when the channel is lost."""

    def __aiter__(self) -> AsyncIterator[LiveChange]: ...

    async def aclose(self) -> None: ...


class StockChangeSource(Protocol):
    async def open(self) -> StockChanges:
        """Subscribed once this returns; raises LiveUpdatesUnavailable when it cannot be."""
        ...


class CouponReader(Protocol):
    async def list_coupons(self, tenant_id: UUID) -> list[Coupon]: ...
    async def browse_coupons(self, tenant_id: UUID, after: Cursor | None, limit: int) -> list[Coupon]:
        """Up to `limit` coupons after `after`, newest first (ties by id, descending)."""
        ...

    async def get_coupon(self, tenant_id: UUID, coupon_id: UUID) -> Coupon | None: ...


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


class ProductReportReader(Protocol):
    async def report(self, tenant_id: UUID, filters: ReportFilter, page: PageRequest) -> Page[ProductReportRow]: ...
    async def browse(
        self, tenant_id: UUID, filters: ReportFilter, after: Cursor | None, limit: int
    ) -> list[ProductReportRow]:
        """Up to `limit` rows after `after`, by name (bytewise, as the report pages sort it), then product id."""
        ...


class AddressVerifier(Protocol):
    async def verify(self, address: UnverifiedAddress) -> VerifiedAddress:
        """The standardised address, or AddressVerificationFailed (also when the service is down)."""
        ...


class OperationTimer(Protocol):
    """Records how long a cross-aggregate operation took (exported as a histogram per operation)."""

    def observe(self, operation: str, seconds: float, outcome: str) -> None: ...


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


class OrderReader(Protocol):
    async def list_orders(self, tenant_id: UUID, user_id: UUID | None) -> list[OrderView]:
        """Newest first; all users' orders when `user_id` is None."""
        ...

    async def find_orders(self, tenant_id: UUID, filters: OrderFilter, page: PageRequest) -> Page[OrderView]:
        """The page asked for of the orders that match, newest first."""
        ...

    async def browse_orders(
        self, tenant_id: UUID, user_id: UUID | None, after: Cursor | None, limit: int
    ) -> list[OrderView]:
        """Up to `limit` orders after `after`, newest first (ties: by id); everyone's when `user_id` is None."""
        ...

    async def get_order(self, tenant_id: UUID, order_id: UUID) -> OrderView | None: ...


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


class DirectoryReader(Protocol):
    """Users, groups and flags as the admin pages list them."""

    async def list_users(self, tenant_id: UUID) -> list[ManagedUserView]: ...
    async def browse_users(
        self, tenant_id: UUID, search: str, after: Cursor | None, limit: int
    ) -> list[ManagedUserView]:
        """Up to `limit` users after `after` by username (bytewise), whose username or email contains `search`."""
        ...

    async def get_user(self, tenant_id: UUID, user_id: UUID) -> ManagedUserView | None: ...
    async def list_groups(self, tenant_id: UUID) -> list[GroupView]: ...
    async def browse_groups(self, tenant_id: UUID, after: Cursor | None, limit: int) -> list[GroupView]:
        """Up to `limit` groups after `after` by name (bytewise)."""
        ...

    async def list_flags(self, tenant_id: UUID) -> list[FeatureFlag]: ...
    async def browse_flags(self, tenant_id: UUID, after: Cursor | None, limit: int) -> list[FeatureFlag]:
        """Up to `limit` flags after `after` by name (bytewise)."""
        ...

    async def enabled_flag_names(self, tenant_id: UUID, group_ids: frozenset[UUID]) -> list[str]:
        """Names of the flags on for a user in `group_ids` (domain.md's rule, in SQL), sorted."""
        ...


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


class SessionRevoker(Protocol):
    async def rotate_sessions_of(self, tenant_id: UUID, user_id: UUID) -> int:
        """Make every session of the user take a new id on its next request; returns how many."""
        ...


class TenantDirectory(Protocol):
    async def all_tenants(self) -> list[Tenant]:
        """Every tenant with its host names (a deployment has few: the resolver keeps them all)."""
        ...


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


class SessionDirectory(Protocol):
    """A user's own sessions: list them, end one or all the others (the account page)."""

    async def sessions_of(
        self, tenant_id: UUID, user_id: UUID, current_session_id: str | None
    ) -> list[SessionView]: ...

    async def end_session_of(self, tenant_id: UUID, user_id: UUID, ref: str, *, keep: str | None) -> bool:
        """End the user's session `ref` unless it is `keep`; False when the user has no such session."""
        ...

    async def end_other_sessions_of(self, tenant_id: UUID, user_id: UUID, *, keep: str | None) -> int: ...
