"""Catalog orderings served by indexes: page 1 and every keyset page read only the rows they show.

The database collation is not "C", so the `(tenant_id, name)` index cannot serve `ORDER BY name
COLLATE "C"`; each sort the catalog offers gets its own partial index over live products, led by
the tenant (row-level security's `tenant_id = …` is a leakproof equality, so it can be an index
condition) and ending with `id`, the tiebreak that makes the order total for keyset pagination.
The price index also carries `stock_quantity`, so a count under the price and stock filters is an
index-only scan.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-12-02T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog ordering indexes"

FORWARDS = """
CREATE INDEX product_catalog_name_idx ON product (tenant_id, (name COLLATE "C"), id) WHERE deleted_at IS NULL;
CREATE INDEX product_catalog_price_idx ON product (tenant_id, price, id) INCLUDE (stock_quantity)
    WHERE deleted_at IS NULL;
CREATE INDEX product_catalog_created_idx ON product (tenant_id, created_at, id) WHERE deleted_at IS NULL;
"""

BACKWARDS = """
DROP INDEX product_catalog_created_idx;
DROP INDEX product_catalog_price_idx;
DROP INDEX product_catalog_name_idx;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
