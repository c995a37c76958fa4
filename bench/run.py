"""Load benchmarks against a real server: `make bench` (or `python -m bench.run --help`).

For each catalog size (`--sizes 10000,100000,1000000`; each size has its own database under
.data/bench, shared with bench/catalog_plans.py and kept between runs) it starts the shop and, on the
same database, the bare ASGI + asyncpg app of bench/bare_app.py running the catalog reader's own SQL,
both with the same number of web processes. Each read scenario runs on the shop and on the bare app
in turn with wrk (Debian's package; the httpx load generator below when wrk is missing), for a fixed
time with a fixed number of connections, and every figure is printed as a ratio to the bare app's in
the same run, beside the CPU milliseconds per request of the web processes and of PostgreSQL read
from /proc (steadier than requests/s on a shared machine) and p50/p99 latency. The cart add+remove
loop runs as logged-in customers on the shop alone. The end prints each process's peak memory and
which of issue 12's targets the run meets. The load generator runs on the same 2-core machine as the
servers, so the figures are a floor and a comparison, not a capacity claim.
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

from bench import wrk
from bench.harness import (
    CUSTOMER_PASSWORD,
    BareApp,
    Shop,
    cpu_seconds,
    peak_rss_mib,
    rss_mib,
    running_bare_app,
    running_shop,
    serving_processes,
)
from bench.wrk import Load


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


TERMS = ("pro", "laptop", "wireless", "smart", "mini", "cable")
READS: tuple[tuple[str, list[str], bool], ...] = (
    ("JSON list page 1", ["/api/v1/products/?page=1&page_size=20"], True),
    (
        "JSON filtered search page 3",
        [f"/api/v1/products/?search={t}&min_price=20&max_price=800&in_stock=true&page=3" for t in TERMS],
        True,
    ),
    ("JSON list page 400 (v1)", ["/api/v1/products/?page=400&page_size=20"], True),
    ("HTML catalog / (anonymous)", ["/"], False),
)
"""(scenario, paths spread over its requests, whether the bare app serves it too)."""
HTML_AGAINST = "JSON list page 1"
"""The bare figure the HTML page is compared with (the bare app has no HTML)."""


@dataclass
class Figure:
    """One scenario against one server: the load's figures and the CPU it cost, per request."""

    load: Load
    web_ms: float
    database_ms: float

    def cell(self) -> str:
        return f"{self.load.rate:,.0f}"

    def cpu(self) -> str:
        return f"{self.web_ms:.2f} / {self.database_ms:.2f}"


@dataclass
class Row:
    scenario: str
    shop: Figure
    bare: Figure | None
    against: Figure | None
    """The bare figure the ratio is taken to (the same scenario's, or the JSON list's for the HTML page)."""

    @property
    def cpu_ratio(self) -> float | None:
        """Bare CPU per request / Emporium's (web + PostgreSQL): the ratio a CPU-bound machine would show,
        steadier than requests/s when other work shares the cores."""
        if self.against is None:
            return None
        ours = self.shop.web_ms + self.shop.database_ms
        return (self.against.web_ms + self.against.database_ms) / ours if ours else None

    @property
    def ratio(self) -> float | None:
        return self.shop.load.rate / self.against.load.rate if self.against and self.against.load.rate else None


Reader = Callable[[str, list[str]], Load]


def _settled(database: tuple[int, ...], *, window: float = 0.5, busy: float = 0.05, longest: float = 60.0) -> None:
    """Wait until PostgreSQL is idle: under `busy` of a core over `window` seconds (at most `longest`).

    A load generator stops at its time, but statements already sent run to their end: at 1M products,
    20 filtered searches of about half a CPU second each. Measured without this wait, the next scenario's
    CPU per request carried them.
    """
    deadline = time.monotonic() + longest
    while time.monotonic() < deadline:
        before = cpu_seconds(database)
        time.sleep(window)
        if cpu_seconds(database) - before < busy * window:
            return


def _measured(read: Reader, base_url: str, paths: list[str], web: tuple[int, ...], database: tuple[int, ...]) -> Figure:
    _settled(database)
    web_before, database_before = cpu_seconds(web), cpu_seconds(database)
    result = read(base_url, paths)
    requests = max(1, result.requests)
    return Figure(
        result,
        (cpu_seconds(web) - web_before) * 1000 / requests,
        (cpu_seconds(database) - database_before) * 1000 / requests,
    )


def _reader(connections: int, seconds: float) -> Reader:
    if wrk.available():
        return lambda base, paths: wrk.run_wrk(base, paths, seconds, connections)
    return lambda base, paths: asyncio.run(wrk.run_httpx(base, paths, seconds, connections))


def compare(shop: Shop, bare: BareApp, seconds: float, connections: int, rounds: int) -> list[Row]:
    """Every read scenario on the shop and on the bare app in turn (the order alternating by round),
    best of `rounds` each; then the cart loop on the shop."""
    read = _reader(connections, seconds)
    database = (shop.postmaster_pid,) if shop.postmaster_pid else ()
    _check_same_answers(shop, bare)
    warm = _reader(4, 1.0)
    for _, paths, on_bare in READS:  # caches, pools and prepared statements warm on both
        warm(shop.base_url, paths)
        if on_bare:
            warm(bare.base_url, paths)
    rows: list[Row] = []
    bare_by_name: dict[str, Figure] = {}
    for name, paths, on_bare in READS:
        shop_best: Figure | None = None
        bare_best: Figure | None = None
        for round_ in range(rounds):
            order = ["shop", "bare"] if round_ % 2 == 0 else ["bare", "shop"]
            for target in order:
                if target == "shop":
                    got = _measured(read, shop.base_url, paths, shop.web_pids, database)
                    shop_best = got if shop_best is None or got.load.rate > shop_best.load.rate else shop_best
                elif on_bare:
                    got = _measured(read, bare.base_url, paths, bare.pids, database)
                    bare_best = got if bare_best is None or got.load.rate > bare_best.load.rate else bare_best
        assert shop_best is not None
        if bare_best is not None:
            bare_by_name[name] = bare_best
        rows.append(Row(name, shop_best, bare_best, bare_best or bare_by_name.get(HTML_AGAINST)))
    cart = asyncio.run(_cart(shop, seconds))
    rows.append(Row(f"cart add+remove ({len(shop.customers)} customers)", cart, None, None))
    return rows


def _check_same_answers(shop: Shop, bare: BareApp) -> None:
    """The bare app must answer what the shop answers, or the ratio compares different work."""
    for name, paths, on_bare in READS:
        for path in paths if on_bare else []:
            ours, floor = httpx.get(shop.base_url + path, timeout=30), httpx.get(bare.base_url + path, timeout=30)
            if ours.json() != floor.json():
                raise RuntimeError(f"{name}: the bare app's answer to {path} differs from the shop's")
    print("bare app: same JSON as the shop for every read scenario's paths", flush=True)


async def cart_round(
    base_url: str, customers: tuple[str, ...], measured: tuple[tuple[int, ...], ...], seconds: float
) -> tuple[Load, list[float]]:
    """The cart loop for `seconds`: each customer adds one unit of a random well-stocked product and
    removes it, over and over, by wrk (one thread and connection per customer) or, without wrk, the
    httpx load generator. Returns the load's figures and each of `measured`'s groups of processes'
    CPU milliseconds per request (PostgreSQL settled first)."""
    clients = [await logged_in_client(base_url, name) for name in customers]
    try:
        listing = (await clients[0].get("/api/v1/products/", params={"page_size": "100", "in_stock": "true"})).json()
        product_ids = [p["id"] for p in listing["results"] if p["stock_quantity"] > 100][:50]
        sessions = [("; ".join(f"{k}={v}" for k, v in c.cookies.items()), c.headers["X-CSRFToken"]) for c in clients]
        await asyncio.to_thread(_settled, measured[-1])
        before = [cpu_seconds(pids) for pids in measured]
        if wrk.available():
            load = await asyncio.to_thread(wrk.run_wrk_cart, base_url, sessions, product_ids, seconds)
        else:
            result = await run_scenario("cart", clients, cart_loop(product_ids), seconds)
            load = wrk.from_latencies(result.latencies, result.seconds, result.errors)
        spent = [cpu_seconds(pids) - was for pids, was in zip(measured, before, strict=True)]
    finally:
        for client in clients:
            await client.aclose()
    return load, [seconds_ * 1000 / max(1, load.requests) for seconds_ in spent]


async def _cart(shop: Shop, seconds: float) -> Figure:
    database = (shop.postmaster_pid,) if shop.postmaster_pid else ()
    load, (web_ms, database_ms) = await cart_round(shop.base_url, shop.customers, (shop.pids, database), seconds)
    return Figure(load, web_ms, database_ms)


def table(size: int, rows: list[Row]) -> str:
    lines = [
        f"### {size:,} products",
        "",
        "| Scenario | Emporium req/s | Bare req/s | ratio | ratio by CPU "
        "| CPU ms/req web / PG, Emporium | CPU ms/req web / PG, bare "
        "| p50 / p99 ms, Emporium | p99 ms, bare | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        bare = row.bare
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "—"
        if row.bare is None and row.against is not None:
            ratio += " (of bare JSON list)"
        errors = row.shop.load.errors + (bare.load.errors if bare else 0)
        lines.append(
            f"| {row.scenario} | {row.shop.cell()} | {bare.cell() if bare else '—'} | {ratio} "
            f"| {f'{row.cpu_ratio:.2f}×' if row.cpu_ratio is not None else '—'} | {row.shop.cpu()} "
            f"| {bare.cpu() if bare else '—'} | {row.shop.load.p50_ms:.0f} / {row.shop.load.p99_ms:.0f} "
            f"| {f'{bare.load.p99_ms:.0f}' if bare else '—'} | {errors} |"
        )
    return "\n".join(lines)


def targets(rows: list[Row], web_rss: list[float]) -> list[str]:
    """The issue's targets that this run can check, each met or not; `web_rss` is the web processes' steady RSS."""
    found = []
    for row in rows:
        if row.ratio is None:
            continue
        goal = 0.5 if row.bare is None else 0.7
        verdict = "met" if row.ratio >= goal else "NOT met"
        found.append(f"{row.scenario}: {row.ratio:.2f}× ≥ {goal}× bare — {verdict}")
    if web_rss:
        verdict = "met" if max(web_rss) <= 100 else "NOT met"
        found.append(f"web process steady RSS {max(web_rss):.0f} MiB ≤ 100 MiB — {verdict}")
    return found


def main_compare(args: argparse.Namespace) -> None:
    sizes = [int(size) for size in args.sizes.split(",")]
    tool = "wrk" if wrk.available() else "the httpx load generator (wrk is not installed)"
    page1: dict[int, float] = {}
    for size in sizes:
        print(f"\nPreparing a shop with {size:,} products and {args.customers} customers…", flush=True)
        with (
            running_shop(
                products=size, customers=args.customers, web_processes=args.web_processes, per_size_database=True
            ) as shop,
            running_bare_app(web_processes=args.web_processes) as bare,
        ):
            rows = compare(shop, bare, args.seconds, args.concurrency, args.read_rounds)
            shop_rss, bare_rss = peak_rss_mib(shop.pids), peak_rss_mib(bare.pids)
            shop_now = rss_mib(shop.pids)
            shop_web, bare_web = serving_processes(shop.web_pids), serving_processes(bare.pids)
        web_rss = [shop_rss[pid] for pid in shop_web if pid in shop_rss]
        web_steady = [shop_now[pid] for pid in shop_web if pid in shop_now]
        print(
            f"\n{args.web_processes} web processes each; reads by {tool}, {args.concurrency} connections, "
            f"{args.seconds:.0f} s per run, best of {args.read_rounds}, shop and bare interleaved; "
            "ratio = Emporium / bare in the same run\n"
        )
        print(table(size, rows))
        worker = shop.pids[-1]
        print(
            "\npeak RSS (MiB): Emporium supervisor "
            f"{shop_rss.get(shop.web_pids[0], 0):.0f}, web {', '.join(f'{mib:.0f}' for mib in web_rss)}, "
            f"worker {shop_rss.get(worker, 0):.0f}; bare supervisor {bare_rss.get(bare.pids[0], 0):.0f}, web "
            + ", ".join(f"{bare_rss[pid]:.0f}" for pid in bare_web if pid in bare_rss)
            + f"\nRSS at the end (MiB): Emporium web {', '.join(f'{mib:.0f}' for mib in web_steady)} "
            "(the peak adds the logins' argon2id working memory: 64 MiB per hash at once)"
        )
        print("targets: " + "; ".join(targets(rows, web_steady)))
        page1[size] = rows[0].shop.load.rate
    if len(page1) > 1:
        smallest, largest = min(page1), max(page1)
        slower = page1[smallest] / page1[largest] if page1[largest] else float("inf")
        verdict = "met" if slower <= 1.5 else "NOT met"
        print(
            f"\nJSON list page 1 at {largest:,} is {slower:.2f}× slower than at {smallest:,} "
            f"(target ≤ 1.5×) — {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        default="10000",
        help="catalog sizes to compare the shop with the bare app at, comma-separated (e.g. 10000,100000,1000000); "
        "each size has its own database under .data/bench, kept for the next run",
    )
    parser.add_argument(
        "--read-rounds", type=int, default=1, help="runs of each read scenario per server, interleaved (best kept)"
    )
    parser.add_argument("--products", type=int, default=10_000, help="catalog size for --locking")
    parser.add_argument("--customers", type=int, default=20, help="logged-in customers in the cart loop")
    parser.add_argument("--concurrency", type=int, default=20, help="anonymous clients for catalog scenarios")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each scenario")
    parser.add_argument("--web-processes", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument(
        "--catalog-plans",
        metavar="SIZES",
        help="instead of the load scenarios, EXPLAIN every catalog query at these catalog sizes "
        "(comma-separated, e.g. 10000,100000,1000000; see bench/catalog_plans.py)",
    )
    parser.add_argument(
        "--locking",
        action="store_true",
        help="instead: stock locking, pessimistic against optimistic at low and high contention (bench/locking.py)",
    )
    parser.add_argument(
        "--cursor-pages",
        action="store_true",
        help="instead: API v2's 100th cursor page against its 1st, limit=100, at --products (bench/cursor_pages.py)",
    )
    from bench import locking

    locking.add_arguments(parser)
    args = parser.parse_args()
    if args.cursor_pages:
        from bench.cursor_pages import run as cursor_pages

        cursor_pages(
            products=args.products,
            seconds=args.seconds,
            connections=args.concurrency,
            rounds=args.read_rounds,
            web_processes=args.web_processes,
        )
        return
    if args.catalog_plans:
        from bench.catalog_plans import run as explain_catalog

        explain_catalog([int(size) for size in args.catalog_plans.split(",")])
        return
    if args.locking:
        locking.run(
            products=min(args.products, 1_000),
            customers=args.customers,
            seconds=args.seconds,
            rounds=args.rounds,
            web_processes=args.web_processes,
        )
        return

    main_compare(args)


if __name__ == "__main__":
    main()
