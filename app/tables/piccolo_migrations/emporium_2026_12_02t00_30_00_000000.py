"""Sessions remember the browser that began them, for the account page's list of a user's sessions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-12-02T00:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "session user agent"

# A new column of a table with row-level security: the tenant_isolation policy covers it as is.
FORWARDS = """
ALTER TABLE session ADD COLUMN user_agent varchar(512) NOT NULL DEFAULT '';
"""

BACKWARDS = """
ALTER TABLE session DROP COLUMN user_agent;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
