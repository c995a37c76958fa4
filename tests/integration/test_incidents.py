"""Incident e-mails: sent only when the flag rules say so, with every field, read back from the file adapter."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from app.adapters.email import FileEmailSender
from app.domain.flags import INCIDENT_EMAIL_NOTIFICATIONS
from app.domain.incidents import Incident
from app.services.incidents import IncidentService
from tests.integration.conftest import make_user
from tests.support.mail import sent_mails


def incident(user_id: Any) -> Incident:
    return Incident(
        error_type="ZeroDivisionError",
        message="division by zero",
        method="POST",
        path="/cart/submit",
        user_id=user_id,
        request_id="req-incident-1",
        occurred_at=datetime(2026, 11, 26, 4, 40, tzinfo=UTC),
        traceback='Traceback (most recent call last):\n  File "x.py", line 1\nZeroDivisionError: division by zero\n',
    )


async def test_incident_mail_follows_the_flag_and_carries_every_field(
    shop: Any, db: asyncpg.Connection, tmp_path: Path
):
    admin = await make_user(shop, db, "admin", "admin")
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    service = IncidentService(
        shop.flags, shop.auth, FileEmailSender(tmp_path, "Emporium <noreply@emporium.local>"), ["ops@example.com"]
    )
    tenant = admin.tenant_id

    assert not await service.notify(incident(alice.user_id), tenant)  # no such flag: off

    await shop.flags.create_flag(admin, name=INCIDENT_EMAIL_NOTIFICATIONS, enabled=True)
    assert await service.notify(incident(None), tenant)  # untargeted: on for anonymous requests too

    oncall = await shop.flags.create_group(admin, name="oncall")
    await shop.flags.add_member(admin, oncall.id, alice.user_id)
    await shop.flags.set_targets(admin, INCIDENT_EMAIL_NOTIFICATIONS, {oncall.id})
    assert await service.notify(incident(alice.user_id), tenant)
    assert not await service.notify(incident(bob.user_id), tenant)
    assert not await service.notify(incident(None), tenant)  # targeted: anonymous is in no group

    await shop.flags.update_flag(admin, INCIDENT_EMAIL_NOTIFICATIONS, enabled=False)
    assert not await service.notify(incident(alice.user_id), tenant)

    sent = sent_mails(tmp_path)
    assert len(sent) == 2
    message = sent[-1]
    assert message["To"] == "ops@example.com"
    assert message["Subject"] == "[INCIDENT] ZeroDivisionError on /cart/submit"
    body = message.get_payload()
    for expected in ["division by zero", "POST", "/cart/submit", str(alice.user_id), "req-incident-1",
                     "2026-11-26T04:40:00+00:00", "Traceback (most recent call last)"]:  # fmt: skip
        assert expected in body


async def test_no_recipients_means_no_mail(shop: Any, db: asyncpg.Connection, tmp_path: Path):
    admin = await make_user(shop, db, "admin", "admin")
    await shop.flags.create_flag(admin, name=INCIDENT_EMAIL_NOTIFICATIONS, enabled=True)
    service = IncidentService(shop.flags, shop.auth, FileEmailSender(tmp_path, "x@example.com"), [])

    assert not await service.notify(incident(None), admin.tenant_id)
    assert sent_mails(tmp_path) == []
