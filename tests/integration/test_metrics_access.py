"""/metrics and /api/v1/metrics/ answer scrapers only: an allowed address or the bearer token; others get a 404."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from ipaddress import ip_network
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.settings import MetricsSettings, get_settings
from tests.integration.conftest import scraper

Client = AsyncTestClient[Litestar]
METRICS_PATHS = ("/metrics", "/api/v1/metrics/", "/api/metrics/")


def app_with(**metrics: Any) -> Litestar:
    settings = get_settings()
    return create_app(dataclasses.replace(settings, metrics=MetricsSettings(**metrics)))


@asynccontextmanager
async def loopback_client() -> AsyncIterator[httpx.AsyncClient]:
    """The app as seen from 127.0.0.1, the default allowed network (httpx's ASGI transport names the peer)."""
    app = app_with(allowed_networks=(ip_network("127.0.0.0/8"),), token="")
    async with app.lifespan():  # on this loop: the app's pools must belong to the loop that serves it
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            yield client


@pytest.mark.parametrize("path", METRICS_PATHS)
async def test_a_scraper_with_the_token_reads_the_metrics(client: Client, path: str):
    response = await client.get(path, headers=scraper())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE http_requests_total counter" in response.text


@pytest.mark.parametrize("path", METRICS_PATHS)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", "Basic dGVzdC1zY3JhcGVyLXRva2Vu", f"Bearer {get_settings().metrics.token}x"],
)
async def test_anyone_else_gets_the_answer_of_a_path_that_does_not_exist(
    client: Client, path: str, authorization: str | None
):
    headers = {"Authorization": authorization} if authorization else {}
    unknown_path = path.replace("metrics", "no-such-thing")

    response = await client.get(path, headers=headers)
    unknown = await client.get(unknown_path, headers=headers)

    assert response.status_code == unknown.status_code == 404
    assert "http_requests_total" not in response.text
    assert response.headers["content-type"] == unknown.headers["content-type"]


async def test_an_allowed_address_needs_no_token(db: Any, redis_client: Any):
    for path in METRICS_PATHS:
        async with loopback_client() as client:
            response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert "http_requests_total" in response.text


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
async def test_a_request_that_came_through_a_proxy_is_not_let_in_by_its_address(
    db: Any, redis_client: Any, header: str
):
    # Behind a proxy on the same host, every visitor's request reaches the shop from 127.0.0.1.
    async with loopback_client() as client:
        response = await client.get("/metrics", headers={header: "for=203.0.113.7"})

    assert response.status_code == 404


async def test_an_address_outside_the_allowed_networks_is_refused(db: Any, redis_client: Any):
    app = app_with(allowed_networks=(ip_network("10.0.0.0/8"),), token="")
    async with AsyncTestClient(app=app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            refused = await client.get("/metrics")
        transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            allowed = await client.get("/metrics")

    assert (refused.status_code, allowed.status_code) == (404, 200)


async def test_an_empty_token_setting_opens_nothing(db: Any, redis_client: Any):
    app = app_with(allowed_networks=(), token="")
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/metrics", headers={"Authorization": "Bearer "})

    assert response.status_code == 404
