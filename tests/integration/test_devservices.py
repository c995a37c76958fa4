"""The embedded servers are shared by commands on one data directory, and stopped by their starter.

`make seed` run while `make run` is up must not pull PostgreSQL or Redis from under the shop.
These tests start real embedded servers in a temporary directory (DATABASE_URL and REDIS_URL
unset, as on a fresh machine).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
import redis

from app.devservices import _start_embedded_redis, ensure_services


def _postgres_answers(url: str) -> bool:
    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(url, timeout=5)
        except (OSError, asyncpg.PostgresError):
            return False
        await connection.close()
        return True

    return asyncio.run(probe())


def _redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


def test_a_second_command_shares_the_servers_and_leaves_them_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    first = ensure_services(tmp_path, "shop")
    try:
        second = ensure_services(tmp_path, "shop")
        assert second.database_url == first.database_url
        assert second.redis_url == first.redis_url, "the second command started its own Redis"

        second.stop()

        assert _postgres_answers(first.database_url), "stopping the second command stopped PostgreSQL"
        assert _redis_answers(first.redis_url), "stopping the second command stopped Redis"
    finally:
        first.stop()

    assert not _postgres_answers(first.database_url), "the starter left PostgreSQL running"
    assert not _redis_answers(first.redis_url), "the starter left Redis running"


def test_the_embedded_redis_keeps_its_data_across_a_restart(tmp_path: Path) -> None:
    """Sessions and queued jobs live in Redis: stopping and starting the server must not lose them."""
    url, stop = _start_embedded_redis(tmp_path / "redis")
    client = redis.Redis.from_url(url)
    try:
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        client.set("kept", "across a restart")
    finally:
        client.close()
        stop()  # type: ignore[operator]

    url, stop = _start_embedded_redis(tmp_path / "redis")
    client = redis.Redis.from_url(url)
    try:
        assert client.get("kept") == b"across a restart"
    finally:
        client.close()
        stop()  # type: ignore[operator]


STARTER = """
import sys
from pathlib import Path
from app.devservices import ensure_services
services = ensure_services(Path(sys.argv[1]), "shop")
print(services.database_url, services.redis_url, flush=True)
sys.stdin.read()
"""


def test_a_starter_killed_with_minus_9_leaves_no_server_running(tmp_path: Path) -> None:
    """`make run` killed with -9 must not leave PostgreSQL or Redis behind (nobody would stop them)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        database_url, redis_url = starter.stdout.readline().decode().split()  # type: ignore[union-attr]
        assert _postgres_answers(database_url) and _redis_answers(redis_url)

        starter.kill()
        starter.wait(5)

        _wait_for(lambda: not _postgres_answers(database_url), "PostgreSQL stopped after its starter died")
        _wait_for(lambda: not _redis_answers(redis_url), "Redis stopped after its starter died")
    finally:
        if starter.poll() is None:
            starter.kill()


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.1)
