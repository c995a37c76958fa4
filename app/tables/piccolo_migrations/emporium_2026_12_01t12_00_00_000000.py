"""Sessions in PostgreSQL: one row per session, keyed by the SHA-256 of the cookie's token, tenant-isolated."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-12-01T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "sessions in PostgreSQL"

FORWARDS = """
CREATE TABLE session (
    id                varchar(64) PRIMARY KEY,
    tenant_id         uuid        NOT NULL REFERENCES tenant (id),
    user_id           uuid        REFERENCES app_user (id) ON DELETE CASCADE,
    data              jsonb       NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    rotate_requested  boolean     NOT NULL DEFAULT false
);
-- A role change flags every session of the user; the pruning job looks for old rows.
CREATE INDEX session_user_idx ON session (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX session_last_seen_idx ON session (last_seen_at);

ALTER TABLE session ENABLE ROW LEVEL SECURITY;
ALTER TABLE session FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON session
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
"""

BACKWARDS = """
DROP TABLE session;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
