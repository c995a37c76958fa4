"""Hands incidents to the worker as SAQ jobs (the web process never sends mail itself)."""

from __future__ import annotations

from uuid import UUID

from saq import Queue

from app.adapters.dashboard import RedisRecentErrors
from app.domain.incidents import Incident
from app.services.dashboard import RecentError

NOTIFY_JOB = "notify_incident"


class SaqIncidentReporter:
    def __init__(self, queue: Queue, recent_errors: RedisRecentErrors) -> None:
        self._queue = queue
        self._recent = recent_errors

    async def report(self, incident: Incident, tenant_id: UUID) -> None:
        await self._recent.record(
            RecentError(incident.occurred_at, incident.error_type, incident.method, incident.path, incident.request_id)
        )
        await self._queue.enqueue(
            NOTIFY_JOB, incident=incident.as_json(), tenant_id=str(tenant_id), timeout=30, retries=3, retry_delay=5.0
        )
