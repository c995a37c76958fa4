"""Rate limits hold exactly across four web processes on one Redis, and the client address cannot be chosen.

One supervised shop (tests/faults/harness.py) with four web processes serves the module; each test
starts with empty counters (`redis_client` flushes the shared test Redis). Requests come from
127.0.0.1, an untrusted peer, or from 127.0.0.2, the one trusted proxy (TRUSTED_PROXIES).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.faults.harness import Shop, running_shop

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 10
ADDRESS_WINDOW_SECONDS = 10  # short, so the reset can be seen; long enough for a burst to land inside it
PROXY = "127.0.0.2"

# Alone, after the parallel run (`make test`): a burst of a hundred logins must land inside one
# 10-second window across four web processes, and another test's load beside it could stretch it.
pytestmark = pytest.mark.serial


@pytest.fixture(scope="module")
def shop(services: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    with running_shop(
        services,
        tmp_path_factory.mktemp("rate-limited-shop"),
        web_processes=4,
        RATE_LIMIT_LOGIN_ACCOUNT=f"{ACCOUNT_LIMIT}/300",
        RATE_LIMIT_LOGIN_ADDRESS=f"{ADDRESS_LIMIT}/{ADDRESS_WINDOW_SECONDS}",
        TRUSTED_PROXIES=f"{PROXY}/32",
    ) as running:
        assert len(running.pids("web")) == 4
        yield running


def client(shop: Shop, *, source: str = "127.0.0.1") -> httpx.AsyncClient:
    """Many connections at once, from `source` (each request may land on any of the four processes)."""
    transport = httpx.AsyncHTTPTransport(local_address=source, limits=httpx.Limits(max_connections=200))
    return httpx.AsyncClient(base_url=shop.base_url, transport=transport, timeout=60)


async def fire(http: httpx.AsyncClient, attempts: list[dict[str, Any]]) -> Counter[int]:
    """Every login attempt at once (`username`, and `forwarded_for` to send as X-Forwarded-For); statuses counted."""

    async def attempt(username: str, forwarded_for: str | None = None) -> int:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        body = {"username": username, "password": "wrong"}
        return (await http.post("/api/v1/auth/login/", json=body, headers=headers)).status_code

    return Counter(await asyncio.gather(*(attempt(**a) for a in attempts)))


async def test_ten_times_the_address_limit_at_once_admits_exactly_the_limit_then_the_window_resets(
    shop: Shop, redis_client: Any
) -> None:
    async with client(shop) as http:
        burst = [{"username": f"user{n}"} for n in range(10 * ADDRESS_LIMIT)]

        statuses = await fire(http, burst)

        assert statuses == {401: ADDRESS_LIMIT, 429: 9 * ADDRESS_LIMIT}

        # Refused attempts are not counted, so asking until one is admitted shows the window moving on.
        deadline = time.monotonic() + ADDRESS_WINDOW_SECONDS + 10
        while (again := await fire(http, [{"username": "again"}])) == {429: 1}:
            assert time.monotonic() < deadline, "the window did not reset"
            await asyncio.sleep(0.2)  # polling the window, bounded by the deadline
        assert again == {401: 1}


async def test_ten_times_an_accounts_limit_at_once_admits_exactly_the_limit(shop: Shop, redis_client: Any) -> None:
    # Through the trusted proxy, each attempt from its own address: only the account's limit applies.
    async with client(shop, source=PROXY) as http:
        burst = [{"username": "alice", "forwarded_for": f"198.51.100.{n}"} for n in range(10 * ACCOUNT_LIMIT)]

        statuses = await fire(http, burst)

    assert statuses == {401: ACCOUNT_LIMIT, 429: 9 * ACCOUNT_LIMIT}


async def test_a_spoofed_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_address_limit(
    shop: Shop, redis_client: Any
) -> None:
    async with client(shop) as http:
        for n in range(ADDRESS_LIMIT):
            assert await fire(http, [{"username": f"user{n}", "forwarded_for": f"203.0.113.{n}"}]) == {401: 1}

        refused = await http.post(
            "/api/v1/auth/login/",
            json={"username": "fresh", "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.200", "Forwarded": "for=203.0.113.201"},
        )

    assert refused.status_code == 429
    assert refused.headers["retry-after"]
    assert '"login-address";r=0' in refused.headers["ratelimit"]


async def test_a_trusted_proxys_forwarded_addresses_are_limited_each_on_their_own(
    shop: Shop, redis_client: Any
) -> None:
    async with client(shop, source=PROXY) as http:
        distinct = [{"username": f"user{n}", "forwarded_for": f"198.51.100.{n}"} for n in range(2 * ADDRESS_LIMIT)]
        assert await fire(http, distinct) == {401: 2 * ADDRESS_LIMIT}

        # The client's own entry left of the address the proxy saw is ignored: the same address is limited.
        one_client = [
            {"username": f"other{n}", "forwarded_for": f"10.{n}.0.1, 192.0.2.44"} for n in range(ADDRESS_LIMIT + 1)
        ]
        assert await fire(http, one_client) == {401: ADDRESS_LIMIT, 429: 1}
