"""API v1 debug trigger (api-v1.md §9.3): customers are refused; for an admin it fails like any unhandled error.

The failure goes through the app's own 500 handler: a JSON body with the request id (never a
stack trace) and an incident report, which the worker turns into an e-mail when the flag says so.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from uuid import UUID

import asyncpg
from litestar import Litestar

from app.domain.incidents import Incident
from tests.contract.conftest import Client, user_id_of
from tests.integration.conftest import on_app_loop

TRIGGER = "/api/v1/debug/trigger-error/"


class RecordingReporter:
    """Stands in front of the app's incident reporter and notes each incident it hands on."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.incidents: list[Incident] = []
        self.reported = threading.Event()  # the report runs on the app's loop, in another thread

    async def report(self, incident: Incident, tenant_id: UUID) -> None:
        await self.real.report(incident, tenant_id)
        self.incidents.append(incident)
        self.reported.set()


async def test_anonymous_callers_must_log_in(client: Client):
    response = await client.post(TRIGGER)
    assert (response.status_code, response.json()) == (401, {"error": "Authentication required"})


async def test_customers_are_refused_in_v1s_words(client: Client, customer: dict[str, str]):
    response = await client.post("/api/debug/trigger-error/", headers=customer)
    assert (response.status_code, response.json()) == (403, {"error": "Only admins can trigger test errors"})


async def test_for_an_admin_it_is_an_unhandled_error_answered_and_reported_by_the_apps_500_handler(
    app: Litestar, client: Client, admin: dict[str, str], db: asyncpg.Connection
):
    reporter = RecordingReporter(app.state.incident_reporter)
    app.state.incident_reporter = reporter

    response = await client.post(TRIGGER, headers={**admin, "X-Request-ID": "trace-debug-1"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"error": "Internal server error", "request_id": "trace-debug-1"}
    assert response.headers["x-request-id"] == "trace-debug-1"
    assert response.headers["deprecation"]  # still a v1 response

    assert await asyncio.to_thread(reporter.reported.wait, 10), "no incident was reported"
    incident = reporter.incidents[0]
    assert (incident.error_type, incident.method, incident.path, incident.request_id) == (
        "TriggeredTestError",
        "POST",
        TRIGGER.rstrip("/"),  # Litestar's normalised path
        "trace-debug-1",
    )
    assert str(incident.user_id) == await user_id_of(db, "boss")
    assert "Traceback" in incident.traceback
    recent = await on_app_loop(app, app.state.container.recent_errors.recent, 5)
    assert [(error.error_type, error.request_id) for error in recent] == [("TriggeredTestError", "trace-debug-1")]
