"""Catalog orderings served by indexes: page 1 and every keyset page read only the rows they show.

The database collation is not "C", so the `(tenant_id, name)` index cannot serve `ORDER BY name
COLLATE "C"`; each sort the catalog offers gets its own partial index over live products, led by
the tenant (row-level security's `tenant_id = …` is a leakproof equality, so it can be an index
condition) and ending with `id`, the tiebreak that makes the order total for keyset pagination.
The price index also carries `stock_quantity`, so a count under the price and stock filters is an
index-only scan; a count of all live products reads the tenant-only index, which btree deduplication
keeps to a few pages per 100,000 rows.

`catalog_search_ids` finds the current tenant's products whose lowercased name contains a pattern.
Under row-level security PostgreSQL will not use the trigram index (nor column statistics) for
`lower(name) LIKE …`, because `textlike` is not LEAKPROOF: it scans every row of the tenant. The
function runs as the owner (SECURITY DEFINER; the owner has BYPASSRLS), applies the tenant filter
of the policy itself, from the same transaction setting, and returns only ids, which the caller's
query then reads under its own policy (ADR 0011).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import APPLICATION_ROLE, CURRENT_TENANT, sql_migration

ID = "2026-12-02T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog ordering indexes"

FORWARDS = f"""
CREATE INDEX product_catalog_name_idx ON product (tenant_id, (name COLLATE "C"), id) WHERE deleted_at IS NULL;
CREATE INDEX product_catalog_price_idx ON product (tenant_id, price, id) INCLUDE (stock_quantity)
    WHERE deleted_at IS NULL;
CREATE INDEX product_catalog_created_idx ON product (tenant_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX product_live_tenant_idx ON product (tenant_id) WHERE deleted_at IS NULL;

CREATE FUNCTION catalog_search_ids(pattern text) RETURNS SETOF uuid
    LANGUAGE sql STABLE STRICT SECURITY DEFINER PARALLEL SAFE ROWS 1000
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT id FROM public.product
    WHERE tenant_id = {CURRENT_TENANT} AND lower(name) LIKE pattern
$$;
REVOKE ALL ON FUNCTION catalog_search_ids(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION catalog_search_ids(text) TO {APPLICATION_ROLE};
"""

BACKWARDS = """
DROP FUNCTION catalog_search_ids(text);
DROP INDEX product_live_tenant_idx;
DROP INDEX product_catalog_created_idx;
DROP INDEX product_catalog_price_idx;
DROP INDEX product_catalog_name_idx;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
