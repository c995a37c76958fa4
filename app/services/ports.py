"""The ports the services need: repositories, the unit of work, readers and other outside services.

Adapters implement them (Piccolo/PostgreSQL, Redis, SAQ); unit tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from app.domain.addresses import UnverifiedAddress, VerifiedAddress
from app.domain.carts import Cart
from app.domain.coupons import Coupon
from app.domain.flags import FeatureFlag, UserGroup
from app.domain.images import NormalisedImage
from app.domain.orders import Order
from app.domain.pagination import Count, Cursor, Page, PageRequest
from app.domain.products import Product
from app.domain.tenants import Tenant
from app.domain.users import User, UserContext
from app.services.idempotency import IdempotencyRecords
from app.services.read_models import (
    AuditEntry,
    AuditFilter,
    Browse,
    CatalogFilter,
    GroupView,
    LiveChange,
    ManagedUserView,
    OrderFilter,
    OrderView,
    ProductReportRow,
    ProductView,
    ReportFilter,
    SessionView,
    StoredObject,
)


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


class CatalogReader(Protocol):
    async def list_products(self, tenant_id: UUID, filters: CatalogFilter, page: PageRequest) -> Page[ProductView]: ...
    async def browse_products(
        self, tenant_id: UUID, filters: CatalogFilter, browse: Browse
    ) -> tuple[list[ProductView], Count | None]:
        """Up to `browse.limit` products after `browse.after` in `browse.sort` order, then by id in the same
        direction; with `browse.count_up_to`, how many match, reading no more than that + 1 rows."""
        ...

    async def get_product(self, tenant_id: UUID, product_id: UUID) -> ProductView | None: ...


class AuditReader(Protocol):
    async def list_entries(self, tenant_id: UUID, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]: ...
    async def browse_entries(
        self, tenant_id: UUID, filters: AuditFilter, after: Cursor | None, limit: int
    ) -> list[AuditEntry]:
        """Up to `limit` entries after `after`, newest first by (occurred_at, event_id)."""
        ...


class EventPublisher(Protocol):
    """Hands committed outbox rows to the job queue. Failures are tolerated: the sweeper retries.

    A unit of work given a publisher writes its outbox rows as published (the publisher runs right
    after the commit); a publisher that cannot hand them over marks them unpublished again.
    """

    async def publish(self, tenant_id: UUID, event_ids: Sequence[UUID]) -> None: ...


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


class SessionRevoker(Protocol):
    async def rotate_sessions_of(self, tenant_id: UUID, user_id: UUID) -> int:
        """Make every session of the user take a new id on its next request; returns how many."""
        ...


class TenantDirectory(Protocol):
    async def all_tenants(self) -> list[Tenant]:
        """Every tenant with its host names (a deployment has few: the resolver keeps them all)."""
        ...


class SessionDirectory(Protocol):
    """A user's own sessions: list them, end one or all the others (the account page)."""

    async def sessions_of(
        self, tenant_id: UUID, user_id: UUID, current_session_id: str | None
    ) -> list[SessionView]: ...

    async def end_session_of(self, tenant_id: UUID, user_id: UUID, ref: str, *, keep: str | None) -> bool:
        """End the user's session `ref` unless it is `keep`; False when the user has no such session."""
        ...

    async def end_other_sessions_of(self, tenant_id: UUID, user_id: UUID, *, keep: str | None) -> int: ...
