"""Stock locking side by side: pessimistic against optimistic, at low and at high contention.

`python -m bench.run --locking` (`make bench BENCH_ARGS=--locking`) starts the bench shop
(bench/harness.py) once per strategy (STOCK_LOCKING), alternating ROUNDS times on the same
database, and runs two scenarios of CUSTOMERS logged-in clients, each looping "add 1 to cart,
then remove it" through API v1:

- low contention: each step picks one of many products at random;
- high contention: every client adds and removes the same hot product.

Per scenario it prints requests/s (every answer, 409 included), reservations made per second,
p50/p99, 409 "try again" answers, the conflicts and retries the
optimistic strategy counted (Prometheus counters scraped from /metrics), deadlocks (the app's
counter and PostgreSQL's pg_stat_database), and CPU ms per request of the shop's processes and
PostgreSQL (from /proc). Figures, not assertions: the load generator shares the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
import httpx

from bench.harness import Shop, cpu_seconds, running_shop, shared_services
from bench.run import Result, logged_in_client, run_scenario

STRATEGIES = ("pessimistic", "optimistic")
COUNTERS = {
    "conflicts": "shop_stock_conflicts_total",
    "retries": "shop_stock_retries_total",
    "refusals": "shop_stock_contention_refusals_total",
    "deadlocks": "shop_deadlocks_total",
}


@dataclass
class Figure:
    strategy: str
    scenario: str
    result: Result
    counts: dict[str, float]
    try_again: int
    reserved: int
    """Adds answered 2xx: reservations made (each followed by its removal)."""
    pg_deadlocks: int
    app_cpu: float
    database_cpu: float

    @property
    def requests(self) -> int:
        return len(self.result.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.result.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.result.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000 if ordered else 0.0

    def cpu_ms(self) -> float:
        """Shop processes and PostgreSQL together."""
        return (self.app_cpu + self.database_cpu) * 1000 / max(1, self.requests)

    def line(self) -> str:
        return row(self.scenario, self.strategy, [self])


def row(scenario: str, strategy: str, found: list[Figure]) -> str:
    """One scenario and strategy: rates and latencies averaged over its rounds, counts added up."""

    def mean(value: Callable[[Figure], float]) -> float:
        return statistics.mean(value(f) for f in found)

    def total(value: Callable[[Figure], float]) -> float:
        return sum(value(f) for f in found)

    return (
        f"{scenario:<18} {strategy:<11} {mean(lambda f: f.rate):>6.1f} req/s  "
        f"{mean(lambda f: f.reserved / f.result.seconds):>6.1f} reserved/s  "
        f"p50 {mean(lambda f: f.percentile(0.5)):>6.1f} ms  p99 {mean(lambda f: f.percentile(0.99)):>7.1f} ms  "
        f"409 {total(lambda f: f.try_again):>4.0f}  conflicts {total(lambda f: f.counts['conflicts']):>5.0f}  "
        f"retries {total(lambda f: f.counts['retries']):>5.0f}  "
        f"deadlocks {total(lambda f: f.counts['deadlocks']):.0f}/{total(lambda f: f.pg_deadlocks):.0f}  "
        f"CPU ms/request {mean(Figure.cpu_ms):.2f}"
    )


def add_and_remove(product_ids: list[str], tally: dict[str, int]):  # type: ignore[no-untyped-def]
    """One step: add 1 to the cart, then remove it; `tally` counts 409 answers and reservations made."""

    async def step(client: httpx.AsyncClient, rng: random.Random) -> list[httpx.Response]:
        product_id = rng.choice(product_ids)
        added = await client.post("/api/v1/cart/items/", json={"product_id": product_id, "quantity": 1})
        if added.status_code == 409:
            tally["try_again"] += 1
            return [added]
        tally["reserved"] += added.is_success
        removed = await client.delete(f"/api/v1/cart/items/{product_id}/remove/")
        tally["try_again"] += removed.status_code == 409
        return [added, removed]

    return step


async def counters(client: httpx.AsyncClient) -> dict[str, float]:
    text = (await client.get("/metrics")).text
    totals = dict.fromkeys(COUNTERS, 0.0)
    for line in text.splitlines():
        for key, metric in COUNTERS.items():
            if line.startswith(metric):
                totals[key] += float(line.rsplit(" ", 1)[1])
    return totals


async def pg_deadlocks(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(
            await connection.fetchval("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        )
    finally:
        await connection.close()


async def measure(shop: Shop, strategy: str, seconds: float, products: int) -> list[Figure]:
    customers = [await logged_in_client(shop.base_url, name) for name in shop.customers]
    database = (shop.postmaster_pid,) if shop.postmaster_pid else ()
    database_url = os.environ["DATABASE_URL"]
    try:
        listing = []
        for page in range(1, 1 + max(1, products // 100)):
            found = await customers[0].get("/api/v1/products/", params={"page_size": "100", "page": str(page)})
            listing += [p["id"] for p in found.json()["results"] if p["stock_quantity"] > 100]
        scenarios = {f"low ({len(listing)} products)": listing, "high (1 product)": listing[:1]}
        warm_up = add_and_remove(listing, {"try_again": 0, "reserved": 0})
        await run_scenario("warm-up", customers, warm_up, min(3.0, seconds))
        figures = []
        for scenario, product_ids in scenarios.items():
            tally = {"try_again": 0, "reserved": 0}
            before, deadlocks_before = await counters(customers[0]), await pg_deadlocks(database_url)
            app_before, database_before = cpu_seconds(shop.pids), cpu_seconds(database)
            result = await run_scenario(scenario, customers, add_and_remove(product_ids, tally), seconds)
            app_cpu, database_cpu = cpu_seconds(shop.pids) - app_before, cpu_seconds(database) - database_before
            await asyncio.sleep(1.0)  # PostgreSQL flushes its statistics about once a second
            after, deadlocks_after = await counters(customers[0]), await pg_deadlocks(database_url)
            counts = {key: after[key] - before[key] for key in COUNTERS}
            deadlocks = deadlocks_after - deadlocks_before
            figures.append(
                Figure(strategy, scenario, result, counts, tally["try_again"], tally["reserved"], deadlocks,
                       app_cpu, database_cpu)
            )  # fmt: skip
        return figures
    finally:
        for client in customers:
            await client.aclose()


def summary(figures: list[Figure]) -> list[str]:
    lines = []
    for scenario in dict.fromkeys(f.scenario for f in figures):
        for strategy in STRATEGIES:
            found = [f for f in figures if f.scenario == scenario and f.strategy == strategy]
            if found:
                lines.append(row(scenario, strategy, found))
    return lines


def run(*, products: int, customers: int, seconds: float, rounds: int, web_processes: int) -> None:
    figures: list[Figure] = []
    with shared_services():
        for round_number in range(1, rounds + 1):
            for strategy in STRATEGIES:
                print(f"Round {round_number}, {strategy}…", flush=True)
                with running_shop(
                    products=products,
                    customers=customers,
                    web_processes=web_processes,
                    settings={"STOCK_LOCKING": strategy},
                ) as shop:
                    found = asyncio.run(measure(shop, strategy, seconds, products))
                for figure in found:
                    print("  " + figure.line(), flush=True)
                figures += found
    print(
        f"\n{rounds} rounds, {seconds:.0f} s per scenario, {customers} clients, {web_processes} web processes "
        f"(deadlocks: app counter / pg_stat_database)\n"
    )
    print("\n".join(summary(figures)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two strategies")
