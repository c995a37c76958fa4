"""Foundation: tenants, users, products, and the event backbone (audit log, outbox, processed events)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-11-26T04:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "foundation"

FORWARDS = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tenant (
    id          uuid PRIMARY KEY,
    slug        varchar(63)  NOT NULL UNIQUE,
    name        varchar(200) NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now()
);
INSERT INTO tenant (id, slug, name) VALUES ('00000000-0000-4000-8000-000000000001', 'default', 'Emporium');

CREATE TABLE app_user (
    id             uuid PRIMARY KEY,
    tenant_id      uuid         NOT NULL REFERENCES tenant (id),
    username       varchar(150) NOT NULL,
    email          varchar(254) NOT NULL DEFAULT '',
    password_hash  text         NOT NULL,
    role           varchar(20)  NOT NULL CHECK (role IN ('admin', 'customer')),
    is_active      boolean      NOT NULL DEFAULT true,
    version        integer      NOT NULL DEFAULT 1,
    created_at     timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, username)
);

CREATE TABLE product (
    id              uuid PRIMARY KEY,
    tenant_id       uuid          NOT NULL REFERENCES tenant (id),
    name            varchar(200)  NOT NULL CHECK (length(btrim(name)) > 0),
    price           numeric(12,2) NOT NULL CHECK (price >= 0),
    stock_quantity  integer       NOT NULL CHECK (stock_quantity >= 0),
    image_key       varchar(100),
    created_at      timestamptz   NOT NULL DEFAULT now(),
    deleted_at      timestamptz,
    version         integer       NOT NULL DEFAULT 1
);
-- Names are unique among live products only: a deleted product's name can be reused.
CREATE UNIQUE INDEX product_live_name_key ON product (tenant_id, name) WHERE deleted_at IS NULL;
CREATE INDEX product_tenant_name_idx ON product (tenant_id, name);
CREATE INDEX product_name_trgm_idx ON product USING gin (lower(name) gin_trgm_ops);

-- The audit log is the event store: every domain event, once, never changed.
CREATE TABLE audit_log (
    event_id        uuid PRIMARY KEY,
    tenant_id       uuid         NOT NULL REFERENCES tenant (id),
    event_type      varchar(100) NOT NULL,
    aggregate_type  varchar(50)  NOT NULL,
    aggregate_id    uuid         NOT NULL,
    actor_id        uuid,
    actor_name      varchar(150) NOT NULL DEFAULT '',
    request_id      varchar(200),
    occurred_at     timestamptz  NOT NULL,
    recorded_at     timestamptz  NOT NULL DEFAULT now(),
    payload         jsonb        NOT NULL
);
CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, occurred_at DESC);
CREATE INDEX audit_log_aggregate_idx ON audit_log (tenant_id, aggregate_type, aggregate_id);
CREATE INDEX audit_log_request_idx ON audit_log (tenant_id, request_id);
CREATE INDEX audit_log_actor_idx ON audit_log (tenant_id, actor_id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- The outbox: which committed events still have to reach the job queue.
CREATE TABLE outbox (
    event_id          uuid PRIMARY KEY REFERENCES audit_log (event_id),
    tenant_id         uuid         NOT NULL,
    event_type        varchar(100) NOT NULL,
    created_at        timestamptz  NOT NULL DEFAULT now(),
    published_at      timestamptz,
    publish_attempts  integer      NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL;

CREATE TABLE processed_event (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber    varchar(100) NOT NULL,
    event_id      uuid         NOT NULL,
    processed_at  timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (subscriber, event_id)
);

CREATE TABLE event_type_count (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid         NOT NULL REFERENCES tenant (id),
    event_type  varchar(100) NOT NULL,
    total       bigint       NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, event_type)
);
"""

BACKWARDS = """
DROP TABLE event_type_count, processed_event, outbox, audit_log, product, app_user, tenant;
DROP FUNCTION audit_log_is_append_only();
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
