"""What row-level security costs: the catalog and cart scenarios with the policies on and off, in one run.

`python -m bench.rls` starts the bench shop (bench/harness.py) alternately as the application
role (policies apply: "RLS on") and as the owner role, which has BYPASSRLS ("RLS off"), on the
same database and data, ROUNDS times each, and prints per scenario: requests/s, p50, p99 and the
CPU time per request of the shop's processes (web, worker) and of PostgreSQL (postmaster and its
backends), then the on/off ratios over all rounds. The load generator's own CPU is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass

import httpx

from bench.harness import Shop, cpu_seconds, running_shop, shared_services
from bench.run import (
    Result,
    Step,
    cart_loop,
    catalog_page,
    filtered_search,
    logged_in_client,
    product_list,
    run_scenario,
)

MODES = {"RLS on": False, "RLS off": True}
"""Label → bypass_rls: "off" means the owner role, for which PostgreSQL skips every policy."""


@dataclass
class Figure:
    scenario: str
    mode: str
    result: Result
    app_cpu: float
    database_cpu: float

    @property
    def rate(self) -> float:
        return len(self.result.latencies) / self.result.seconds

    def cpu_ms_per_request(self, cpu: float) -> float:
        return cpu * 1000 / max(1, len(self.result.latencies))

    def line(self) -> str:
        return (
            f"{self.result.line()}   CPU/request: app {self.cpu_ms_per_request(self.app_cpu):.2f} ms, "
            f"PostgreSQL {self.cpu_ms_per_request(self.database_cpu):.2f} ms"
        )


async def measure(shop: Shop, mode: str, seconds: float, concurrency: int) -> list[Figure]:
    anonymous = [httpx.AsyncClient(base_url=shop.base_url, timeout=30) for _ in range(concurrency)]
    customers = [await logged_in_client(shop.base_url, name) for name in shop.customers]
    database = (shop.postmaster_pid,) if shop.postmaster_pid else ()
    try:
        listing = (await anonymous[0].get("/api/v1/products/", params={"page_size": "100", "in_stock": "true"})).json()
        product_ids = [p["id"] for p in listing["results"] if p["stock_quantity"] > 100][:50]
        await run_scenario("warm-up", anonymous, product_list, min(3.0, seconds))
        scenarios: list[tuple[str, list[httpx.AsyncClient], Step]] = [
            ("catalog filtered search (page 3)", anonymous, filtered_search),
            ("product list (random page)", anonymous, product_list),
            (f"catalog HTML page ({len(customers)} customers)", customers, catalog_page),
            (f"cart add+remove ({len(customers)} customers)", customers, cart_loop(product_ids)),
        ]
        figures = []
        for name, clients, step in scenarios:
            app_before, database_before = cpu_seconds(shop.pids), cpu_seconds(database)
            result = await run_scenario(f"{name} [{mode}]", clients, step, seconds)
            figures.append(
                Figure(name, mode, result, cpu_seconds(shop.pids) - app_before, cpu_seconds(database) - database_before)
            )
        return figures
    finally:
        for client in [*anonymous, *customers]:
            await client.aclose()


def summary(figures: list[Figure]) -> list[str]:
    lines = []
    for scenario in dict.fromkeys(f.scenario for f in figures):
        of = {mode: [f for f in figures if f.scenario == scenario and f.mode == mode] for mode in MODES}
        rate = {mode: statistics.mean(f.rate for f in found) for mode, found in of.items()}
        cpu = {
            mode: statistics.mean(f.cpu_ms_per_request(f.app_cpu + f.database_cpu) for f in found)
            for mode, found in of.items()
        }
        lines.append(
            f"{scenario:<34} req/s on/off {rate['RLS on']:.1f}/{rate['RLS off']:.1f} "
            f"= {rate['RLS on'] / rate['RLS off']:.3f}   "
            f"CPU ms/request on/off {cpu['RLS on']:.2f}/{cpu['RLS off']:.2f} = {cpu['RLS on'] / cpu['RLS off']:.3f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000, help="catalog size (default 10,000)")
    parser.add_argument("--customers", type=int, default=20, help="logged-in customers")
    parser.add_argument("--concurrency", type=int, default=20, help="anonymous clients for catalog scenarios")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each scenario")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of on and off (drift shows as spread)")
    parser.add_argument("--web-processes", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()

    figures: list[Figure] = []
    with shared_services():
        for round_number in range(1, args.rounds + 1):
            for mode, bypass in MODES.items():
                print(f"Round {round_number}, {mode}…", flush=True)
                with running_shop(
                    products=args.products,
                    customers=args.customers,
                    web_processes=args.web_processes,
                    bypass_rls=bypass,
                ) as shop:
                    found = asyncio.run(measure(shop, mode, args.seconds, args.concurrency))
                for figure in found:
                    print("  " + figure.line(), flush=True)
                figures += found
    print(f"\n{args.rounds} rounds, {args.seconds:.0f} s per scenario, {args.web_processes} web processes\n")
    print("\n".join(summary(figures)))


if __name__ == "__main__":
    main()
