"""Logins under load: `/health/live` and product-page p99 while 32 clients guess passwords, and the limiter's cost.

`python -m bench.login_load` runs three phases against a `make run`-style shop (bench/harness.py,
production argon2id parameters: APP_ENV=development):

1. quiet — the probes alone;
2. 32 guessers, unthrottled — login limits set out of reach, so every attempt runs argon2id
   (what the shop did before rate limits, with hashing already off the event loop);
3. 32 guessers, throttled — the default login policies (5 per account, 20 per address in 5 min).

Then it times the limiter itself against the shop's Redis: one `hit` (the moving-window Lua script
and the window read) beside a plain PING. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import uuid

import httpx

from bench.harness import Shop, running_shop

GUESSERS = 32
PROBES = 4
"""Clients for each probed page: enough for a p99, few enough not to be the load themselves."""
OUT_OF_REACH = "1000000/60"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000 if ordered else 0.0


async def probe(client: httpx.AsyncClient, path: str, until: float, samples: list[float]) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.get(path)
        samples.append(time.perf_counter() - started)
        response.raise_for_status()


async def guess(client: httpx.AsyncClient, username: str, until: float, answers: dict[int, list[float]]) -> None:
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await client.post("/api/v1/auth/login/", json={"username": username, "password": "wrong"})
        answers.setdefault(response.status_code, []).append(time.perf_counter() - started)


async def phase(shop: Shop, name: str, seconds: float, guessers: int) -> str:
    async with httpx.AsyncClient(base_url=shop.base_url, timeout=60, limits=httpx.Limits(max_connections=100)) as c:
        listing = (await c.get("/api/v1/products/", params={"page_size": "1"})).json()
        product_page = f"/products/{listing['results'][0]['id']}"
        health: list[float] = []
        product: list[float] = []
        answers: dict[int, list[float]] = {}
        until = time.perf_counter() + seconds
        accounts = [shop.customers[n % len(shop.customers)] for n in range(guessers)]
        await asyncio.gather(
            *(probe(c, "/health/live", until, health) for _ in range(PROBES)),
            *(probe(c, product_page, until, product) for _ in range(PROBES)),
            *(guess(c, account, until, answers) for account in accounts),
        )
    logins = ", ".join(
        f"{status}: {len(times)} (p50 {statistics.median(times) * 1000:.0f} ms)"
        for status, times in sorted(answers.items())
    )
    return (
        f"{name:<28} /health/live p99 {percentile(health, 0.99):>7.1f} ms   "
        f"product page p99 {percentile(product, 0.99):>7.1f} ms (p50 {statistics.median(product) * 1000:.1f})   "
        f"logins {logins or 'none'}"
    )


async def clear_counters(redis_url: str) -> None:
    """Start each run with empty rate-limit counters (the bench's Redis outlives a run)."""
    from redis.asyncio import Redis

    from app.adapters.rate_limits import KEY_PREFIX

    redis = Redis.from_url(redis_url)
    try:
        async for key in redis.scan_iter(match=f"{KEY_PREFIX}*"):
            await redis.delete(key)
    finally:
        await redis.aclose()


async def limiter_cost(redis_url: str, hits: int = 2000) -> str:
    from app.adapters.rate_limits import redis_rate_limiter
    from app.adapters.redis_client import guarded_redis
    from app.services.rate_limits import RateLimitPolicy

    redis = guarded_redis(redis_url, None, connect_timeout=1, command_timeout=1)
    limiter = redis_rate_limiter(redis)
    policy = RateLimitPolicy.parse("bench", "100/60")  # a typical list length for the reads policy
    try:
        pings, costs = [], []
        for n in range(hits):
            started = time.perf_counter()
            await redis.ping()
            pings.append(time.perf_counter() - started)
            started = time.perf_counter()
            await limiter.hit(policy, f"{uuid.uuid4()}" if n % 2 else "one-busy-key")
            costs.append(time.perf_counter() - started)
    finally:
        await redis.aclose()
    hit_p50 = statistics.median(costs) * 1000
    return (
        f"limiter hit (2 round trips)  p50 {hit_p50:.3f} ms   p99 {percentile(costs, 0.99):.3f} ms"
        f"   |   PING p50 {statistics.median(pings) * 1000:.3f} ms   p99 {percentile(pings, 0.99):.3f} ms"
        f"   ({hits} each, sequential)"
    )


POLICIES = {
    "unthrottled": {"RATE_LIMIT_LOGIN_ACCOUNT": OUT_OF_REACH, "RATE_LIMIT_LOGIN_ADDRESS": OUT_OF_REACH},
    "throttled": {"RATE_LIMIT_LOGIN_ACCOUNT": "5/300", "RATE_LIMIT_LOGIN_ADDRESS": "20/300"},
}


def run(policies: str, args: argparse.Namespace) -> list[str]:
    shop_args = {"products": args.products, "customers": 8, "web_processes": args.web_processes}
    with running_shop(**shop_args, settings=POLICIES[policies]) as shop:
        asyncio.run(clear_counters(shop.redis_url))
        lines = []
        if policies == "unthrottled":
            lines.append(asyncio.run(phase(shop, "quiet", args.seconds, 0)))
        lines.append(asyncio.run(phase(shop, f"{GUESSERS} guessers, {policies}", args.seconds, GUESSERS)))
        if policies == "unthrottled":
            lines.append(asyncio.run(limiter_cost(shop.redis_url)))
        return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=1_000, help="catalog size (default 1,000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each phase")
    parser.add_argument("--web-processes", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--policies", choices=sorted(POLICIES), help="one shop only (each run starts its own)")
    args = parser.parse_args()
    if args.policies:
        print("\n".join(run(args.policies, args)), flush=True)
        return
    # The settings are read when the shop's processes start, so each set of policies gets a fresh run.
    print(f"{args.web_processes} web processes, {PROBES} clients per probed page, {args.seconds:.0f} s per phase")
    for policies in ("unthrottled", "throttled"):
        command = [sys.executable, "-m", "bench.login_load", "--policies", policies]
        command += ["--products", str(args.products), "--seconds", str(args.seconds)]
        subprocess.run([*command, "--web-processes", str(args.web_processes)], check=True)


if __name__ == "__main__":
    main()
