"""kill -9 of the worker or of a web process while shoppers order: the supervisor restarts it, and
nothing is lost (every committed event delivered, no partial order, every unit of stock accounted for)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.faults.harness import Figures, Shop, drained, prepare, running_shop, shoppers, wait_until

CUSTOMERS = 6
PRODUCTS = 10
STOCK = 1000
STREAM_SECONDS = 3.0
"""How long the stream runs on each side of the kill: long enough for a few dozen orders."""


async def stream_with_a_kill(shop: Shop, services: dict[str, str], kind: str) -> tuple[Figures, int]:
    names, product_ids = await prepare(services["owner_database_url"], CUSTOMERS, PRODUCTS, STOCK)
    figures = Figures()
    async with shoppers(shop.base_url, names, product_ids, figures):
        await asyncio.sleep(STREAM_SECONDS)  # the stream runs while we wait
        count = len(shop.pids(kind))
        dead = shop.kill(kind)
        await asyncio.to_thread(shop.wait_for_replacement, kind, dead, count)
        orders_before = figures.orders
        await asyncio.sleep(STREAM_SECONDS)
    assert figures.orders > orders_before, "no order was placed after the restart"
    return figures, dead


async def check_nothing_lost(services: dict[str, str], figures: Figures, name: str, capsys: pytest.CaptureFixture[str]):
    after = await drained(services["owner_database_url"])
    with capsys.disabled():
        print(figures.summary(name, after.events))
    assert after.partial_orders == 0
    assert after.units_per_product and set(after.units_per_product.values()) == {STOCK}, "stock leaked"
    assert figures.orders > 0


async def test_a_killed_worker_is_restarted_and_every_event_is_delivered(
    shop: Shop, services: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    figures, _ = await stream_with_a_kill(shop, services, "worker")

    await check_nothing_lost(services, figures, "kill -9 worker", capsys)
    assert figures.failures == [], "shoppers saw errors while the worker was down"


async def test_a_killed_web_process_is_restarted_and_the_shop_keeps_answering(
    shop: Shop, services: dict[str, str], capsys: pytest.CaptureFixture[str]
):
    figures, _ = await stream_with_a_kill(shop, services, "web")

    await check_nothing_lost(services, figures, "kill -9 web process", capsys)
    # Only the requests the killed process held may fail, and only by a dropped connection.
    assert all(failure.endswith("Error") for failure in figures.failures), figures.failures
    assert len(figures.failures) <= CUSTOMERS
    assert shop.get("/health/live").status_code == 200


def test_ctrl_c_stops_every_child_including_restarted_ones_within_10_s(shop: Shop):
    dead = shop.kill("worker")
    shop.wait_for_replacement("worker", dead, 1)
    dead = shop.kill("web")
    shop.wait_for_replacement("web", dead, 2)
    children = list(shop.children())

    shop.supervisor.send_signal(signal.SIGINT)

    shop.supervisor.wait(10)
    wait_until(lambda: not any(_alive(pid) for pid in children), "every child gone", timeout=10)


def test_a_supervisor_killed_with_minus_9_leaves_no_child_running(services: dict[str, str], tmp_path: Path):
    with running_shop(services, tmp_path) as shop:
        children = list(shop.children())
        shop.supervisor.kill()
        shop.supervisor.wait(5)
        wait_until(lambda: not any(_alive(pid) for pid in children), "every child gone after the supervisor died")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
