"""API v2 cursor pages: the 100th page of `GET /api/v2/products?limit=100` against the 1st, at 10,000 products.

`python -m bench.run --cursor-pages` (or `make bench BENCH_ARGS="--cursor-pages"`). A keyset page
is one index range scan from the cursor's position, so the 100th page should cost what the 1st
does; v1's `?page=` (OFFSET) reads and throws away every row before its page. The run walks the
list by `next_cursor` to find the 100th page's cursor, then loads page 1 and page 100 in turn with
the same load (wrk, or the httpx generator without it) and prints req/s, p50/p99, CPU ms per
request of the web processes and of PostgreSQL, and the ratios page 100 / page 1.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from bench.harness import Shop, running_shop
from bench.run import Figure, _measured, _reader

LIMIT = 100
PAGE = 100
FIRST_PAGE = f"/api/v2/products?limit={LIMIT}"


def cursor_of_page(base_url: str, page: int) -> str:
    """The `cursor` that asks for the `page`th page (1-based), found by following `next_cursor`."""
    cursor = ""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for _ in range(page - 1):
            body = client.get(FIRST_PAGE + (f"&cursor={quote(cursor)}" if cursor else "")).raise_for_status().json()
            cursor = body["next_cursor"]
            if not cursor:
                raise SystemExit(f"the list ended before page {page}: seed more products")
    return cursor


def _line(name: str, figure: Figure) -> str:
    load = figure.load
    return (
        f"| {name} | {load.rate:,.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} | "
        f"{figure.web_ms:.2f} | {figure.database_ms:.2f} | {load.errors} |"
    )


def measure(shop: Shop, seconds: float, connections: int, rounds: int) -> tuple[Figure, Figure]:
    """Best of `rounds` for each page, the two interleaved so machine noise falls on both."""
    deep = f"{FIRST_PAGE}&cursor={quote(cursor_of_page(shop.base_url, PAGE))}"
    read, database = _reader(connections, seconds), (shop.postmaster_pid,) if shop.postmaster_pid else ()
    warm = _reader(4, 1.0)
    warm(shop.base_url, [FIRST_PAGE])
    warm(shop.base_url, [deep])
    best: dict[str, Figure] = {}
    for round_ in range(rounds):
        for name in ["first", "deep"] if round_ % 2 == 0 else ["deep", "first"]:
            got = _measured(read, shop.base_url, [FIRST_PAGE if name == "first" else deep], shop.web_pids, database)
            if name not in best or got.load.rate > best[name].load.rate:
                best[name] = got
    return best["first"], best["deep"]


def run(*, products: int, seconds: float, connections: int, rounds: int, web_processes: int) -> None:
    print(f"Preparing a shop with {products:,} products…", flush=True)
    with running_shop(products=products, customers=1, web_processes=web_processes, per_size_database=True) as shop:
        first, deep = measure(shop, seconds, connections, rounds)
    print(
        f"\n{web_processes} web processes; {connections} connections, {seconds:.0f} s per run, best of {rounds}, "
        f"the pages interleaved; {products:,} products, limit={LIMIT}\n"
    )
    print("| page | req/s | p50 ms | p99 ms | CPU ms/request web | CPU ms/request PostgreSQL | errors |")
    print("|---|---|---|---|---|---|---|")
    print(_line("1", first))
    print(_line(str(PAGE), deep))
    rate = deep.load.rate / first.load.rate if first.load.rate else float("nan")
    cpu_first, cpu_deep = first.web_ms + first.database_ms, deep.web_ms + deep.database_ms
    print(
        f"\npage {PAGE} / page 1: {rate:.2f}× the req/s, {cpu_deep / cpu_first if cpu_first else float('nan'):.2f}× "
        f"the CPU per request (web + PostgreSQL), {deep.load.p50_ms / first.load.p50_ms:.2f}× the p50"
    )
