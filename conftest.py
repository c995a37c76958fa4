"""Test bootstrap shared by tests/ and e2e/: services, a fresh database, the environment.

Tests never touch the `make run` data: they use their own database (`emporium_test`) and,
when the servers are embedded, their own server directories under `.data/test/`.

Run in parallel (`pytest -n 2`, pytest-xdist; `make test` does), the controller process starts
the servers and migrates `emporium_test` once, then gives each worker a copy of it
(`emporium_test_gw0`, … made with CREATE DATABASE … TEMPLATE), a Redis database of its own
(index 1 + the worker's number) and a DATA_DIR of its own; the workers never share a row, a key or
a file (docs/adr/0016-parallel-tests-one-database-per-worker.md). Tests marked `serial` do not
take part: they stop or load the shared servers (tests/faults restarts PostgreSQL), so `make test`
runs them afterwards, alone.
"""

from __future__ import annotations

import fcntl
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from app.devservices import Services
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).parent
TEST_DATA_DIR = ROOT / ".data" / "test"
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … in a pytest-xdist worker
WORKER_DATA_DIR = TEST_DATA_DIR / "workers" / XDIST_WORKER if XDIST_WORKER else TEST_DATA_DIR
"""This process's own files (mail, logs): a worker's are its own, beside the shared servers' directories."""
SERIAL_DIRECTORIES = (ROOT / "tests" / "faults",)
"""Their tests are `serial` (see `pytest_collection_modifyitems`)."""

os.environ["APP_ENV"] = "test"
os.environ.setdefault("LOG_FORMAT", "json")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["QUEUE_NAME"] = "emporium-test"
# The test client's address is no IP address, so tests scrape /metrics with the token (`scraper()`).
os.environ.setdefault("METRICS_TOKEN", "test-scraper-token")
os.environ["DATA_DIR"] = str(WORKER_DATA_DIR)
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
# Suites log in and browse far more than a person: generous limits, so no test is limited by accident
# (the rate-limit tests set tight ones themselves). The policies still run, so every request pays their cost.
for _policy in ("RATE_LIMIT_LOGIN_ACCOUNT", "RATE_LIMIT_LOGIN_ADDRESS", "RATE_LIMIT_WRITES", "RATE_LIMIT_READS"):
    os.environ.setdefault(_policy, "100000/60")


def _test_redis_url(url: str) -> str:
    """A given Redis server is shared with others: tests use its database 15 and flush only that."""
    return _with_redis_database(url, 15)


def _with_redis_database(url: str, index: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{index}"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `serial` the tests of SERIAL_DIRECTORIES; `-m serial` / `-m "not serial"` selects by it."""
    for item in items:
        if any(directory in item.path.parents for directory in SERIAL_DIRECTORIES):
            item.add_marker(pytest.mark.serial)


# ---- pytest-xdist: the controller prepares the servers and one database per worker ----


class _ParallelRun:
    """The controller's state: the run lock, the servers it started (migrated `emporium_test`, the template)."""

    def __init__(self) -> None:
        self.lock: IO[str] | None = None
        self.template: Services | None = None
        self.redis_url = ""

    def for_worker(self, worker_id: str) -> dict[str, str]:
        """The URLs of a fresh copy of the template and of a Redis database for `worker_id` ("gw3")."""
        from app.cli import migrate
        from app.devservices import copy_database, database_name_of

        index = int(worker_id.removeprefix("gw"))
        if index >= 14:
            raise pytest.UsageError("at most 14 xdist workers: each takes a Redis database of its own")
        # Embedded Redis: databases 1, 2, … (the serial run has 0); a given Redis: 14, 13, … (the serial run has 15).
        redis_index = 14 - index if os.environ.get("REDIS_URL") else 1 + index
        if self.template is None:  # the first worker: start and migrate once
            self.lock = _acquire_run_lock()
            self.template, self.redis_url = _start_services()
            migrate_env = {
                "DATABASE_URL": self.template.database_url,
                "MIGRATION_DATABASE_URL": self.template.migration_database_url,
            }
            with _environment(migrate_env), redirect_stdout(io.StringIO()):  # its progress is no test's output
                migrate()
        copy = copy_database(self.template, f"{database_name_of(self.template.database_url)}_{worker_id}")
        return {
            "database_url": copy.database_url,
            "owner_database_url": copy.migration_database_url,
            "redis_url": _with_redis_database(self.redis_url, redis_index),
        }

    def finish(self) -> None:
        if self.template is not None:
            self.template.stop()
        if self.lock is not None:
            self.lock.close()  # releases the flock


def _is_xdist_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and bool(getattr(config.option, "numprocesses", None))


_parallel = _ParallelRun()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """xdist, in the controller, for each worker before it starts: its own database and Redis database."""
    worker_id = node.gateway.id  # type: ignore[attr-defined]
    node.workerinput["emporium_services"] = _parallel.for_worker(worker_id)  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _is_xdist_controller(config):
        _parallel.finish()


def _acquire_run_lock() -> IO[str]:
    """One test run per checkout at a time: a second run would drop the first one's database."""
    TEST_DATA_DIR.mkdir(parents=True, exist_ok=True)
    lock = open(TEST_DATA_DIR / ".test-run.lock", "w")  # noqa: SIM115  # held until the run ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("\nAnother test run is using .data/test; waiting for it to finish…", flush=True)
        fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _start_services() -> tuple[Services, str]:
    """The servers (embedded unless given) with a fresh, empty `emporium_test`, and the test Redis URL."""
    from app.devservices import database_name_of, ensure_services

    given_redis = os.environ.get("REDIS_URL")
    given_database = os.environ.get("DATABASE_URL")
    test_database = f"{database_name_of(given_database)}_test" if given_database else "emporium_test"
    running = ensure_services(TEST_DATA_DIR, test_database, fresh_database=True)
    redis_url = _test_redis_url(given_redis) if given_redis else running.redis_url
    return running, redis_url


@pytest.fixture(scope="session")
def test_run_lock(request: pytest.FixtureRequest) -> Iterator[None]:
    """One test run per checkout at a time (a parallel run's controller holds it for its workers)."""
    if hasattr(request.config, "workerinput"):
        yield
        return
    lock = _acquire_run_lock()
    try:
        yield
    finally:
        lock.close()


@pytest.fixture(scope="session")
def services(request: pytest.FixtureRequest, test_run_lock: None) -> Iterator[dict[str, str]]:
    """URLs of the test database (app role and owner) and the test Redis, set in the environment.

    In an xdist worker they are the copy and the Redis database the controller made for it;
    otherwise this process starts the servers and migrates `emporium_test` itself.
    """
    from app.cli import migrate
    from app.settings import get_settings

    given: dict[str, str] | None = getattr(request.config, "workerinput", {}).get("emporium_services")
    running = None
    if given is None:
        running, redis_url = _start_services()
        urls = {
            "database_url": running.database_url,
            "owner_database_url": running.migration_database_url,
            "redis_url": redis_url,
        }
    else:
        urls = dict(given)
    environment = {
        "DATABASE_URL": urls["database_url"],  # the application role: what the app under test uses
        "MIGRATION_DATABASE_URL": urls["owner_database_url"],
        "REDIS_URL": urls["redis_url"],
    }
    with _environment(environment):
        get_settings.cache_clear()

        import redis

        client = redis.Redis.from_url(urls["redis_url"])
        client.flushdb()
        client.close()
        if running is not None:
            migrate()  # a worker's copy was migrated as the template
        # `owner_database_url` is for arranging and inspecting data across tenants (the owner bypasses
        # row-level security); the app and the code under test use `database_url`.
        yield urls
        if running is not None:
            running.stop()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """`values` set in os.environ for the block; what was there before is put back."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
