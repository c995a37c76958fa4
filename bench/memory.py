"""What a web process holds: resident memory after start, after a warm-up mix, after logins.

`python -m bench.memory` starts a `make run`-style shop (bench/harness.py: the 10,000-product bench
database, 2 web processes, production argon2id parameters as in `make bench`), then reads each web
process's memory from /proc at each phase:

- **RSS** (`VmRSS`) and its parts: anonymous memory (`RssAnon`: the Python heap, pools, caches) and
  file-backed pages (`RssFile`: the interpreter, shared libraries, mapped files);
- **PSS** (`smaps_rollup`): RSS with the pages shared between processes (the libraries, what the
  supervisor had before it forked) divided among them, so the web processes' PSS add up to what
  they cost the machine;
- **peak** (`VmHWM`): the highest RSS so far, which is what `bench/run.py` prints.

Phases: just started; after `--requests` anonymous requests spread over the read paths (HTML
catalog, product pages, API v1 and v2 lists and searches); after `--logins`
sequential logins (each one argon2id hash at m=64 MiB on the hashing pool) and their logged-in
pages and cart add/remove; after the OpenAPI documents (built once per process, then cached).
`--env NAME=VALUE` (repeatable) sets an environment variable for the shop's processes, to price
a setting (`--env MALLOC_ARENA_MAX=2`, `--env DATABASE_POOL_MAX=10`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.harness import running_shop, serving_processes
from bench.run import logged_in_client

READ_PATHS = (
    "/",
    "/?search=pro&in_stock=1",
    "/?sort=price",
    "/api/v1/products/?page=1&page_size=20",
    "/api/v1/products/?page=7&page_size=50",
    "/api/v1/products/?search=laptop&min_price=20&max_price=800&in_stock=true&page=2",
    "/api/v2/products/",
    "/api/v2/products/?sort=-price&limit=50",
    "/api/v2/products/?search=wireless",
)
"""Anonymous reads, each path in turn; a product page per product listed is added at start."""


@dataclass(frozen=True)
class Memory:
    rss: float
    anon: float
    file: float
    pss: float
    peak: float

    def line(self) -> str:
        return (
            f"RSS {self.rss:6.1f} (anon {self.anon:5.1f}, file {self.file:5.1f})   PSS {self.pss:6.1f}   "
            f"peak {self.peak:6.1f} MiB"
        )


def memory(pid: int) -> Memory:
    def kib(text: str, key: str) -> float:
        for line in text.splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    status = Path(f"/proc/{pid}/status").read_text()
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return Memory(
        rss=kib(status, "VmRSS"),
        anon=kib(status, "RssAnon"),
        file=kib(status, "RssFile"),
        pss=kib(rollup, "Pss"),
        peak=kib(status, "VmHWM"),
    )


def report(phase: str, pids: tuple[int, ...]) -> list[Memory]:
    figures = [memory(pid) for pid in pids]
    print(f"\n{phase}")
    for pid, figure in zip(pids, figures, strict=True):
        print(f"  web {pid:>7}: {figure.line()}")
    return figures


async def anonymous_reads(base_url: str, count: int, concurrency: int = 8) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        listing = (await client.get("/api/v1/products/?page_size=20")).json()
        paths = [*READ_PATHS, *(f"/products/{product['id']}" for product in listing["results"])]
        queue = itertools.cycle(paths)
        failures = 0

        async def loop(share: int) -> None:
            nonlocal failures
            for _ in range(share):
                response = await client.get(next(queue))
                failures += response.status_code >= 400

        await asyncio.gather(*(loop(count // concurrency) for _ in range(concurrency)))
        return failures


async def logged_in_mix(base_url: str, customers: tuple[str, ...], rounds: int) -> int:
    clients = [await logged_in_client(base_url, name) for name in customers]  # one argon2id hash each
    failures = 0
    try:
        product = (await clients[0].get("/api/v1/products/?in_stock=true&page_size=1")).json()["results"][0]["id"]
        for _ in range(rounds):
            for client in clients:
                added = await client.post("/api/v1/cart/items/", json={"product_id": product, "quantity": 1})
                removed = await client.delete(f"/api/v1/cart/items/{product}/remove/")
                pages = [await client.get(path) for path in ("/", "/cart", "/account/sessions")]
                failures += sum(r.status_code >= 400 for r in (added, removed, *pages))
    finally:
        for client in clients:
            await client.aclose()
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000, help="catalog size (its bench database is kept)")
    parser.add_argument("--requests", type=int, default=4_000, help="anonymous requests in the warm-up mix")
    parser.add_argument("--logins", type=int, default=10, help="customers who log in (one argon2id hash each)")
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="for the shop's processes")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.env)
    with running_shop(
        products=args.products,
        customers=args.logins,
        web_processes=args.web_processes,
        per_size_database=True,
        settings=settings,
    ) as shop:
        web = serving_processes(shop.web_pids)
        print(f"settings: {settings or 'defaults'}; {args.products:,} products, {len(web)} web processes")
        report("started (before any request)", web)
        failures = asyncio.run(anonymous_reads(shop.base_url, args.requests))
        report(f"after {args.requests:,} anonymous reads ({failures} failed)", web)
        failures = asyncio.run(anonymous_reads(shop.base_url, args.requests))
        report(f"after {args.requests:,} more (steady?) ({failures} failed)", web)
        failures = asyncio.run(logged_in_mix(shop.base_url, shop.customers, rounds=3))
        report(f"after {len(shop.customers)} logins and their pages and carts ({failures} failed)", web)
        documents = [httpx.get(f"{shop.base_url}/api/{v}/openapi.json", timeout=30) for v in ("v1", "v2") * 2]
        report(f"after the OpenAPI documents, twice per process ({sum(r.is_error for r in documents)} failed)", web)


if __name__ == "__main__":
    main()
