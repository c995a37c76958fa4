"""Operations (api-v1.md §9): health, metrics, and the admins' trigger for a test error."""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import ApiError
from app.controllers.api.v1.guards import login_required
from app.domain.events import utc_now
from app.domain.users import UserContext
from app.services.health import HealthService
from app.web.metrics import metrics_scraper_only, render_metrics

V1_CHECK_NAMES = {"postgresql": "database"}
"""v1 calls the PostgreSQL probe `database`; other probes (Redis) keep their own names."""


class TriggeredTestError(RuntimeError):
    """Raised on purpose, so an admin can see the whole 500 path work: log line, JSON answer, incident mail."""


class OperationsController(Controller):
    """Is the shop up, and what has it been doing."""

    tags = ["v1 operations"]

    @get(
        "/health/",
        operation_id="v1Health",
        responses={503: ResponseSpec(wire.V1Health, description="A probe failed", generate_examples=False)},
    )
    async def health(self, health: NamedDependency[HealthService]) -> Response[wire.V1Health]:
        report = await health.readiness()
        body = wire.V1Health(
            status="healthy" if report.ok else "unhealthy",
            timestamp=serializers.timestamp(utc_now()),
            checks={
                V1_CHECK_NAMES.get(check.name, check.name): "ok" if check.ok else f"error: {check.error}"
                for check in report.checks
            },
        )
        return Response(body, status_code=200 if report.ok else 503)

    @get(
        "/metrics/",
        operation_id="v1Metrics",
        sync_to_thread=False,
        guards=[metrics_scraper_only],
        media_type=MediaType.TEXT,  # Prometheus text; its exact type comes with the body
        responses=wire.refusals(404),
    )
    def metrics(self) -> Response[bytes]:
        """The same Prometheus text as `/metrics` (the original wrapped its own format in a JSON string).

        Only for scrapers, like `/metrics` (v1 had it public): anyone else gets v1's 404.
        """
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    @post(
        "/debug/trigger-error/",
        operation_id="v1TriggerTestError",
        guards=[login_required],
        responses=wire.refusals(401, 403, 500),
    )
    async def trigger_error(self, user: NamedDependency[UserContext]) -> None:
        """Always fails for an admin: the app's 500 handler answers (with the request id) and reports the incident."""
        if not user.is_admin:  # v1 checked the role in the view, with its own message (no use case behind it)
            raise ApiError(403, {"error": "Only admins can trigger test errors"})
        raise TriggeredTestError(f"Test error triggered by admin '{user.username}'")
