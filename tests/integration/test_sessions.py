"""Sessions in PostgreSQL: timeouts, the once-a-minute touch, pruning, tenant isolation, no token at rest."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.settings import get_settings
from app.tasks.worker import build_settings, prune_sessions_job
from tests.integration.test_shop_pages import shopper

Client = AsyncTestClient[Litestar]


def session_key(client: Client) -> str:
    return hashlib.sha256(client.cookies["sessionid"].encode()).hexdigest()


async def in_tenant(db: asyncpg.Connection, sql: str, *args: Any) -> Any:
    """Run `sql` as the app does: in a transaction that first names the tenant (row-level security)."""
    async with db.transaction():
        await db.execute("SELECT set_config('app.tenant_id', $1, true)", str(get_settings().app.default_tenant_id))
        return await db.fetch(sql, *args)


async def test_the_table_keeps_the_tokens_hash_and_the_user_not_the_token(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await shopper(app, client, db)

    [row] = await in_tenant(db, "SELECT id, user_id FROM session")

    assert row["id"] == session_key(client) != client.cookies["sessionid"]
    assert row["user_id"] == await db.fetchval("SELECT id FROM app_user WHERE username = 'alice'")


async def test_the_store_reads_the_session_with_its_user_and_groups(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    from tests.integration.conftest import on_app_loop

    await shopper(app, client, db)
    store = app.state.container.sessions

    tenant = get_settings().app.default_tenant_id
    stored = await on_app_loop(app, store.load, tenant, client.cookies["sessionid"])

    assert stored.user_read and stored.user is not None
    assert (stored.user.username, stored.user.role, stored.user.group_ids) == ("alice", "customer", frozenset())
    assert await on_app_loop(app, store.load, tenant, "not-a-session") is None


async def test_a_request_touches_the_session_only_when_its_last_touch_is_over_a_minute_old(
    app: Litestar, client: Client, db: asyncpg.Connection
):
    await shopper(app, client, db)
    await client.get("/")  # shows (and so removes) any flash message left by the login
    key = session_key(client)
    [before] = await in_tenant(db, "SELECT last_seen_at FROM session WHERE id = $1", key)

    assert (await client.get("/")).status_code == 200  # a page that changes nothing in the session
    [after_a_fresh_touch] = await in_tenant(db, "SELECT last_seen_at FROM session WHERE id = $1", key)
    await in_tenant(db, "UPDATE session SET last_seen_at = now() - interval '2 minutes' WHERE id = $1", key)
    assert (await client.get("/")).status_code == 200
    [renewed] = await in_tenant(db, "SELECT last_seen_at > now() - interval '1 minute' AS fresh FROM session")

    assert after_a_fresh_touch["last_seen_at"] == before["last_seen_at"]  # no write per request
    assert renewed["fresh"]


async def test_an_idle_or_too_old_session_is_gone(app: Litestar, client: Client, db: asyncpg.Connection):
    settings = get_settings().session
    await shopper(app, client, db)
    key = session_key(client)
    idle = timedelta(minutes=settings.idle_timeout_minutes + 1)
    await in_tenant(db, "UPDATE session SET last_seen_at = now() - $2::interval WHERE id = $1", key, idle)
    assert (await client.get("/cart")).headers.get("location") == "/login?next=/cart"

    await shopper(app, client, db, "bob")
    key = session_key(client)
    old = timedelta(hours=settings.absolute_timeout_hours + 1)
    await in_tenant(db, "UPDATE session SET created_at = now() - $2::interval WHERE id = $1", key, old)
    assert (await client.get("/cart")).headers.get("location") == "/login?next=/cart"


async def test_the_worker_prunes_expired_sessions_on_a_schedule(shop: Any, db: asyncpg.Connection):
    settings = get_settings().session
    tenant = get_settings().app.default_tenant_id
    await in_tenant(
        db,
        "INSERT INTO session (id, tenant_id, last_seen_at, created_at) VALUES "
        "('live', $1, now(), now()), ('idle', $1, now() - $2::interval, now() - $2::interval), "
        "('old', $1, now(), now() - $3::interval)",
        tenant,
        timedelta(minutes=settings.idle_timeout_minutes + 1),
        timedelta(hours=settings.absolute_timeout_hours + 1),
    )

    pruned = await prune_sessions_job({"sessions": shop.sessions, "database": shop.database})

    assert pruned == 2
    assert [row["id"] for row in await in_tenant(db, "SELECT id FROM session")] == ["live"]
    assert prune_sessions_job in [job.function for job in build_settings()["cron_jobs"]]


async def test_sessions_are_isolated_by_tenant_with_row_level_security(db: asyncpg.Connection):
    enabled, forced = await db.fetchrow(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = 'session'"
    )
    policy = await db.fetchval(
        "SELECT qual FROM pg_policies WHERE tablename = 'session' AND policyname = 'tenant_isolation'"
    )

    assert enabled and forced
    assert "current_setting('app.tenant_id'" in policy
