"""Indexes for API v2's order history in keyset pages: newest first, ties broken by id.

`(submitted_at, id) < (…)` with `ORDER BY submitted_at DESC, id DESC` is then one index range scan,
for one customer's orders and for everyone's; they replace the two indexes that lacked `id`.
No new table, so row-level security is unchanged (customer_order's policy applies as before).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-12-02T06:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "order history keyset indexes"

FORWARDS = """
CREATE INDEX customer_order_user_keyset_idx ON customer_order (tenant_id, user_id, submitted_at DESC, id DESC);
CREATE INDEX customer_order_keyset_idx ON customer_order (tenant_id, submitted_at DESC, id DESC);
DROP INDEX customer_order_user_idx;
DROP INDEX customer_order_time_idx;
"""

BACKWARDS = """
CREATE INDEX customer_order_user_idx ON customer_order (tenant_id, user_id, submitted_at DESC);
CREATE INDEX customer_order_time_idx ON customer_order (tenant_id, submitted_at DESC);
DROP INDEX customer_order_keyset_idx;
DROP INDEX customer_order_user_keyset_idx;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
