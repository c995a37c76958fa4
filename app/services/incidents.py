"""Incident notification: an e-mail about an unhandled error, when the feature flag says so.

The web process only hands the incident over (IncidentReporter: a job on the queue), so the
error response is never delayed; the worker decides and sends. The flag
`incident_email_notifications` is evaluated for the user of the failed request (domain.md):
targeted flags reach only users in a target group, untargeted ones everyone, anonymous included.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from app.domain.flags import INCIDENT_EMAIL_NOTIFICATIONS
from app.domain.incidents import Incident
from app.domain.users import UserContext
from app.services.auth import AuthService
from app.services.flags import FlagService

log = logging.getLogger(__name__)


class EmailSender(Protocol):
    async def send(self, *, recipients: Sequence[str], subject: str, body: str) -> None: ...


class IncidentReporter(Protocol):
    async def report(self, incident: Incident, tenant_id: UUID) -> None:
        """Hand the incident to whoever notifies (must not block the failed request)."""
        ...


class IncidentService:
    def __init__(self, flags: FlagService, auth: AuthService, mailer: EmailSender, recipients: Sequence[str]) -> None:
        self._flags = flags
        self._auth = auth
        self._mailer = mailer
        self._recipients = tuple(recipients)

    async def notify(self, incident: Incident, tenant_id: UUID) -> bool:
        """Send the incident e-mail if the flag is on for the request's user; True when sent."""
        if not self._recipients:
            log.warning("incident_not_sent_no_recipients request_id=%s", incident.request_id)
            return False
        user = UserContext.anonymous(tenant_id)
        if incident.user_id is not None:
            user = await self._auth.current_user(tenant_id, incident.user_id) or user
        if not await self._flags.is_enabled(user, INCIDENT_EMAIL_NOTIFICATIONS):
            return False
        await self._mailer.send(recipients=self._recipients, subject=incident.subject, body=incident.body())
        return True
