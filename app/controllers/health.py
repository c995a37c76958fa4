"""Liveness, readiness and Prometheus metrics (for scrapers only: `metrics_scraper_only`).

/health/live touches nothing (the process answers, so it need not be restarted); /health/ready
answers 503 when PostgreSQL fails and 200 with a `warn` check when only Redis does.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency

from app.services.health import HealthService
from app.web.metrics import metrics_scraper_only, render_metrics

HEALTH_JSON = "application/health+json"


class HealthController(Controller):
    tags = ["operations"]

    @get("/health/live", operation_id="healthLive", sync_to_thread=False)
    def live(self) -> Response[dict[str, Any]]:
        return Response({"status": "pass"}, media_type=HEALTH_JSON)

    @get("/health/ready", operation_id="healthReady")
    async def ready(self, health: NamedDependency[HealthService]) -> Response[dict[str, Any]]:
        report = await health.readiness()
        body = {
            "status": report.status,
            "checks": {
                f"{check.name}:responseTime": [
                    {
                        "status": check.status,
                        "observedValue": check.duration_ms,
                        "observedUnit": "ms",
                        **({"output": check.error} if check.error else {}),
                    }
                ]
                for check in report.checks
            },
        }
        return Response(body, status_code=200 if report.ok else 503, media_type=HEALTH_JSON)

    @get("/metrics", operation_id="metrics", sync_to_thread=False, guards=[metrics_scraper_only])
    def metrics(self) -> Response[bytes]:
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)
