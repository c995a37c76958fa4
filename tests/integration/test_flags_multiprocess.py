"""A flag change is seen at once by every web process: two uvicorn workers, no stale answer from either.

Each phase asks for the customer's flags on fresh connections until both processes have answered
(each counts its answers in its own Prometheus file, `counter_<pid>.db`). Both answer the old state
before every change, so a per-process cache would still hold it afterwards and fail the next phase.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.integration import test_metrics_multiprocess
from tests.integration.conftest import make_user

two_process_server = test_metrics_multiprocess.two_process_server

FLAG = "new_checkout"
SESSION, SESSION_ROUTE = "/api/v1/auth/session/", "/api/v1/auth/session"
"""The customer asks here for her enabled flags; the admin uses the unversioned alias, so only hers are counted."""
ADMIN_SESSION = "/api/auth/session/"
BATCH, MAX_BATCHES = 20, 15


def answers_per_process(metrics_dir: Path) -> Counter[int]:
    """How many times each web process has answered the customer's session calls (by its pid)."""
    answered: Counter[int] = Counter()
    for path in metrics_dir.glob("counter_*.db"):
        pid = int(path.stem.removeprefix("counter_"))
        for metric in MultiProcessCollector.merge([str(path)]):
            answered[pid] += int(
                sum(
                    sample.value
                    for sample in metric.samples
                    if sample.name == "http_requests_total" and sample.labels.get("route") == SESSION_ROUTE
                )
            )
    return answered


def counted(metrics_dir: Path, total: int) -> Counter[int]:
    """The answers per process once all `total` are counted (a process counts a request just after answering it)."""
    deadline = time.monotonic() + 10
    while (answered := answers_per_process(metrics_dir)).total() < total:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {answered.total()} of {total} answers were ever counted")
        time.sleep(0.01)
    assert answered.total() == total, "someone else called the customer's route"
    return answered


class Server:
    def __init__(self, base: str, metrics_dir: Path) -> None:
        self.base = base
        self.metrics_dir = metrics_dir

    @contextmanager
    def browser(self, username: str) -> Iterator[httpx.Client]:
        """A client logged in through API v1 (its session lives in Redis, so every process knows it)."""
        with httpx.Client(base_url=self.base) as browser:
            credentials = {"username": username, "password": f"{username}-password"}
            response = browser.post("/api/v1/auth/login/", json=credentials)
            assert response.status_code == 200, response.text
            yield browser

    def flags_answered_by_every_process(self, browser: httpx.Client) -> set[tuple[str, ...]]:
        """Every distinct `enabled_flags` the processes gave, asking until at least two processes have answered."""
        before = answers_per_process(self.metrics_dir)
        answers: list[tuple[str, ...]] = []
        for _ in range(MAX_BATCHES):
            for _ in range(BATCH):  # a fresh connection each time, so the kernel hands it to either process
                response = browser.get(SESSION, headers={"Connection": "close"})
                assert response.status_code == 200 and response.json()["authenticated"], response.text
                answers.append(tuple(response.json()["user"]["enabled_flags"]))
            answered_by = counted(self.metrics_dir, before.total() + len(answers)) - before
            if len(answered_by) >= 2:
                return set(answers)
        raise AssertionError(f"only one process answered {len(answers)} requests; the test proves nothing")


class Admin:
    """An admin changing flags and groups through API v1, as the admin pages' clients do."""

    def __init__(self, browser: httpx.Client) -> None:
        self.browser = browser
        self.csrf = {"X-CSRFToken": browser.get(ADMIN_SESSION).json()["csrf_token"]}

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.browser.request(method, f"/api/v1/admin/{path}", json=body, headers=self.csrf)
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else None


@pytest.fixture
def server(two_process_server: tuple[str, Path]) -> Server:
    return Server(*two_process_server)


async def test_every_process_sees_each_flag_change_on_its_next_request(
    server: Server, shop: Any, db: asyncpg.Connection
) -> None:
    await make_user(shop, db, "ada", "admin")
    await make_user(shop, db, "carol")
    with server.browser("ada") as ada_browser, server.browser("carol") as carol_browser:
        admin = Admin(ada_browser)
        admin.call("POST", "feature-flags/create/", {"name": FLAG, "enabled": False})
        assert server.flags_answered_by_every_process(carol_browser) == {()}

        admin.call("PUT", f"feature-flags/{FLAG}/", {"enabled": True})
        assert server.flags_answered_by_every_process(carol_browser) == {(FLAG,)}

        admin.call("PUT", f"feature-flags/{FLAG}/", {"enabled": False})
        assert server.flags_answered_by_every_process(carol_browser) == {()}


async def test_every_process_sees_group_membership_and_targeting_changes_at_once(
    server: Server, shop: Any, db: asyncpg.Connection
) -> None:
    await make_user(shop, db, "ada", "admin")
    carol = await make_user(shop, db, "carol")
    with server.browser("ada") as ada_browser, server.browser("carol") as carol_browser:
        admin = Admin(ada_browser)
        beta = admin.call("POST", "user-groups/create/", {"name": "beta_testers"})["id"]
        admin.call("POST", "feature-flags/create/", {"name": FLAG, "enabled": True})
        admin.call("PUT", f"feature-flags/{FLAG}/targets/", {"group_ids": [beta]})
        assert server.flags_answered_by_every_process(carol_browser) == {()}  # on, but only for beta testers

        admin.call("POST", f"user-groups/{beta}/users/", {"user_id": str(carol.user_id)})
        assert server.flags_answered_by_every_process(carol_browser) == {(FLAG,)}

        staff = admin.call("POST", "user-groups/create/", {"name": "staff"})["id"]
        admin.call("PUT", f"feature-flags/{FLAG}/targets/", {"group_ids": [staff]})
        assert server.flags_answered_by_every_process(carol_browser) == {()}  # she is in beta, not in staff
