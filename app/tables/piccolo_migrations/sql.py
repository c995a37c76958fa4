"""Run a migration's SQL text on the migration's own connection, and the SQL building blocks migrations share.

Migrations run as the owner role (MIGRATION_DATABASE_URL); the web app and the worker connect as
APPLICATION_ROLE, which owns nothing and is held to each tenant's rows by row-level security.
"""

from collections.abc import Callable

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

APPLICATION_ROLE = "emporium_app"
"""The role the web app and the worker use (docs/operations.md says how to create it)."""

TENANT_SETTING = "app.tenant_id"
"""The transaction-local setting row-level security reads; the unit of work and the readers set it."""

CURRENT_TENANT = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"
"""The tenant of the running transaction, NULL when none is set (so a policy matches no row)."""


async def execute(sql: str) -> None:
    engine = engine_finder()
    assert engine is not None, "piccolo_conf.py defines no engine"
    async with engine.transaction() as transaction:
        await transaction.connection.execute(sql)


def sql_migration(
    migration_id: str, description: str, forwards: str | Callable[[], str], backwards: str
) -> MigrationManager:
    """A migration that runs one SQL text forwards and another backwards (`forwards` may be built when it runs)."""
    manager = MigrationManager(migration_id=migration_id, app_name="emporium", description=description)

    async def run() -> None:
        await execute(forwards() if callable(forwards) else forwards)

    async def run_backwards() -> None:
        await execute(backwards)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager


def enable_tenant_isolation(table: str) -> str:
    """SQL that lets APPLICATION_ROLE see and write only the current tenant's rows of `table` (it has `tenant_id`).

    FORCE applies the policy to the table's owner too; only superusers and BYPASSRLS roles pass by.
    """
    return f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON {table}
    USING (tenant_id = {CURRENT_TENANT})
    WITH CHECK (tenant_id = {CURRENT_TENANT});
"""


def disable_tenant_isolation(table: str) -> str:
    """The reverse of `enable_tenant_isolation`, for BACKWARDS."""
    return f"""
DROP POLICY tenant_isolation ON {table};
ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
"""


def require_application_role() -> str:
    """SQL that stops the migration, with a readable message, when APPLICATION_ROLE does not exist yet."""
    return f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APPLICATION_ROLE}') THEN
        RAISE EXCEPTION 'role {APPLICATION_ROLE} does not exist: create it before migrating (docs/operations.md)';
    END IF;
END $$;
"""
