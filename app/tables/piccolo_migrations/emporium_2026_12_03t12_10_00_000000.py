"""`catalog_search_count`: the exact count of a filtered catalog search, planned with statistics (ADR 0011).

Under row-level security the planner may not use column statistics (nor the trigram index) through
the non-leakproof `LIKE` and `numeric` comparisons, so v1's exact count of a common term with price
bounds was a scan of every live product of the tenant evaluating `lower(name) LIKE` on each (567 ms
and ~1.5 s of CPU over three processes at 1,000,000 products). Run as the owner (SECURITY DEFINER;
the owner has BYPASSRLS), the same count is a bitmap scan of the trigram index's matches (290 ms in
one process), and a price-bounded count without a term an index-only scan of the price index.

Like `catalog_search_ids`, it applies the policy's tenant filter itself, from the same transaction
setting, and counts nothing without a tenant. It returns one number about the current tenant's live
products. The statement is built from the filters that are set and run by EXECUTE … USING, so each
call is planned with its actual values (the values never enter the SQL text).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import APPLICATION_ROLE, CURRENT_TENANT, sql_migration

ID = "2026-12-03T12:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog search count"

FORWARDS = f"""
CREATE FUNCTION catalog_search_count(pattern text, min_price numeric, max_price numeric, in_stock boolean)
    RETURNS bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tenant uuid := {CURRENT_TENANT};
    counted bigint;
BEGIN
    IF tenant IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE 'SELECT count(*) FROM public.product WHERE tenant_id = $1 AND deleted_at IS NULL'
        || CASE WHEN pattern IS NULL THEN '' ELSE ' AND lower(name) LIKE $2' END
        || CASE WHEN min_price IS NULL THEN '' ELSE ' AND price >= $3' END
        || CASE WHEN max_price IS NULL THEN '' ELSE ' AND price <= $4' END
        || CASE WHEN in_stock THEN ' AND stock_quantity > 0' ELSE '' END
        INTO counted USING tenant, pattern, min_price, max_price;
    RETURN counted;
END $$;
REVOKE ALL ON FUNCTION catalog_search_count(text, numeric, numeric, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION catalog_search_count(text, numeric, numeric, boolean) TO {APPLICATION_ROLE};
"""

BACKWARDS = """
DROP FUNCTION catalog_search_count(text, numeric, numeric, boolean);
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
