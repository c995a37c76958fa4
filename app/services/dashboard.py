"""The admin dashboard: figures from several aggregates and the job queue, read in a few queries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from app.domain.pagination import PageRequest
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import AuditReader
from app.services.read_models import AuditEntry, AuditFilter


@dataclass(frozen=True)
class DailySales:
    day: date
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class LowStockItem:
    product_id: UUID
    name: str
    stock_quantity: int


@dataclass(frozen=True)
class ReservingCart:
    cart_id: UUID
    username: str
    items: int
    value: Decimal
    last_activity_at: datetime


@dataclass(frozen=True)
class QueueHealth:
    workers: int
    queued: int
    active: int
    scheduled: int
    complete: int
    failed: int
    retried: int
    outbox_unpublished: int
    outbox_lag_seconds: float
    outbox_dead_letters: int
    error: str | None = None
    """Set when the queue could not be read (Redis down): the rest of the dashboard still shows."""


@dataclass(frozen=True)
class RecentError:
    occurred_at: datetime
    error_type: str
    method: str
    path: str
    request_id: str | None


@dataclass(frozen=True)
class Dashboard:
    sales: list[DailySales]
    low_stock: list[LowStockItem]
    reserving_carts: list[ReservingCart]
    recent_events: list[AuditEntry]
    queue: QueueHealth
    recent_errors: list[RecentError]
    recent_errors_unavailable: bool = False
    """The list could not be read (Redis down): the page says so rather than "no errors"."""

    @property
    def orders_today(self) -> int:
        return self.sales[-1].orders if self.sales else 0

    @property
    def revenue_today(self) -> Decimal:
        return self.sales[-1].revenue if self.sales else Decimal("0.00")


class DashboardReader(Protocol):
    async def sales_by_day(self, tenant_id: UUID, days: int) -> list[DailySales]:
        """One row per day, oldest first, today last; days without orders included with zeros."""
        ...

    async def low_stock(self, tenant_id: UUID, threshold: int, limit: int) -> list[LowStockItem]: ...
    async def reserving_carts(self, tenant_id: UUID, limit: int) -> list[ReservingCart]: ...


class QueueHealthProbe(Protocol):
    async def health(self, tenant_id: UUID) -> QueueHealth:
        """The job queue's figures (shared by every shop) and this tenant's outbox."""
        ...


class RecentErrors(Protocol):
    async def recent(self, limit: int) -> list[RecentError] | None:
        """Newest first; None when the store cannot be read right now."""
        ...


LOW_STOCK_THRESHOLD = 10


class DashboardService:
    def __init__(
        self, reader: DashboardReader, audit: AuditReader, queue: QueueHealthProbe, errors: RecentErrors
    ) -> None:
        self._reader = reader
        self._audit = audit
        self._queue = queue
        self._errors = errors

    async def dashboard(self, user: UserContext, *, days: int = 14) -> Dashboard:
        require(user, Capability.AUDIT_VIEW, action="view_dashboard", reason="Admin access required")
        tenant = user.tenant_id
        sales, low, carts, events, queue, errors = await asyncio.gather(
            self._reader.sales_by_day(tenant, days),
            self._reader.low_stock(tenant, LOW_STOCK_THRESHOLD, 10),
            self._reader.reserving_carts(tenant, 10),
            self._audit.list_entries(tenant, AuditFilter(), PageRequest(page=1, page_size=10)),
            self._queue.health(tenant),
            self._errors.recent(10),
        )
        return Dashboard(
            sales, low, carts, list(events.items), queue, errors or [], recent_errors_unavailable=errors is None
        )
