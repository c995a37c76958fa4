"""Redis frozen, then killed and restarted, under a stream of shoppers: every sale goes through, and
every order's events are delivered once Redis is back, with no one stepping in.

The shop runs on a Redis this test owns (`owned_redis`). Redis fsyncs its append-only file once a
second, so the kill can take the jobs of the last second with it; the sweeper finds those events'
jobs missing and publishes them again (`outbox_jobs_lost` in the log), within seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import DRAIN_SECONDS, Figures, Shop, drained, prepare, running_shop, shoppers, visitors
from tests.support.redis_server import OwnedRedis, owned_redis

OUTAGE_SECONDS = 10.0
CALM_SECONDS = 2.0
SLOWEST_ALLOWED_SECONDS = 2.0
"""Issue 8's bound: no shopper waits longer than this, Redis frozen or gone (the breaker answers for it)."""


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[OwnedRedis]:
    with owned_redis(tmp_path / "redis") as owned:
        yield owned


@pytest.fixture
def shop_on_owned_redis(services: dict[str, str], tmp_path: Path, redis: OwnedRedis) -> Iterator[Shop]:
    with running_shop(services, tmp_path, REDIS_URL=redis.url) as running:
        yield running


async def test_shoppers_keep_buying_while_redis_is_frozen_then_killed_and_every_event_is_delivered_after(
    shop_on_owned_redis: Shop, redis: OwnedRedis, services: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    shop = shop_on_owned_redis
    names, product_ids = await prepare(services["owner_database_url"], 6, 10, 1000)
    processes = shop.children()
    figures = Figures()
    orders: dict[str, int] = {}
    async with (
        shoppers(shop.base_url, names, product_ids, figures, browsing=True),
        visitors(shop.base_url, names, figures),
    ):
        await asyncio.sleep(CALM_SECONDS)  # the stream runs while we wait
        redis.freeze()
        orders["before"] = figures.orders
        await asyncio.sleep(OUTAGE_SECONDS)
        orders["frozen"] = figures.orders - orders["before"]
        redis.thaw()
        await asyncio.sleep(CALM_SECONDS)
        redis.kill()
        orders["before kill"] = figures.orders
        await asyncio.sleep(OUTAGE_SECONDS)
        orders["killed"] = figures.orders - orders["before kill"]
        await asyncio.to_thread(redis.start)  # the same port and append-only file
        orders["back"] = figures.orders
        await asyncio.sleep(CALM_SECONDS)
        orders["after"] = figures.orders - orders["back"]

    after = await drained(services["owner_database_url"], redis.url)
    lost_jobs = shop.log_path.read_text(errors="replace").count("outbox_jobs_lost")
    with capsys.disabled():
        print(figures.summary("Redis frozen 10 s, then killed 10 s", after.events))
        print(
            f"[fault]   orders while frozen {orders['frozen']}, while killed {orders['killed']}, "
            f"after {orders['after']}; sweeps that found lost jobs: {lost_jobs}"
        )
    assert figures.server_errors == [], "5xx while Redis was frozen or down"
    assert figures.failures == [], "a shopper or visitor was refused while Redis was frozen or down"
    assert orders["frozen"] > 0 and orders["killed"] > 0, "no order was placed while Redis was out"
    assert orders["after"] > 0, "no order was placed after Redis came back"
    assert figures.slowest < SLOWEST_ALLOWED_SECONDS, f"a request took {figures.slowest:.2f} s"
    assert after.undelivered == 0, f"events still undelivered after {DRAIN_SECONDS:.0f} s"
    assert after.partial_orders == 0
    assert set(after.units_per_product.values()) == {1000}
    assert shop.children().keys() >= {pid for pid, kind in processes.items() if kind == "web"}, "a web process died"
