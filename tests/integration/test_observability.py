"""Request ids, request metrics by route template, liveness and readiness."""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.settings import DatabaseSettings, RedisSettings, get_settings
from tests.integration.conftest import scraper


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when we leave: nothing listens there


async def test_every_response_carries_a_request_id(client: AsyncTestClient[Litestar]) -> None:
    for path in ["/", "/no-such-page", "/health/live", "/static/css/emporium.css"]:
        response = await client.get(path)
        assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["x-request-id"]), path
    wrong_method = await client.delete("/health/live")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["x-request-id"]


async def test_incoming_request_id_is_echoed_and_unsafe_ones_are_replaced(client: AsyncTestClient[Litestar]) -> None:
    echoed = await client.get("/", headers={"X-Request-ID": "checkout-42.abc"})
    assert echoed.headers["x-request-id"] == "checkout-42.abc"
    replaced = await client.get("/", headers={"X-Request-ID": "evil\tvalue" + "x" * 300})
    assert replaced.headers["x-request-id"] != "evil\tvalue"
    assert len(replaced.headers["x-request-id"]) == 36


async def test_metrics_count_requests_by_route_template(client: AsyncTestClient[Litestar]) -> None:
    def count(text: str, route: str, status: str) -> float:
        pattern = rf'http_requests_total\{{method="GET",route="{re.escape(route)}",status="{status}"\}} (\S+)'
        match = re.search(pattern, text)
        return float(match.group(1)) if match else 0.0

    before = (await client.get("/metrics", headers=scraper())).text
    for _ in range(3):
        await client.get("/health/live")
    await client.get("/definitely/not/here/123")
    after = (await client.get("/metrics", headers=scraper())).text

    assert count(after, "/health/live", "200") - count(before, "/health/live", "200") == 3
    assert count(after, "<unmatched>", "404") - count(before, "<unmatched>", "404") == 1
    assert "/definitely/not/here/123" not in after  # raw paths never become labels
    assert "http_request_duration_seconds_bucket" in after


async def test_ready_passes_with_both_dependencies_up(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/health+json")
    body = response.json()
    assert body["status"] == "pass"
    assert body["checks"]["postgresql:responseTime"][0]["status"] == "pass"
    assert body["checks"]["redis:responseTime"][0]["observedUnit"] == "ms"


@pytest.fixture
async def client_with(db, redis_client) -> AsyncIterator:
    clients = []

    async def make(**overrides: object) -> AsyncTestClient[Litestar]:
        settings = dataclasses.replace(get_settings(), **overrides)
        client = AsyncTestClient(app=create_app(settings), base_url="http://127.0.0.1:8000")
        await client.__aenter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.__aexit__(None, None, None)


async def test_ready_is_200_with_a_warning_when_redis_is_unreachable(client_with) -> None:
    """Redis is optional (issue 8): the process still sells, so it stays in rotation, degraded."""
    client = await client_with(redis=RedisSettings(url=f"redis://127.0.0.1:{closed_port()}/0"))
    response = await client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "warn"
    assert body["checks"]["redis:responseTime"][0]["status"] == "warn"
    assert body["checks"]["postgresql:responseTime"][0]["status"] == "pass"
    assert (await client.get("/health/live")).status_code == 200


async def test_ready_is_503_when_postgresql_is_unreachable(client_with) -> None:
    bad = DatabaseSettings(url=f"postgresql://postgres@127.0.0.1:{closed_port()}/emporium", pool_min_size=0)
    client = await client_with(database=bad)
    response = await client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["postgresql:responseTime"][0]["status"] == "fail"
    assert body["checks"]["redis:responseTime"][0]["status"] == "pass"
