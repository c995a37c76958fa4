"""Idempotency records: the answer to a keyed request, stored with its effect, per (tenant, user, key), for 24 h."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import disable_tenant_isolation, enable_tenant_isolation, sql_migration

ID = "2026-12-02T05:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "idempotency records"

FORWARDS = """
CREATE TABLE idempotency_record (
    tenant_id    uuid         NOT NULL REFERENCES tenant (id),
    user_id      uuid         NOT NULL,
    key          varchar(255) NOT NULL,
    fingerprint  char(64)     NOT NULL,
    status       smallint     NOT NULL,
    headers      jsonb        NOT NULL DEFAULT '{}',
    body         bytea        NOT NULL,
    created_at   timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, key)
);
-- The prune job deletes what is older than the retention.
CREATE INDEX idempotency_record_created_idx ON idempotency_record (created_at);
""" + enable_tenant_isolation("idempotency_record")

BACKWARDS = disable_tenant_isolation("idempotency_record") + "DROP TABLE idempotency_record;"


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
