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
    Bytea,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Tenant(Table, tablename="tenant"):
    """A shop of the deployment (`name` is its display name). Not tenant-owned: readable by every request."""

    id = UUID(primary_key=True)
    slug = Varchar(length=63)
    name = Varchar(length=200)
    created_at = Timestamptz()


class TenantHost(Table, tablename="tenant_host"):
    """Host names a tenant answers on: the directory read before a request's tenant is known."""

    host = Varchar(length=253, primary_key=True)
    tenant_id = UUID()


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
    description = Text()
    image_width = Integer(null=True)
    image_height = Integer(null=True)
    thumbnails_key = Varchar(length=100, null=True)
    """The image the worker last made thumbnails of: they are ready when it equals `image_key`."""


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
    batch_id = UUID(null=True, default=None)
    """The first event of the commit that wrote the row: the one delivery job of that commit is keyed by it
    (NULL on rows from before batches: the row is its own batch)."""


class ProcessedEvent(Table, tablename="processed_event"):
    """One row per (subscriber, event) handled: the idempotency record of at-least-once delivery."""

    id = BigInt(primary_key=True)
    tenant_id = UUID()
    subscriber = Varchar(length=100)
    event_id = UUID()
    processed_at = Timestamptz()


class EventTypeCount(Table, tablename="event_type_count"):
    """Projection kept by the `count_domain_events` subscriber: events seen per type and tenant."""

    id = BigInt(primary_key=True)
    tenant_id = UUID()
    event_type = Varchar(length=100)
    total = BigInt()


class Cart(Table, tablename="cart"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    user_id = UUID()
    created_at = Timestamptz()
    last_activity_at = Timestamptz()
    version = Integer()


class CartItem(Table, tablename="cart_item"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    cart_id = UUID()
    product_id = UUID()
    product_name = Varchar(length=200)
    unit_price = Numeric(digits=(12, 2))
    quantity = Integer()
    added_at = Timestamptz()


class Coupon(Table, tablename="coupon"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    code = Varchar(length=50)
    discount_percent = Numeric(digits=(5, 2))
    expires_at = Timestamptz()
    created_at = Timestamptz()
    version = Integer()


class CustomerOrder(Table, tablename="customer_order"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    number = BigInt()
    user_id = UUID()
    ship_street_line_1 = Varchar(length=200)
    ship_street_line_2 = Varchar(length=200, null=True)
    ship_city = Varchar(length=100)
    ship_state = Varchar(length=100)
    ship_postal_code = Varchar(length=20)
    ship_country = Varchar(length=2)
    verification_id = Varchar(length=100)
    subtotal = Numeric(digits=(12, 2))
    coupon_id = UUID(null=True)
    coupon_code = Varchar(length=50, null=True)
    discount = Numeric(digits=(12, 2))
    total = Numeric(digits=(12, 2))
    submitted_at = Timestamptz()
    version = Integer()


class OrderItem(Table, tablename="order_item"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    order_id = UUID()
    product_id = UUID()
    product_name = Varchar(length=200)
    unit_price = Numeric(digits=(12, 2))
    quantity = Integer()
    position = Integer()


class UserGroup(Table, tablename="user_group"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    name = Varchar(length=100)
    description = Varchar(length=500)
    created_at = Timestamptz()
    version = Integer()


class UserGroupMember(Table, tablename="user_group_member"):
    # Composite primary key (group_id, user_id) in SQL; Piccolo needs one column to call primary.
    group_id = UUID(primary_key=True)
    user_id = UUID()
    tenant_id = UUID()
    added_at = Timestamptz()


class FeatureFlag(Table, tablename="feature_flag"):
    id = UUID(primary_key=True)
    tenant_id = UUID()
    name = Varchar(length=100)
    enabled = Boolean()
    description = Varchar(length=500)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    version = Integer()


class FeatureFlagTarget(Table, tablename="feature_flag_target"):
    flag_id = UUID(primary_key=True)  # composite (flag_id, group_id) in SQL
    group_id = UUID()
    tenant_id = UUID()


class Session(Table, tablename="session"):
    """A web session: `id` is the SHA-256 of the cookie's token (the token itself is never stored)."""

    id = Varchar(length=64, primary_key=True)
    tenant_id = UUID()
    user_id = UUID(null=True)
    data = JSONB()
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    rotate_requested = Boolean()
    user_agent = Varchar(length=512)


class IdempotencyRecord(Table, tablename="idempotency_record"):
    """The answer to a request sent with an Idempotency-Key, replayed to its repeats (app.adapters.idempotency)."""

    tenant_id = UUID(primary_key=True)  # composite (tenant_id, user_id, key) in SQL
    user_id = UUID()
    key = Varchar(length=255)
    fingerprint = Varchar(length=64)
    status = Integer()
    headers = JSONB()
    body = Bytea()
    created_at = Timestamptz()


ALL_TABLES: tuple[type[Table], ...] = (
    Tenant,
    TenantHost,
    AppUser,
    Product,
    AuditLog,
    Outbox,
    ProcessedEvent,
    EventTypeCount,
    Cart,
    CartItem,
    Coupon,
    CustomerOrder,
    OrderItem,
    UserGroup,
    UserGroupMember,
    FeatureFlag,
    FeatureFlagTarget,
    Session,
    IdempotencyRecord,
)
