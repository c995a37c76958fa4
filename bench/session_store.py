"""What knowing the logged-in user costs per request, by session store: `python -m bench.session_store`.

- postgresql: today's path, PostgresSessionStore.load() (session, user and groups in one statement,
  inside a transaction that names the tenant).
- redis: the former path, the RedisSessionStore's commands (GETEX + GETDEL in one pipeline) followed
  by AuthService.current_user() (the user and their groups, in a unit of work).

Sequential calls from one client on the bench's own servers (embedded unless DATABASE_URL/REDIS_URL
are set), after a warm-up; it prints figures and asserts nothing (bench/ holds no tests).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

from bench.harness import DATA_DIR


async def _measure(name: str, call: Callable[[], Awaitable[object]], rounds: int) -> None:
    for _ in range(min(200, rounds)):
        await call()  # warm-up: pooled connections, prepared statements
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    p99 = durations[int(len(durations) * 0.99) - 1]
    print(
        f"{name:<11} mean {statistics.fmean(durations):6.3f} ms   p50 {statistics.median(durations):6.3f} ms   "
        f"p99 {p99:6.3f} ms   ({rounds} calls)"
    )


async def _run(rounds: int) -> None:
    from app.domain.users import Role
    from app.main import build_container
    from app.settings import get_settings

    settings = get_settings()
    container = build_container(settings)
    await container.database.connect()
    tenant = settings.app.default_tenant_id
    try:
        await container.auth.ensure_user(tenant, "bench-session", "bench-session-password", Role.CUSTOMER)
        user = await container.auth.authenticate(tenant, "bench-session", "bench-session-password")
        data = {"user_id": str(user.user_id), "_created_at": time.time()}
        await container.sessions.save(tenant, "bench-token", dict(data))
        redis = container.redis
        await redis.set("session:bench-token", json.dumps(data), ex=3600)

        async def postgresql() -> None:
            stored = await container.sessions.load(tenant, "bench-token")
            assert stored is not None and stored.user is not None

        async def redis_then_user_query() -> None:
            async with redis.pipeline(transaction=True) as pipe:
                pipe.getex("session:bench-token", ex=3600)
                pipe.getdel("session-rotate:bench-token")
                raw, _ = await pipe.execute()
            loaded = json.loads(raw)
            assert await container.auth.current_user(tenant, UUID(loaded["user_id"])) is not None

        print(f"Per-request cost of knowing the logged-in user ({rounds} sequential calls each):")
        await _measure("postgresql", postgresql, rounds)
        await _measure("redis", redis_then_user_query, rounds)
    finally:
        await container.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()

    from app.cli import migrate
    from app.devservices import ensure_services
    from app.settings import get_settings

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    services = ensure_services(DATA_DIR, "emporium_bench")
    os.environ.update({"DATABASE_URL": services.database_url, "REDIS_URL": services.redis_url})
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    try:
        migrate()
        asyncio.run(_run(args.rounds))
    finally:
        services.stop()


if __name__ == "__main__":
    main()
