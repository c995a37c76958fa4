"""Outbox delivery tracking (redelivery of events whose jobs failed) and a TRUNCATE guard on the audit log."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-11-26T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox delivery tracking"

FORWARDS = """
ALTER TABLE outbox ADD COLUMN delivered_at timestamptz;
-- Rows published before delivery was tracked are taken as delivered (else the sweeper republishes them all).
UPDATE outbox SET delivered_at = published_at WHERE published_at IS NOT NULL;
DROP INDEX outbox_unpublished_idx;
-- The sweeper's work list: events not yet handled by every subscriber.
CREATE INDEX outbox_undelivered_idx ON outbox (created_at) WHERE delivered_at IS NULL;

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();
"""

BACKWARDS = """
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP INDEX outbox_undelivered_idx;
CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL;
ALTER TABLE outbox DROP COLUMN delivered_at;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
