"""Test bootstrap shared by tests/ and e2e/: services, a fresh database, the environment.

Tests never touch the `make run` data: they use their own database (`emporium_test`) and,
when the servers are embedded, their own server directories under `.data/test/`.
"""

from __future__ import annotations

import fcntl
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
# The test client's address is no IP address, so tests scrape /metrics with the token (`scraper()`).
os.environ.setdefault("METRICS_TOKEN", "test-scraper-token")
os.environ["DATA_DIR"] = str(TEST_DATA_DIR)
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
# Suites log in and browse far more than a person: generous limits, so no test is limited by accident
# (the rate-limit tests set tight ones themselves). The policies still run, so every request pays their cost.
for _policy in ("RATE_LIMIT_LOGIN_ACCOUNT", "RATE_LIMIT_LOGIN_ADDRESS", "RATE_LIMIT_WRITES", "RATE_LIMIT_READS"):
    os.environ.setdefault(_policy, "100000/60")


def _test_redis_url(url: str) -> str:
    """A given Redis server is shared with others: tests use its database 15 and flush only that."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/15"))


@pytest.fixture(scope="session")
def test_run_lock() -> Iterator[None]:
    """One test run per checkout at a time: a second run would drop the first one's database."""
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(TEST_DATA_DIR / ".test-run.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("\nAnother test run is using .data/test; waiting for it to finish…", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def services(test_run_lock: None) -> Iterator[dict[str, str]]:
    from app.cli import migrate
    from app.devservices import database_name_of, ensure_services
    from app.settings import get_settings

    given_redis = os.environ.get("REDIS_URL")
    given_database = os.environ.get("DATABASE_URL")
    test_database = f"{database_name_of(given_database)}_test" if given_database else "emporium_test"
    running = ensure_services(TEST_DATA_DIR, test_database, fresh_database=True)
    redis_url = _test_redis_url(given_redis) if given_redis else running.redis_url
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL")}
    os.environ["DATABASE_URL"] = running.database_url  # the application role: what the app under test uses
    os.environ["MIGRATION_DATABASE_URL"] = running.migration_database_url
    os.environ["REDIS_URL"] = redis_url
    get_settings.cache_clear()

    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    migrate()
    # `owner_database_url` is for arranging and inspecting data across tenants (the owner bypasses
    # row-level security); the app and the code under test use `database_url`.
    yield {
        "database_url": running.database_url,
        "owner_database_url": running.migration_database_url,
        "redis_url": redis_url,
    }
    running.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
