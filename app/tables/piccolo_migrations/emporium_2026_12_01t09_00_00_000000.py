"""Tenants enforced by PostgreSQL: host names, row-level security on every tenant-owned table, the app role's grants.

Uniqueness was already per tenant (live product names, coupon codes, usernames, group and flag
names all lead with `tenant_id`); the existing rows stay with the default tenant they carry.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.settings import get_settings
from app.tables.piccolo_migrations.sql import (
    APPLICATION_ROLE,
    disable_tenant_isolation,
    enable_tenant_isolation,
    require_application_role,
    sql_migration,
)

ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenants enforced by row-level security"

TENANT_OWNED = (
    "app_user",
    "product",
    "audit_log",
    "outbox",
    "processed_event",
    "event_type_count",
    "cart",
    "cart_item",
    "coupon",
    "customer_order",
    "order_item",
    "user_group",
    "user_group_member",
    "feature_flag",
    "feature_flag_target",
)


def forwards_sql(default_tenant: str) -> str:
    return (
        require_application_role()
        + f"""
-- The tenant directory: which shop a host name belongs to. Read before any tenant is known, so
-- it is not tenant-owned; the application role may read it, only the owner writes it (app.cli tenant).
CREATE TABLE tenant_host (
    host       varchar(253) PRIMARY KEY CHECK (host = lower(host) AND length(host) > 0),
    tenant_id  uuid         NOT NULL REFERENCES tenant (id) ON DELETE CASCADE
);
CREATE INDEX tenant_host_tenant_idx ON tenant_host (tenant_id);
INSERT INTO tenant_host (host, tenant_id) VALUES ('localhost', '{default_tenant}'), ('127.0.0.1', '{default_tenant}');

-- Processed-event records belong to their event's tenant, like everything the worker touches.
ALTER TABLE processed_event ADD COLUMN tenant_id uuid REFERENCES tenant (id);
UPDATE processed_event p SET tenant_id = a.tenant_id FROM audit_log a WHERE a.event_id = p.event_id;
UPDATE processed_event SET tenant_id = '{default_tenant}' WHERE tenant_id IS NULL;
ALTER TABLE processed_event ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE outbox ADD CONSTRAINT outbox_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenant (id);
"""
        + "".join(enable_tenant_isolation(table) for table in TENANT_OWNED)
        + f"""
-- The application role: reads and writes rows (its tenant's, by the policies above), owns nothing.
GRANT USAGE ON SCHEMA public TO {APPLICATION_ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APPLICATION_ROLE};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APPLICATION_ROLE};
REVOKE INSERT, UPDATE, DELETE ON tenant, tenant_host FROM {APPLICATION_ROLE};
-- Append-only by privilege as well as by trigger.
REVOKE UPDATE, DELETE ON audit_log FROM {APPLICATION_ROLE};
REVOKE ALL ON migration FROM {APPLICATION_ROLE};
-- The seed ANALYZEs the catalog after a bulk load; PostgreSQL 17 made that a grantable right.
DO $$
BEGIN
    IF current_setting('server_version_num')::int >= 170000 THEN
        EXECUTE 'GRANT MAINTAIN ON product TO {APPLICATION_ROLE}';
    END IF;
END $$;
-- Tables and sequences later migrations create (as this same owner) are usable by the app at once;
-- a tenant-owned one still needs `enable_tenant_isolation` in its migration.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APPLICATION_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APPLICATION_ROLE};
"""
    )


BACKWARDS = (
    f"""
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APPLICATION_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {APPLICATION_ROLE};
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APPLICATION_ROLE};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APPLICATION_ROLE};
REVOKE USAGE ON SCHEMA public FROM {APPLICATION_ROLE};
"""
    + "".join(disable_tenant_isolation(table) for table in TENANT_OWNED)
    + """
ALTER TABLE outbox DROP CONSTRAINT outbox_tenant_id_fkey;
ALTER TABLE processed_event DROP COLUMN tenant_id;
DROP TABLE tenant_host;
"""
)


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, lambda: forwards_sql(str(get_settings().app.default_tenant_id)), BACKWARDS)
