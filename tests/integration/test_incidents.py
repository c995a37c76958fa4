"""Incident e-mails: sent only when the flag rules say so, with every field, read back from the file adapter."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.email import FileEmailSender
from app.domain.flags import INCIDENT_EMAIL_NOTIFICATIONS
from app.domain.incidents import Incident
from app.services.incidents import IncidentService
from tests.integration.conftest import ensure_user, login, make_user
from tests.integration.test_event_backbone import wait_for
from tests.support.mail import sent_mails
from tests.support.worker import running_worker


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


async def test_a_500_in_the_web_app_reaches_the_recipients_through_the_real_worker(
    app: Litestar, client: AsyncTestClient[Litestar], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The whole path: the error handler queues the incident, the worker `saq` would run sends the mail."""
    await ensure_user(app, "admin", "admin-password", "admin")
    token = await login(client, "admin", "admin-password")
    await client.post(
        "/admin/flags",
        data={"name": INCIDENT_EMAIL_NOTIFICATIONS, "description": "", "enabled": "true", "csrf_token": token},
    )

    failed = await client.post("/admin/debug/trigger-error", data={"csrf_token": token})
    request_id = failed.headers["x-request-id"]

    async def mailed() -> list[Any]:
        return [m for m in sent_mails(tmp_path / "mail") if request_id in m.get_content()]

    async with running_worker(monkeypatch, INCIDENT_RECIPIENTS="ops@example.com", DATA_DIR=str(tmp_path)):
        mails = await wait_for(mailed)

    assert failed.status_code == 500 and request_id in failed.text
    assert len(mails) == 1
    assert mails[0]["To"] == "ops@example.com"
    assert mails[0]["Subject"] == "[INCIDENT] RuntimeError on /admin/debug/trigger-error"
