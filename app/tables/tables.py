"""Piccolo tables: the storage shape of the aggregates and the event backbone.

The DDL lives in the migrations (hand-written SQL, so constraints, partial indexes and
triggers are explicit); `tests/integration/test_schema.py` checks these classes match it.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
    Boolean,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Tenant(Table, tablename="tenant"):
    id = UUID(primary_key=True)
    slug = Varchar(length=63)
    name = Varchar(length=200)
    created_at = Timestamptz()


class AppUser(Table, tablename="app_user"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    username = Varchar(length=150)
    email = Varchar(length=254)
    password_hash = Text()
    role = Varchar(length=20)
    is_active = Boolean()
    version = Integer()
    created_at = Timestamptz()


class Product(Table, tablename="product"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    name = Varchar(length=200)
    price = Numeric(digits=(12, 2))
    stock_quantity = Integer()
    image_key = Varchar(length=100, null=True)
    created_at = Timestamptz()
    deleted_at = Timestamptz(null=True)
    version = Integer()


class AuditLog(Table, tablename="audit_log"):
    """Every domain event, exactly once, append-only: the event store the outbox points into."""

    event_id = UUID(primary_key=True)
    tenant_id = UUID()
    event_type = Varchar(length=100)
    aggregate_type = Varchar(length=50)
    aggregate_id = UUID()
    actor_id = UUID(null=True)
    actor_name = Varchar(length=150)
    request_id = Varchar(length=200, null=True)
    occurred_at = Timestamptz()
    recorded_at = Timestamptz()
    payload = JSONB()


class Outbox(Table, tablename="outbox"):
    """Events committed but maybe not yet handed to the job queue."""

    event_id = UUID(primary_key=True)
    tenant_id = UUID()
    event_type = Varchar(length=100)
    created_at = Timestamptz()
    published_at = Timestamptz(null=True)
    publish_attempts = Integer()
    delivered_at = Timestamptz(null=True)
    """Set when every subscriber has handled the event; until then the sweeper may publish it again."""


class ProcessedEvent(Table, tablename="processed_event"):
    """One row per (subscriber, event) handled: the idempotency record of at-least-once delivery."""

    id = BigInt(primary_key=True)
    subscriber = Varchar(length=100)
    event_id = UUID()
    processed_at = Timestamptz()


class EventTypeCount(Table, tablename="event_type_count"):
    """Projection kept by the `count_domain_events` subscriber: events seen per type and tenant."""

    id = BigInt(primary_key=True)
    tenant_id = UUID()
    event_type = Varchar(length=100)
    total = BigInt()


ALL_TABLES: tuple[type[Table], ...] = (Tenant, AppUser, Product, AuditLog, Outbox, ProcessedEvent, EventTypeCount)
