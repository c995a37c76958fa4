"""Integration fixtures: a real app on real PostgreSQL and Redis, a clean database per test."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.database import Database
from app.settings import get_settings
from tests.support.apps import app_with_fresh_services

T = TypeVar("T")

TABLES_TO_CLEAN = (
    "feature_flag_target, feature_flag, user_group_member, user_group, order_item, customer_order, coupon, "
    "cart_item, cart, outbox, processed_event, event_type_count, audit_log, "
    "product, session, idempotency_record, app_user"
)


async def clean_tables(connection: asyncpg.Connection) -> None:
    """Empty every table between tests and drop the tenants tests added (the owner role may do both).

    The audit log's append-only triggers are lifted for this alone.
    """
    async with connection.transaction():
        await connection.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        await connection.execute(f"TRUNCATE {TABLES_TO_CLEAN} RESTART IDENTITY CASCADE")
        await connection.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        await connection.execute("DELETE FROM tenant WHERE id <> $1", get_settings().app.default_tenant_id)


@pytest.fixture
async def db(services: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection for arranging and inspecting data (the app has its own pool).

    It logs in as the owner role, which bypasses row-level security: it sees every tenant's rows.
    """
    connection = await asyncpg.connect(services["owner_database_url"])
    await clean_tables(connection)
    yield connection
    await connection.close()


@pytest.fixture
async def database(services: dict[str, str], db: asyncpg.Connection) -> AsyncIterator[Database]:
    """The application's own engine and pool, as the application role, for tests of the adapters beneath the app
    (the tables are cleaned first, by `db`)."""
    database = Database(services["database_url"], pool_min_size=1, pool_max_size=5)
    await database.connect()
    yield database
    await database.disconnect()


@pytest.fixture
async def redis_client(services: dict[str, str]) -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(services["redis_url"])
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def app(db: asyncpg.Connection, redis_client: Any) -> Litestar:
    """The real app on this test's own services (its routes are shared: tests/support/apps.py)."""
    return app_with_fresh_services(get_settings())


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        client.follow_redirects = False  # tests look at redirects themselves
        _clients[id(app)] = client
        yield client
        _clients.pop(id(app), None)


def scraper() -> dict[str, str]:
    """The header of a Prometheus scraper that has the token (METRICS_TOKEN, set by the test bootstrap)."""
    return {"Authorization": f"Bearer {get_settings().metrics.token}"}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


_clients: dict[int, AsyncTestClient[Litestar]] = {}


async def on_app_loop(app: Litestar, function: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Await one of the app's services on the loop that owns its connection pool (the client's)."""
    portal = _clients[id(app)].blocking_portal
    return await asyncio.to_thread(portal.call, functools.partial(function, *args, **kwargs))


async def ensure_user(app: Litestar, username: str, password: str, role: str) -> None:
    """Create an account through the app's own service."""
    from app.domain.users import Role

    auth = app.state.container.auth
    await on_app_loop(app, auth.ensure_user, get_settings().app.default_tenant_id, username, password, Role(role))


async def login(client: AsyncTestClient[Litestar], username: str, password: str) -> str:
    """Log in through the real form; returns a CSRF token valid for the new session."""
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_from(page.text), "next": "/"}
    )
    assert response.status_code == 303, response.text
    home = await client.get("/admin/products") if username == "admin" else await client.get("/login")
    return csrf_from(home.text) if 'name="csrf_token"' in home.text else ""


@pytest.fixture
async def shop(db: asyncpg.Connection, redis_client: Any) -> AsyncIterator[Any]:
    """The composition root's services on this test's loop (use instead of `app`, never together)."""
    from app.main import build_container

    container = build_container(get_settings())
    await container.database.connect()
    await container.queue.connect()
    yield container
    await container.close()


async def make_user(shop: Any, db: asyncpg.Connection, username: str, role: str = "customer") -> Any:
    from app.domain.users import Role, UserContext

    tenant = get_settings().app.default_tenant_id
    await shop.auth.ensure_user(tenant, username, f"{username}-password", Role(role))
    user_id = await db.fetchval("SELECT id FROM app_user WHERE username = $1", username)
    return UserContext(user_id=user_id, username=username, role=Role(role), tenant_id=tenant)
