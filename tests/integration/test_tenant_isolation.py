"""Tenants are isolated by PostgreSQL itself: row-level security, seen through the application role.

Everything here connects as the role the web app and the worker use (DATABASE_URL); the `db`
fixture (the owner, which bypasses row-level security) only arranges tenants and checks totals.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import asyncpg
import pytest
from piccolo.engine.exceptions import TransactionError

from app.adapters.database import Database, begin_in_tenant, fetch, tenant_transaction
from app.adapters.readers import SqlCatalogReader
from app.adapters.unit_of_work import PiccoloUnitOfWorkFactory
from app.domain.coupons import Coupon
from app.domain.flags import FeatureFlag, UserGroup
from app.domain.pagination import PageRequest
from app.domain.products import Product
from app.domain.users import Role, User, UserContext
from app.services.read_models import CatalogFilter
from app.settings import get_settings
from app.tasks.worker import deliver_event
from tests.support.factories import unique_name

TENANT_A = get_settings().app.default_tenant_id
TENANT_B = UUID("00000000-0000-4000-8000-0000000000b2")

pytestmark = pytest.mark.usefixtures("tenant_b")


@pytest.fixture
async def tenant_b(db: asyncpg.Connection) -> UUID:
    """A second shop, made as the owner would (the application role may only read the directory)."""
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'second', 'Second Shop')", TENANT_B)
    await db.execute("INSERT INTO tenant_host (host, tenant_id) VALUES ('second.localhost', $1)", TENANT_B)
    return TENANT_B


@pytest.fixture
async def database(services: dict[str, str]) -> AsyncIterator[Database]:
    """The application's own engine and pool, as the application role; two connections, so they are reused."""
    database = Database(services["database_url"], pool_min_size=1, pool_max_size=2)
    await database.connect()
    yield database
    await database.disconnect()


@pytest.fixture
async def app_connection(services: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    """A bare connection as the application role, for statements the application never sends."""
    connection = await asyncpg.connect(services["database_url"])
    yield connection
    await connection.close()


def system(tenant_id: UUID) -> UserContext:
    return UserContext.system(tenant_id)


async def add_product(database: Database, tenant_id: UUID, name: str | None = None) -> UUID:
    product = Product.create(tenant_id=tenant_id, name=name or unique_name(), price="5.00", stock_quantity=3)
    async with PiccoloUnitOfWorkFactory(database.engine, publisher=None)(system(tenant_id)) as uow:
        uow.products.add(product)
        await uow.commit()
    return product.id


async def test_the_app_connects_as_the_application_role_not_as_an_owner_or_superuser(
    app_connection: asyncpg.Connection,
):
    role = await app_connection.fetchrow(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    assert role["rolname"] == "emporium_app"
    assert (role["rolsuper"], role["rolbypassrls"]) == (False, False)


async def test_a_tenant_sees_none_of_another_tenants_rows_even_by_id(database: Database, db: asyncpg.Connection):
    theirs = await add_product(database, TENANT_B)
    ours = await add_product(database, TENANT_A)

    async with tenant_transaction(database.engine, TENANT_A) as transaction:
        by_id = await transaction.connection.fetchval("SELECT count(*) FROM product WHERE id = $1", theirs)
        by_tenant = await transaction.connection.fetchval("SELECT count(*) FROM product WHERE tenant_id = $1", TENANT_B)
        everything = await transaction.connection.fetch("SELECT id FROM product")
        their_events = await transaction.connection.fetchval(
            "SELECT count(*) FROM audit_log WHERE aggregate_id = $1", theirs
        )
    assert (by_id, by_tenant, their_events) == (0, 0, 0)
    assert [row["id"] for row in everything] == [ours]
    # The readers ask for B's product in A's name: nothing, although the row is there.
    assert await SqlCatalogReader(database.engine).get_product(TENANT_A, theirs) is None
    assert await db.fetchval("SELECT tenant_id FROM product WHERE id = $1", theirs) == TENANT_B


async def test_a_row_carrying_another_tenants_id_is_refused_by_the_policy(database: Database, db: asyncpg.Connection):
    ours = await add_product(database, TENANT_A)
    theirs = await add_product(database, TENANT_B)

    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with tenant_transaction(database.engine, TENANT_A) as transaction:
            await transaction.connection.execute(
                "INSERT INTO product (id, tenant_id, name, price, stock_quantity) VALUES ($1, $2, 'Smuggled', 1, 1)",
                uuid.uuid4(),
                TENANT_B,
            )
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        async with tenant_transaction(database.engine, TENANT_A) as transaction:
            await transaction.connection.execute("UPDATE product SET tenant_id = $1 WHERE id = $2", TENANT_B, ours)
    async with tenant_transaction(database.engine, TENANT_A) as transaction:
        changed = await transaction.connection.execute("UPDATE product SET stock_quantity = 0 WHERE id = $1", theirs)
        deleted = await transaction.connection.execute("DELETE FROM product WHERE id = $1", theirs)
    assert (changed, deleted) == ("UPDATE 0", "DELETE 0")
    assert await db.fetchval("SELECT stock_quantity FROM product WHERE id = $1", theirs) == 3
    assert await db.fetchval("SELECT count(*) FROM product WHERE name = 'Smuggled'") == 0


async def test_without_a_tenant_every_query_sees_no_rows(
    database: Database, app_connection: asyncpg.Connection, db: asyncpg.Connection
):
    await add_product(database, TENANT_A)
    await add_product(database, TENANT_B)
    assert await db.fetchval("SELECT count(*) FROM product") == 2

    for table in ("product", "audit_log", "outbox", "app_user", "customer_order"):
        assert await app_connection.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
        await app_connection.execute(
            "INSERT INTO product (id, tenant_id, name, price, stock_quantity) VALUES ($1, $2, 'Nobody', 1, 1)",
            uuid.uuid4(),
            TENANT_A,
        )


async def test_pooled_connections_never_carry_a_tenant_into_the_next_use(database: Database):
    """Many interleaved reads and writes of A and B over two pooled connections: each sees only its own."""
    names = {TENANT_A: set[str](), TENANT_B: set[str]()}
    reader = SqlCatalogReader(database.engine)
    everything = PageRequest(page=1, page_size=100)

    async def write_then_read(tenant_id: UUID, n: int) -> None:
        name = f"{'A' if tenant_id == TENANT_A else 'B'} product {n:03d}"
        names[tenant_id].add(name)
        await add_product(database, tenant_id, name)
        page = await reader.list_products(tenant_id, CatalogFilter(), everything)
        seen = {item.name for item in page.items}
        assert seen <= names[tenant_id], f"{tenant_id} saw {seen - names[tenant_id]}"
        assert name in seen
        raw = await fetch(database.engine, tenant_id, "SELECT DISTINCT tenant_id FROM product")
        assert [row["tenant_id"] for row in raw] == [tenant_id]

    await asyncio.gather(*(write_then_read((TENANT_A, TENANT_B)[n % 2], n) for n in range(40)))

    # Back in the pool, no connection keeps a tenant: outside a transaction the setting is empty.
    pool = database.engine.pool
    assert pool is not None
    connections = [await pool.acquire() for _ in range(2)]
    try:
        for connection in connections:
            assert await connection.fetchval("SELECT current_setting('app.tenant_id', true)") in ("", None)
            assert await connection.fetchval("SELECT count(*) FROM product") == 0
    finally:
        for connection in connections:
            await pool.release(connection)
    page_a = await reader.list_products(TENANT_A, CatalogFilter(), everything)
    page_b = await reader.list_products(TENANT_B, CatalogFilter(), everything)
    assert {item.name for item in page_a.items} == names[TENANT_A]
    assert {item.name for item in page_b.items} == names[TENANT_B]


async def test_names_and_codes_are_unique_per_tenant_only(database: Database, db: asyncpg.Connection):
    for tenant_id in (TENANT_A, TENANT_B):
        async with PiccoloUnitOfWorkFactory(database.engine, publisher=None)(system(tenant_id)) as uow:
            uow.products.add(Product.create(tenant_id=tenant_id, name="Same Lamp", price="5", stock_quantity=1))
            uow.users.add(User.register(tenant_id=tenant_id, username="sam", password_hash="x", role=Role.CUSTOMER))
            uow.coupons.add(
                Coupon.create(
                    tenant_id=tenant_id,
                    code="SAME10",
                    discount_percent=Decimal("10"),
                    expires_at=datetime.now(UTC) + timedelta(days=1),
                )
            )
            uow.groups.add(UserGroup.create(tenant_id=tenant_id, name="same_group"))
            uow.flags.add(FeatureFlag.create(tenant_id=tenant_id, name="same-flag"))
            await uow.commit()
    for table, column, value in (
        ("product", "name", "Same Lamp"),
        ("app_user", "username", "sam"),
        ("coupon", "code", "SAME10"),
        ("user_group", "name", "same_group"),
        ("feature_flag", "name", "same-flag"),
    ):
        tenants = await db.fetch(f"SELECT tenant_id FROM {table} WHERE {column} = $1 ORDER BY tenant_id", value)
        assert [row["tenant_id"] for row in tenants] == sorted([TENANT_A, TENANT_B]), table


async def test_the_worker_runs_subscribers_in_the_events_tenant(database: Database, db: asyncpg.Connection):
    theirs = await add_product(database, TENANT_B)
    event_id = str(await db.fetchval("SELECT event_id FROM outbox WHERE tenant_id = $1", TENANT_B))
    ctx = {"database": database}

    # A job naming the event under another tenant finds nothing there, and changes nothing.
    assert await deliver_event(ctx, event_ids=[event_id], tenant_id=str(TENANT_A)) == {"ran": [], "skipped": []}
    assert await deliver_event(ctx, event_ids=[event_id], tenant_id=str(TENANT_B)) == {
        "ran": ["count_domain_events"],
        "skipped": [],
    }
    counted = await db.fetch("SELECT tenant_id, event_type, total FROM event_type_count")
    assert [tuple(row) for row in counted] == [(TENANT_B, "ProductCreated", 1)]
    assert await db.fetchval("SELECT tenant_id FROM processed_event") == TENANT_B
    assert await db.fetchval("SELECT delivered_at IS NOT NULL FROM outbox WHERE event_id = $1", UUID(event_id))
    assert await db.fetchval("SELECT aggregate_id FROM audit_log WHERE event_id = $1", UUID(event_id)) == theirs


async def test_the_application_role_cannot_alter_the_audit_log_by_any_route(
    database: Database, app_connection: asyncpg.Connection, db: asyncpg.Connection
):
    product = await add_product(database, TENANT_A)
    refused = (asyncpg.InsufficientPrivilegeError, asyncpg.RaiseError)
    attempts = (
        "UPDATE audit_log SET actor_name = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY",
        # The route that works for a superuser: skip every trigger for the session.
        "SET session_replication_role = replica",
        "SET LOCAL session_replication_role = replica",
    )
    for statement in attempts:
        async with app_connection.transaction():  # a refused statement aborts it; leaving rolls it back
            await app_connection.execute("SELECT set_config('app.tenant_id', $1, true)", str(TENANT_A))
            try:
                await app_connection.execute(statement)
            except refused:
                continue
            pytest.fail(f"the application role was allowed: {statement}")
    assert await app_connection.fetchval("SELECT current_setting('session_replication_role')") == "origin"
    entry = await db.fetchrow(
        "SELECT actor_name, count(*) OVER () AS n FROM audit_log WHERE aggregate_id = $1", product
    )
    assert (entry["actor_name"], entry["n"]) == ("system", 1)


async def test_a_tenant_transaction_rolls_back_on_an_error_and_its_connection_keeps_no_tenant(
    database: Database, db: asyncpg.Connection
):
    ours = await add_product(database, TENANT_A)
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with tenant_transaction(database.engine, TENANT_A) as transaction:
            await transaction.connection.execute("UPDATE product SET stock_quantity = 0 WHERE id = $1", ours)
            raise RuntimeError("changed my mind")
    assert await db.fetchval("SELECT stock_quantity FROM product WHERE id = $1", ours) == 3
    pool = database.engine.pool
    assert pool is not None
    async with pool.acquire() as first, pool.acquire() as second:  # both of the pool's connections
        for connection in (first, second):
            assert await connection.fetchval("SELECT current_setting('app.tenant_id', true)") in (None, "")


async def test_a_tenant_transaction_inside_another_tenants_refuses(database: Database):
    async with tenant_transaction(database.engine, TENANT_A) as outer:
        async with tenant_transaction(database.engine, TENANT_A) as inner:  # the same tenant: the same one
            assert inner is outer
        with pytest.raises(TransactionError, match="outside this tenant"):
            async with tenant_transaction(database.engine, TENANT_B):
                pass
        assert await outer.connection.fetchval("SELECT current_setting('app.tenant_id')") == str(TENANT_A)


def test_the_tenant_written_into_begin_must_be_a_uuid():
    assert begin_in_tenant(TENANT_B).endswith(f"'{TENANT_B}', true)")
    with pytest.raises(ValueError, match="badly formed"):
        begin_in_tenant("x', true); DROP TABLE product; --")  # type: ignore[arg-type]
