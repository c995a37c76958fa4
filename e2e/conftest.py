"""Browser tests against the real thing: uvicorn and a SAQ worker as subprocesses on the test database.

The root conftest provides `services` (PostgreSQL, Redis, a migrated `emporium_test`). This one
starts the shop on a free loopback port, creates one admin and one customer, and points
pytest-playwright at Debian's chromium (browser downloads do not work here).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import Page, expect

from conftest import WORKER_DATA_DIR
from e2e.accounts import ADMIN, CUSTOMER, OUTLET
from tests.support.processes import free_port, log_tail, stop, wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = WORKER_DATA_DIR / "e2e-logs"  # an xdist worker's own
# The e2e worker gets its own queue so it never takes jobs meant for the integration tests' app.
E2E_QUEUE_NAME = "emporium-e2e"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the browser tests, and run them after every other test.

    Once Playwright's sync API starts, it keeps an event loop running in the main thread for the
    rest of the session, and async tests cannot run beside it. pytest would otherwise move browser
    tests forward, next to any test with an argument named `page` (pytest-playwright parametrizes
    those with the browser too, and pytest groups tests by session-scoped parameters).
    """
    e2e_dir = Path(__file__).parent
    for item in items:
        if e2e_dir in item.path.parents:
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: e2e_dir in item.path.parents)  # stable: each group keeps its order


async def _create_accounts(owner_database_url: str) -> None:
    """Two empty shops (the default one and OUTLET), each with the two accounts. The tests that ran
    before leave their data behind, including accounts of these names with other passwords."""
    from app.adapters.tenants import create_tenant
    from app.domain.users import Role
    from app.main import build_container
    from app.settings import get_settings
    from tests.integration.conftest import clean_tables

    connection = await asyncpg.connect(owner_database_url)  # the owner may lift the audit log's triggers
    try:
        await clean_tables(connection)
    finally:
        await connection.close()
    outlet = await create_tenant(owner_database_url, OUTLET[0], OUTLET[1], [OUTLET[2]])
    get_settings.cache_clear()
    settings = get_settings()
    container = build_container(settings)
    await container.database.connect()
    await container.queue.connect()
    try:
        for tenant_id in (settings.app.default_tenant_id, outlet.id):
            for (username, password), role in ((ADMIN, Role.ADMIN), (CUSTOMER, Role.CUSTOMER)):
                await container.auth.ensure_user(tenant_id, username, password, role)
    finally:
        await container.queue.disconnect()
        await container.redis.aclose()
        await container.database.disconnect()


# Autouse so that it (and `services`) set up before pytest-playwright starts: Playwright's sync
# API keeps an event loop running in this thread, and `asyncio.run()` refuses to run beside it.
@pytest.fixture(scope="session", autouse=True)
def live_server(services: dict[str, str]) -> Iterator[str]:
    """Base URL of the shop running in its own processes, with a web server and a worker."""
    asyncio.run(_create_accounts(services["owner_database_url"]))

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": services["database_url"],
        "REDIS_URL": services["redis_url"],
        "QUEUE_NAME": E2E_QUEUE_NAME,
        "LOG_LEVEL": "INFO",
    }
    worker_log = LOG_DIR / "worker.log"
    with worker_log.open("wb") as worker_out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "saq", "app.tasks.worker.settings", "--quiet"],
            cwd=ROOT,
            env=env,
            stdout=worker_out,
            stderr=subprocess.STDOUT,
        )
    try:
        with web_server("web.log", env) as url:
            if worker.poll() is not None:
                raise RuntimeError(
                    f"The SAQ worker exited with code {worker.returncode}."
                    f"\n--- {worker_log} ---\n{log_tail(worker_log)}"
                )
            yield url
    finally:
        stop(worker)


@contextmanager
def web_server(log_name: str, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """One uvicorn web process with `env`, logging to LOG_DIR/`log_name`; its base URL once it is ready.

    `port` (default: a free one) lets a test start a process again where the last one was. Open
    event streams get 2 s to end at shutdown, as under app/supervisor.py, instead of holding it up.
    """
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log = LOG_DIR / log_name
    with log.open("wb") as out:
        web = subprocess.Popen(
            [
                sys.executable,
                *f"-m uvicorn --factory app.main:create_app --host 127.0.0.1 --port {port} --workers 1".split(),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "2",
                "--no-proxy-headers",  # only TRUSTED_PROXIES decide whose forwarding headers count
                "--no-server-header",  # as app/supervisor.py runs it
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_ready(url, web, log)
        yield url
    finally:
        stop(web)


def log_in_as(page: Page, username: str, password: str) -> None:
    """Log in through the login form, as a person would, and wait until it has taken effect."""
    if not page.url.split("?")[0].endswith("/login"):
        page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".user-chip")).to_contain_text(username)


@pytest.fixture
def log_in() -> Callable[[Page, str, str], None]:
    """`log_in_as`, for tests that take their page from pytest-playwright."""
    return log_in_as


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
