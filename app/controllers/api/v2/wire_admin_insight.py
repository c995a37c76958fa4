"""API v2's wire types for what admins read across aggregates: the product report and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from app.controllers.api.v2.wire import Money, money, utc
from app.services.read_models import AuditEntry as AuditEntryView
from app.services.read_models import ProductReportRow


class ProductReportLine(msgspec.Struct, frozen=True):
    """A product with what was sold of it (in placed orders) and what carts hold reserved now."""

    product_id: UUID
    name: str
    price: Money
    stock_quantity: int
    """Units not reserved in any cart."""
    is_deleted: bool
    total_sold: int
    currently_reserved: int


def report_line(row: ProductReportRow) -> ProductReportLine:
    return ProductReportLine(
        product_id=row.product_id,
        name=row.name,
        price=money(row.price),
        stock_quantity=row.stock_quantity,
        is_deleted=row.is_deleted,
        total_sold=row.total_sold,
        currently_reserved=row.currently_reserved,
    )


class ProductReportPage(msgspec.Struct, frozen=True):
    """One page of the report by product name; `next_cursor` (also in `Link: rel="next"`) is null on the last."""

    items: list[ProductReportLine]
    next_cursor: str | None


class AuditEntry(msgspec.Struct, frozen=True):
    """One domain event as it was recorded, in the transaction of the change it describes."""

    event_id: UUID
    event_type: str
    """The event's pinned name, e.g. `UserRoleChanged`."""
    aggregate_type: str
    aggregate_id: UUID
    actor_id: UUID | None
    """Null for the system (scheduled jobs)."""
    actor_name: str
    request_id: str | None
    """The `X-Request-ID` of the request that made the change (null for jobs)."""
    occurred_at: datetime
    payload: dict[str, Any]
    """The event's own fields (what changed, from what, to what)."""


def audit_entry(entry: AuditEntryView) -> AuditEntry:
    return AuditEntry(
        event_id=entry.event_id,
        event_type=entry.event_type,
        aggregate_type=entry.aggregate_type,
        aggregate_id=entry.aggregate_id,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        request_id=entry.request_id,
        occurred_at=utc(entry.occurred_at),
        payload=entry.payload,
    )


class AuditLogPage(msgspec.Struct, frozen=True):
    """One page of entries, newest first; `next_cursor` (also in `Link: rel="next"`) is null on the last."""

    items: list[AuditEntry]
    next_cursor: str | None
