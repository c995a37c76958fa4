"""Incident notification: an e-mail about an unhandled error, when the feature flag says so.

The web process only hands the incident over (IncidentReporter: a job on the queue), so the
error response is never delayed; the worker decides and sends. The flag
`incident_email_notifications` is evaluated for the user of the failed request (domain.md):
targeted flags reach only users in a target group, untargeted ones everyone, anonymous included.
The first of a kind (error type + route) is mailed at once; its repeats within the window are
counted (IncidentThrottle) and mailed as one summary with the count when the window ends; and
no more than the per-minute cap of mails go out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from app.domain.flags import INCIDENT_EMAIL_NOTIFICATIONS
from app.domain.incidents import Incident, IncidentWindow
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


class IncidentThrottle(Protocol):
    """Shared by every worker: which incidents were seen in their window, and how many mails this minute."""

    window_seconds: int

    async def record(self, incident: Incident) -> bool:
        """Count this occurrence; True when it is the first of its fingerprint in a window (one opens)."""
        ...

    async def mark_mailed(self, incident: Incident) -> None:
        """The first occurrence of the open window was mailed (its summary will not count it again)."""
        ...

    async def take_mail_slot(self) -> bool:
        """Count one mail against this minute's cap; False when the cap is reached."""
        ...

    async def ended_windows(self) -> list[IncidentWindow]:
        """Windows that have ended, each returned once (and forgotten)."""
        ...


class IncidentService:
    def __init__(
        self,
        flags: FlagService,
        auth: AuthService,
        mailer: EmailSender,
        recipients: Sequence[str],
        throttle: IncidentThrottle,
    ) -> None:
        self._flags = flags
        self._auth = auth
        self._mailer = mailer
        self._recipients = tuple(recipients)
        self._throttle = throttle

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
        if not await self._throttle.record(incident):
            return False  # a repeat: the window's summary carries it
        if not await self._throttle.take_mail_slot():
            log.warning("incident_mail_capped request_id=%s", incident.request_id)
            return False  # counted as unmailed: the window's summary carries it
        await self._mailer.send(recipients=self._recipients, subject=incident.subject, body=incident.body())
        await self._throttle.mark_mailed(incident)
        return True

    async def send_summaries(self) -> int:
        """One mail per ended window with occurrences nobody was told about; how many were sent."""
        sent = 0
        for window in await self._throttle.ended_windows():
            if not window.unmailed or not self._recipients:
                continue
            if not await self._throttle.take_mail_slot():
                log.warning(
                    "incident_mail_capped fingerprint=%s unmailed=%s", window.first.fingerprint, window.unmailed
                )
                continue
            body = window.body(self._throttle.window_seconds)
            await self._mailer.send(recipients=self._recipients, subject=window.subject, body=body)
            sent += 1
        return sent
