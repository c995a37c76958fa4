"""CPU per request of the shop's whole ASGI stack against the bare app, in one process, without the network.

`python -m bench.inprocess --path '/api/v1/products/?page=1&page_size=20'` starts PostgreSQL and
Redis on the bench database of `--products` (as bench/profile.py does), builds the shop with
`create_app()` (every middleware, the Litestar app, the real pool and Redis client) and the bare app
of bench/bare_app.py in this process, and calls each with the same request: `--rounds` short runs of
`--requests` requests on each, alternating, so both see the same machine (one request at a time, on
uvloop). It prints this process's CPU time per request (`time.process_time`: the ASGI stack plus
the client side of asyncpg and redis-py; the servers' CPU is not in it), which on a shared machine
is far steadier than a load test's requests/s, so one change to the Python path can be priced in a
minute. With `--profile` it runs the shop once more under cProfile (CPU time) and prints the
functions with the most time (inclusive and own).

It prices the Python per request, not the server: no uvicorn, no sockets, no concurrency. Use
`bench/profile.py` or `bench/run.py` for figures under load.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import shutil
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    parts = urlsplit(path)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _call(app: ASGI, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    status = 0
    body = b""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    await app(_scope(path, headers), receive, send)
    return status, body


async def _cpu_ms(app: ASGI, paths: list[str], headers: list[tuple[bytes, bytes]], requests: int) -> float:
    started = time.process_time()
    for n in range(requests):
        status, body = await _call(app, paths[n % len(paths)], headers)
        if status != 200:
            raise RuntimeError(f"{paths[n % len(paths)]}: {status} {body[:200]!r}")
    return (time.process_time() - started) * 1000 / requests


async def _bare_started() -> ASGI:
    from bench import bare_app

    messages = iter([{"type": "lifespan.startup"}])
    started = asyncio.Event()

    async def receive() -> dict[str, Any]:
        try:
            return next(messages)
        except StopIteration:
            await asyncio.Event().wait()  # never: the bare app's pool lives until the process ends
            raise

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()

    asyncio.get_running_loop().create_task(bare_app.app({"type": "lifespan"}, receive, send))
    await started.wait()
    return bare_app.app


async def _main(args: argparse.Namespace) -> None:
    from app.main import create_app
    from app.settings import get_settings

    get_settings.cache_clear()
    shop = create_app()
    headers = [(b"host", b"127.0.0.1"), (b"accept", b"*/*"), (b"user-agent", b"bench")]
    async with shop.lifespan():
        bare = await _bare_started()
        targets: list[tuple[str, ASGI]] = [("shop", shop)]
        if not args.no_bare:
            targets.append(("bare", bare))
        for _, app in targets:  # warm: prepared statements, caches, the pool
            await _cpu_ms(app, args.path, headers, 200)
        print(f"{args.path}: CPU ms per request in this process, {args.requests} requests per run")
        figures: dict[str, list[float]] = {name: [] for name, _ in targets}
        for round_ in range(args.rounds):
            for name, app in targets if round_ % 2 == 0 else reversed(targets):
                figures[name].append(await _cpu_ms(app, args.path, headers, args.requests))
        for name, values in figures.items():
            print(f"  {name:<5} mean {statistics.fmean(values):.3f}   median {statistics.median(values):.3f}"
                  f"   min {min(values):.3f}   max {max(values):.3f}")  # fmt: skip
        if "bare" in figures:
            mean = statistics.fmean(figures["shop"]) / statistics.fmean(figures["bare"])
            minima = min(figures["shop"]) / min(figures["bare"])
            print(f"  shop/bare: {mean:.2f}x by the means, {minima:.2f}x by the minima")
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waits
            profiler.enable()
            await _cpu_ms(shop, args.path, headers, args.requests)
            profiler.disable()
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
                print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="per run")
    parser.add_argument("--rounds", type=int, default=20, help="runs on each app, alternating")
    parser.add_argument("--no-bare", action="store_true", help="the shop alone (a path the bare app does not serve)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()

    import uvloop

    from app.devservices import ensure_services
    from bench.catalog_plans import DATABASE
    from bench.harness import DATA_DIR

    services = ensure_services(DATA_DIR, f"{DATABASE}_{args.products}")
    metrics_dir = DATA_DIR / "metrics-inprocess"  # multi-process metrics, as under uvicorn's workers
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    from app.settings import get_settings

    get_settings.cache_clear()
    os.environ.update(
        {
            "DATABASE_URL": services.database_url,
            "REDIS_URL": services.redis_url,
            "DATA_DIR": str(DATA_DIR),
            "APP_ENV": "development",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
            "TEMPLATE_AUTO_RELOAD": "false",
            "DATABASE_POOL_MAX": "20",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "BARE_TENANT_ID": str(get_settings().app.default_tenant_id),
            **dict.fromkeys(("RATE_LIMIT_READS", "RATE_LIMIT_WRITES", "RATE_LIMIT_LOGIN_ADDRESS"), "1000000/60"),
        }
    )
    try:
        uvloop.run(_main(args))
    finally:
        services.stop()


if __name__ == "__main__":
    main()
