"""Per-tenant product counts kept by triggers, so an unfiltered count does not scan (ADR 0018).

`product_count` holds one row per tenant: its live products and its soft-deleted ones. Triggers on
`product` keep it in the statement that changes the products, so it commits or rolls back with them:

- INSERT and DELETE: statement-level, over the transition table, one upsert (or update) per tenant
  per statement, so the seed's bulk `INSERT … SELECT` of 5,000 rows touches the counter once;
- UPDATE: row-level, only when a row moves between live and deleted (`WHEN` is evaluated without
  calling the function, so the cart's stock updates pay nothing and lock nothing);
- TRUNCATE: empties the counter.

The trigger functions are SECURITY DEFINER (the owner): the application role may only read the
counter, under the tenant policy like every tenant-owned table, so no code path but a product write
can change it. They touch only the tenants of the rows the statement wrote, which the product
policy already allowed.

The backfill runs with `product` locked against writes (SHARE ROW EXCLUSIVE), so no product is
written between the count and the triggers' creation.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import (
    APPLICATION_ROLE,
    disable_tenant_isolation,
    enable_tenant_isolation,
    sql_migration,
)

ID = "2026-12-03T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "per-tenant product counter"

_DEFINER = "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp"

FORWARDS = (
    """
LOCK TABLE product IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE product_count (
    tenant_id uuid PRIMARY KEY REFERENCES tenant (id) ON DELETE CASCADE,
    live      bigint NOT NULL DEFAULT 0 CHECK (live >= 0),
    deleted   bigint NOT NULL DEFAULT 0 CHECK (deleted >= 0)
);
"""
    + enable_tenant_isolation("product_count")
    + f"""
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON product_count FROM {APPLICATION_ROLE};
GRANT SELECT ON product_count TO {APPLICATION_ROLE};

CREATE FUNCTION product_count_inserted() RETURNS trigger {_DEFINER} AS $$
BEGIN
    INSERT INTO public.product_count AS c (tenant_id, live, deleted)
    SELECT tenant_id, count(*) FILTER (WHERE deleted_at IS NULL), count(*) FILTER (WHERE deleted_at IS NOT NULL)
    FROM new_rows GROUP BY tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET live = c.live + EXCLUDED.live, deleted = c.deleted + EXCLUDED.deleted;
    RETURN NULL;
END $$;

CREATE FUNCTION product_count_deleted() RETURNS trigger {_DEFINER} AS $$
BEGIN
    UPDATE public.product_count AS c SET live = c.live - d.live, deleted = c.deleted - d.deleted
    FROM (
        SELECT tenant_id, count(*) FILTER (WHERE deleted_at IS NULL) AS live,
               count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted
        FROM old_rows GROUP BY tenant_id
    ) AS d
    WHERE c.tenant_id = d.tenant_id;
    RETURN NULL;
END $$;

CREATE FUNCTION product_count_moved() RETURNS trigger {_DEFINER} AS $$
BEGIN
    UPDATE public.product_count SET
        live = live - (OLD.deleted_at IS NULL)::int,
        deleted = deleted - (OLD.deleted_at IS NOT NULL)::int
    WHERE tenant_id = OLD.tenant_id;
    INSERT INTO public.product_count AS c (tenant_id, live, deleted)
    VALUES (NEW.tenant_id, (NEW.deleted_at IS NULL)::int, (NEW.deleted_at IS NOT NULL)::int)
    ON CONFLICT (tenant_id) DO UPDATE SET live = c.live + EXCLUDED.live, deleted = c.deleted + EXCLUDED.deleted;
    RETURN NULL;
END $$;

CREATE FUNCTION product_count_truncated() RETURNS trigger {_DEFINER} AS $$
BEGIN
    DELETE FROM public.product_count;
    RETURN NULL;
END $$;

REVOKE ALL ON FUNCTION product_count_inserted(), product_count_deleted(), product_count_moved(),
    product_count_truncated() FROM PUBLIC;

CREATE TRIGGER product_count_insert AFTER INSERT ON product
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_count_inserted();
CREATE TRIGGER product_count_delete AFTER DELETE ON product
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_count_deleted();
CREATE TRIGGER product_count_move AFTER UPDATE OF deleted_at, tenant_id ON product FOR EACH ROW
    WHEN ((OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL)
          OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION product_count_moved();
CREATE TRIGGER product_count_truncate AFTER TRUNCATE ON product
    FOR EACH STATEMENT EXECUTE FUNCTION product_count_truncated();

INSERT INTO product_count (tenant_id, live, deleted)
SELECT t.id, count(p.id) FILTER (WHERE p.deleted_at IS NULL), count(p.id) FILTER (WHERE p.deleted_at IS NOT NULL)
FROM tenant t LEFT JOIN product p ON p.tenant_id = t.id
GROUP BY t.id;
"""
)

BACKWARDS = (
    """
DROP TRIGGER product_count_truncate ON product;
DROP TRIGGER product_count_move ON product;
DROP TRIGGER product_count_delete ON product;
DROP TRIGGER product_count_insert ON product;
DROP FUNCTION product_count_truncated(), product_count_moved(), product_count_deleted(), product_count_inserted();
"""
    + disable_tenant_isolation("product_count")
    + """
DROP TABLE product_count;
"""
)


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
