"""Load benchmarks against a real server: `make bench` (or `python -m bench.run --help`).

Each scenario runs for a fixed time with a fixed number of concurrent clients and prints
requests/s, p50 and p99 latency, the error count and the CPU milliseconds per request of the
shop's processes (web and worker) and of PostgreSQL, read from /proc (steadier than requests/s on
a shared machine); the end prints the server processes' peak memory. The load generator runs on
the same 2-core machine as the server, so the figures are a floor and a comparison between
versions, not a capacity claim.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from bench.harness import CUSTOMER_PASSWORD, Shop, cpu_seconds, peak_rss_mib, running_shop


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    app_cpu: float = 0.0
    """CPU seconds of the web processes and the worker during the scenario."""
    database_cpu: float = 0.0
    """CPU seconds of PostgreSQL (postmaster and backends) during the scenario."""

    def line(self) -> str:
        ordered = sorted(self.latencies)
        count = len(ordered)
        p50 = statistics.median(ordered) * 1000 if ordered else 0.0
        p99 = ordered[min(count - 1, int(count * 0.99))] * 1000 if ordered else 0.0
        per_request = 1000 / max(1, count)
        return (
            f"{self.name:<34} {count / self.seconds:>9.1f} req/s   p50 {p50:>7.1f} ms   p99 {p99:>7.1f} ms   "
            f"requests {count:>6}   errors {self.errors}   CPU ms/req app {self.app_cpu * per_request:.2f} "
            f"db {self.database_cpu * per_request:.2f}"
        )


Step = Callable[[httpx.AsyncClient, random.Random], Awaitable[list[httpx.Response]]]


async def run_scenario(name: str, clients: list[httpx.AsyncClient], step: Step, seconds: float) -> Result:
    result = Result(name)
    deadline = time.perf_counter() + seconds

    async def loop(client: httpx.AsyncClient, seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                responses = await step(client, rng)
                failed = any(r.status_code >= 400 for r in responses)
            except httpx.HTTPError:
                responses, failed = [], True
            elapsed = time.perf_counter() - started
            if failed:
                result.errors += 1
            for _ in responses or [None]:
                result.latencies.append(elapsed / max(1, len(responses)))

    began = time.perf_counter()
    await asyncio.gather(*(loop(client, i) for i, client in enumerate(clients)))
    result.seconds = time.perf_counter() - began
    return result


async def filtered_search(client: httpx.AsyncClient, rng: random.Random) -> list[httpx.Response]:
    term = rng.choice(["pro", "laptop", "wireless", "smart", "mini", "cable"])
    params = {"search": term, "min_price": "20", "max_price": "800", "in_stock": "true", "page": "3"}
    return [await client.get("/api/v1/products/", params=params)]


async def product_list(client: httpx.AsyncClient, rng: random.Random) -> list[httpx.Response]:
    return [await client.get("/api/v1/products/", params={"page": str(rng.randint(1, 500)), "page_size": "20"})]


async def catalog_page(client: httpx.AsyncClient, rng: random.Random) -> list[httpx.Response]:
    """The HTML catalog as a logged-in shopper sees it: session, user, enabled flags, products, template."""
    term = rng.choice(["pro", "laptop", "wireless", "smart", "mini", "cable"])
    return [await client.get("/", params={"search": term, "in_stock": "1", "page": str(rng.randint(1, 3))})]


def cart_loop(product_ids: list[str]) -> Step:
    async def step(client: httpx.AsyncClient, rng: random.Random) -> list[httpx.Response]:
        product_id = rng.choice(product_ids)
        added = await client.post("/api/v1/cart/items/", json={"product_id": product_id, "quantity": 1})
        removed = await client.delete(f"/api/v1/cart/items/{product_id}/remove/")
        return [added, removed]

    return step


async def logged_in_client(base_url: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=30)
    session = (await client.get("/api/v1/auth/session/")).json()
    response = await client.post(
        "/api/v1/auth/login/",
        json={"username": username, "password": CUSTOMER_PASSWORD},
        headers={"X-CSRFToken": session["csrf_token"]},
    )
    response.raise_for_status()
    token = (await client.get("/api/v1/auth/session/")).json()["csrf_token"]
    client.headers["X-CSRFToken"] = token
    return client


async def benchmark(shop: Shop, seconds: float, concurrency: int) -> list[Result]:
    anonymous = [httpx.AsyncClient(base_url=shop.base_url, timeout=30) for _ in range(concurrency)]
    customers = [await logged_in_client(shop.base_url, name) for name in shop.customers]
    try:
        # Products with plenty of stock, so the loop measures the operation, not "sold out".
        listing = (await anonymous[0].get("/api/v1/products/", params={"page_size": "100", "in_stock": "true"})).json()
        product_ids = [p["id"] for p in listing["results"] if p["stock_quantity"] > 100][:50]
        await run_scenario("warm-up", anonymous, product_list, min(3.0, seconds))
        scenarios: list[tuple[str, list[httpx.AsyncClient], Step]] = [
            ("catalog filtered search (page 3)", anonymous, filtered_search),
            ("product list (random page)", anonymous, product_list),
            (f"catalog HTML page ({len(customers)} customers)", customers, catalog_page),
            (f"cart add+remove ({len(customers)} customers)", customers, cart_loop(product_ids)),
        ]
        database = (shop.postmaster_pid,) if shop.postmaster_pid else ()
        results = []
        for name, clients, step in scenarios:
            app_before, database_before = cpu_seconds(shop.pids), cpu_seconds(database)
            result = await run_scenario(name, clients, step, seconds)
            result.app_cpu = cpu_seconds(shop.pids) - app_before
            result.database_cpu = cpu_seconds(database) - database_before
            results.append(result)
        return results
    finally:
        for client in [*anonymous, *customers]:
            await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000, help="catalog size (default 10,000)")
    parser.add_argument("--customers", type=int, default=20, help="logged-in customers in the cart loop")
    parser.add_argument("--concurrency", type=int, default=20, help="anonymous clients for catalog scenarios")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each scenario")
    parser.add_argument("--web-processes", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()

    print(f"Preparing a shop with {args.products:,} products and {args.customers} customers…", flush=True)
    with running_shop(products=args.products, customers=args.customers, web_processes=args.web_processes) as shop:
        results = asyncio.run(benchmark(shop, args.seconds, args.concurrency))
        peaks = peak_rss_mib(shop.pids)
    print(
        f"\n{args.web_processes} web processes, {args.concurrency} anonymous clients, "
        f"{args.seconds:.0f} s per scenario\n"
    )
    for result in results:
        print(result.line())
    print("\npeak RSS (MiB): " + ", ".join(f"pid {pid}: {mib:.0f}" for pid, mib in sorted(peaks.items())))


if __name__ == "__main__":
    main()
