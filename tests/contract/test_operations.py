"""API v1 operations (api-v1.md §9.1, §9.2): health and the metrics alias."""

from __future__ import annotations

from datetime import datetime

import pytest
from litestar import Litestar

from app.services.health import CheckResult, HealthReport
from tests.contract import shapes
from tests.contract.conftest import Client
from tests.integration.conftest import scraper


async def test_health_reports_each_dependency(client: Client):
    response = await client.get("/api/v1/health/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["status", "timestamp", "checks"]
    assert body["status"] == "healthy"
    assert shapes.is_timestamp(body["timestamp"])
    assert datetime.fromisoformat(body["timestamp"]).tzinfo is not None
    assert body["checks"] == {"database": "ok", "redis": "ok"}


async def test_an_unreachable_database_makes_health_503(app: Litestar, client: Client, monkeypatch: pytest.MonkeyPatch):
    async def database_down() -> HealthReport:
        return HealthReport(
            checks=(
                CheckResult("postgresql", False, 2.0, "ConnectionRefusedError: refused"),
                CheckResult("redis", True, 1.0),
            )
        )

    monkeypatch.setattr(app.state.container.health, "readiness", database_down)

    response = await client.get("/api/health")

    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["checks"] == {"database": "error: ConnectionRefusedError: refused", "redis": "ok"}


async def test_metrics_is_the_prometheus_text_of_slash_metrics(client: Client):
    await client.get("/api/v1/health/")

    alias = await client.get("/api/v1/metrics/", headers=scraper())
    original = await client.get("/metrics", headers=scraper())

    assert alias.status_code == 200
    assert alias.headers["content-type"] == original.headers["content-type"]
    assert alias.headers["content-type"].startswith("text/plain")
    assert "# TYPE http_requests_total counter" in alias.text
    assert 'route="/api/v1/health"' in alias.text
