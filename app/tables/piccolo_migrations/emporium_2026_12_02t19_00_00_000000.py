"""An index for API v2's coupon list in keyset pages: newest first, ties broken by id.

`(created_at, id) < (…)` with `ORDER BY created_at DESC, id DESC` is then one index range scan per
page, however deep. No new table, so row-level security is unchanged (coupon's policy applies).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-12-02T19:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "coupon keyset index"

FORWARDS = """
CREATE INDEX coupon_keyset_idx ON coupon (tenant_id, created_at DESC, id DESC);
"""

BACKWARDS = """
DROP INDEX coupon_keyset_idx;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
