"""The ports the services need: repositories, the unit of work, readers and other outside services.

Adapters implement them (Piccolo/PostgreSQL, Redis, SAQ); unit tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self
from uuid import UUID

from app.domain.pagination import Page, PageRequest
from app.domain.products import Product
from app.domain.users import User, UserContext


class ProductRepository(Protocol):
    async def get(self, product_id: UUID) -> Product | None: ...
    async def get_for_update(self, product_id: UUID) -> Product | None:
        """Load the product and lock its row until the unit of work ends (pessimistic locking)."""
        ...

    async def live_name_taken(self, name: str, *, excluding: UUID | None = None) -> bool: ...
    def add(self, product: Product) -> None: ...


class UserRepository(Protocol):
    async def get(self, user_id: UUID) -> User | None: ...
    async def get_by_username(self, username: str) -> User | None: ...
    def add(self, user: User) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the block without `commit()` rolls everything back.

    On commit, the events recorded by every aggregate the repositories handed out are written to
    the audit log and the outbox in the same transaction, then published after it.
    """

    @property
    def products(self) -> ProductRepository: ...
    @property
    def users(self) -> UserRepository: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, actor: UserContext) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...
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


class CatalogReader(Protocol):
    async def list_products(self, tenant_id: UUID, filters: CatalogFilter, page: PageRequest) -> Page[ProductView]: ...


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


class EventPublisher(Protocol):
    """Hands committed outbox rows to the job queue. Failures are tolerated: the sweeper retries."""

    async def publish(self, event_ids: Sequence[UUID]) -> None: ...
