"""Test bootstrap shared by tests/ and e2e/: services, a fresh database, the environment.

Tests never touch the `make run` data: they use their own database (`emporium_test`) and,
when the servers are embedded, their own server directories under `.data/test/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).parent
TEST_DATA_DIR = ROOT / ".data" / "test"

os.environ["APP_ENV"] = "test"
os.environ.setdefault("LOG_FORMAT", "json")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["QUEUE_NAME"] = "emporium-test"
os.environ["DATA_DIR"] = str(TEST_DATA_DIR)
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def _test_redis_url(url: str) -> str:
    """A given Redis server is shared with others: tests use its database 15 and flush only that."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/15"))


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, str]]:
    from app.cli import migrate
    from app.devservices import ensure_services
    from app.settings import get_settings

    given_redis = os.environ.get("REDIS_URL")
    running = ensure_services(TEST_DATA_DIR, "emporium_test", fresh_database=True)
    redis_url = _test_redis_url(given_redis) if given_redis else running.redis_url
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "REDIS_URL")}
    os.environ["DATABASE_URL"] = running.database_url
    os.environ["REDIS_URL"] = redis_url
    get_settings.cache_clear()

    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    migrate()
    yield {"database_url": running.database_url, "redis_url": redis_url}
    running.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
