"""The Piccolo table classes match the hand-written migrations column for column."""

from __future__ import annotations

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
    shared = {"tenant", "processed_event"}
    for table in ALL_TABLES:
        if table._meta.tablename not in shared:
            assert "tenant_id" in {c._meta.db_column_name for c in table._meta.columns}, table._meta.tablename
