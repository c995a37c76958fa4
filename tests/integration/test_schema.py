"""The schema as migrated: Piccolo classes match it, and tenants are isolated by row-level security."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg

from app.tables.tables import ALL_TABLES


async def test_piccolo_tables_match_the_migrated_schema(db: asyncpg.Connection):
    for table in ALL_TABLES:
        name = table._meta.tablename
        rows = await db.fetch(
            "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = $1", name
        )
        in_database = {row["column_name"]: row["is_nullable"] == "YES" for row in rows}
        in_code = {column._meta.db_column_name: column._meta.null for column in table._meta.columns}
        assert in_code.keys() == in_database.keys(), name
        assert in_code == in_database, f"{name}: nullability differs"


async def test_every_tenant_owned_table_has_a_tenant_id(db: asyncpg.Connection):
    shared = {"tenant"}
    for table in ALL_TABLES:
        if table._meta.tablename not in shared:
            assert "tenant_id" in {c._meta.db_column_name for c in table._meta.columns}, table._meta.tablename


TENANT_DIRECTORY = {"tenant", "tenant_host"}
"""Read before a request's tenant is known, so not tenant-owned: the application role may only read them."""


async def test_every_table_with_a_tenant_id_is_held_to_its_tenant_by_row_level_security(db: asyncpg.Connection):
    tables = await db.fetch(
        """
        SELECT c.relname AS name, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
        """
    )
    owned = [t for t in tables if t["name"] not in TENANT_DIRECTORY]
    assert len(owned) >= 15, "the catalog query found too few tables to be checking anything"
    for table in owned:
        assert (table["enabled"], table["forced"]) == (True, True), f"{table['name']}: ENABLE + FORCE RLS"
        policies = await db.fetch(
            "SELECT cmd, permissive, qual, with_check FROM pg_policies WHERE schemaname = 'public' AND tablename = $1",
            table["name"],
        )
        assert len(policies) == 1, f"{table['name']}: exactly one policy, the tenant's"
        [policy] = policies
        assert (policy["cmd"], policy["permissive"]) == ("ALL", "PERMISSIVE"), table["name"]
        expected = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)"
        assert (policy["qual"], policy["with_check"]) == (expected, expected), table["name"]


async def test_the_application_role_has_no_way_around_row_level_security(
    db: asyncpg.Connection, services: dict[str, str]
):
    app_role = urlsplit(services["database_url"]).username
    role = await db.fetchrow("SELECT oid, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1", app_role)
    assert role is not None, app_role
    assert not role["rolsuper"], "the application role is a superuser"
    assert not role["rolbypassrls"], "the application role has BYPASSRLS"
    owns = await db.fetch(
        """
        SELECT relname AS name FROM pg_class WHERE relowner = $1
        UNION ALL SELECT proname FROM pg_proc WHERE proowner = $1
        UNION ALL SELECT nspname FROM pg_namespace WHERE nspowner = $1
        """,
        role["oid"],
    )
    assert [row["name"] for row in owns] == [], "the application role owns objects (owners may lift RLS)"
    # Nor may it become a role that could: membership would allow SET ROLE.
    powerful = await db.fetch(
        "SELECT rolname FROM pg_roles "
        "WHERE (rolsuper OR rolbypassrls) AND rolname <> $1 AND pg_has_role($1, oid, 'MEMBER')",
        app_role,
    )
    assert [row["rolname"] for row in powerful] == []
    for table in TENANT_DIRECTORY:
        for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE"):
            assert not await db.fetchval("SELECT has_table_privilege($1, $2, $3)", app_role, table, privilege), (
                f"{app_role} may {privilege} {table}"
            )
        assert await db.fetchval("SELECT has_table_privilege($1, $2, 'SELECT')", app_role, table)
