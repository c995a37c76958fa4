"""Incident e-mails: sent only when the flag rules say so, with every field, read back from the file adapter."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.email import FileEmailSender
from app.adapters.incidents import RedisIncidentThrottle
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


def throttle(
    redis: Any, *, window_seconds: int = 0, mails_per_minute: int = 100, **clock: Any
) -> RedisIncidentThrottle:
    """The worker's throttle on the test Redis; a window of 0 turns de-duplication off (for tests of the flag)."""
    return RedisIncidentThrottle(
        redis, namespace="incident-test", window_seconds=window_seconds, mails_per_minute=mails_per_minute, **clock
    )


async def test_incident_mail_follows_the_flag_and_carries_every_field(
    shop: Any, db: asyncpg.Connection, redis_client: Any, tmp_path: Path
):
    admin = await make_user(shop, db, "admin", "admin")
    alice, bob = await make_user(shop, db, "alice"), await make_user(shop, db, "bob")
    service = IncidentService(
        shop.flags,
        shop.auth,
        FileEmailSender(tmp_path, "Emporium <noreply@emporium.local>"),
        ["ops@example.com"],
        throttle(redis_client),
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


async def test_no_recipients_means_no_mail(shop: Any, db: asyncpg.Connection, redis_client: Any, tmp_path: Path):
    admin = await make_user(shop, db, "admin", "admin")
    await shop.flags.create_flag(admin, name=INCIDENT_EMAIL_NOTIFICATIONS, enabled=True)
    service = IncidentService(
        shop.flags, shop.auth, FileEmailSender(tmp_path, "x@example.com"), [], throttle(redis_client)
    )

    assert not await service.notify(incident(None), admin.tenant_id)
    assert sent_mails(tmp_path) == []


async def test_a_500_in_the_web_app_reaches_the_recipients_through_the_real_worker(
    app: Litestar,
    client: AsyncTestClient[Litestar],
    redis_client: Any,  # flushed: no incident left queued by earlier tests opens the window before this one
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
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


class Clock:
    """Time for the throttle, moved by the test (windows end without waiting for them)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def occurrence(error_type: str, route: str, n: int) -> Incident:
    return replace(incident(None), error_type=error_type, route=route, path=route.replace("{id}", str(n)),
                   request_id=f"req-{error_type}-{n}")  # fmt: skip


async def test_repeats_within_the_window_are_one_mail_with_their_count(
    shop: Any, db: asyncpg.Connection, redis_client: Any, tmp_path: Path
):
    admin = await make_user(shop, db, "admin", "admin")
    await shop.flags.create_flag(admin, name=INCIDENT_EMAIL_NOTIFICATIONS, enabled=True)
    clock = Clock()
    service = IncidentService(
        shop.flags, shop.auth, FileEmailSender(tmp_path, "x@example.com"), ["ops@example.com"],
        throttle(redis_client, window_seconds=60, clock=clock),
    )  # fmt: skip

    sent = [await service.notify(occurrence("KeyError", "/products/{id}", n), admin.tenant_id) for n in range(5)]
    other = await service.notify(occurrence("ValueError", "/products/{id}", 1), admin.tenant_id)

    assert sent == [True, False, False, False, False] and other
    assert await service.send_summaries() == 0, "a window was summarised before it ended"
    clock.now += 61
    assert await service.send_summaries() == 1  # ValueError had no repeats: nothing more to tell
    assert await service.send_summaries() == 0, "a window was summarised twice"

    mails = sent_mails(tmp_path)
    assert [m["Subject"] for m in mails] == [
        "[INCIDENT] KeyError on /products/0",
        "[INCIDENT] ValueError on /products/1",
        "[INCIDENT] KeyError on /products/{id}: 5 times",
    ]
    assert "Unmailed occurrences: 4" in mails[2].get_content()
    assert await service.notify(occurrence("KeyError", "/products/{id}", 9), admin.tenant_id), "no new window"


async def test_no_more_mails_than_the_cap_per_minute_and_the_rest_are_summarised(
    shop: Any, db: asyncpg.Connection, redis_client: Any, tmp_path: Path
):
    admin = await make_user(shop, db, "admin", "admin")
    await shop.flags.create_flag(admin, name=INCIDENT_EMAIL_NOTIFICATIONS, enabled=True)
    clock = Clock()
    service = IncidentService(
        shop.flags, shop.auth, FileEmailSender(tmp_path, "x@example.com"), ["ops@example.com"],
        throttle(redis_client, window_seconds=30, mails_per_minute=2, clock=clock),
    )  # fmt: skip

    sent = [await service.notify(occurrence(f"Error{n}", "/cart", n), admin.tenant_id) for n in range(4)]

    assert sent == [True, True, False, False]
    assert len(sent_mails(tmp_path)) == 2
    clock.now += 60  # the next minute: the cap is free again, and every window has ended
    assert await service.send_summaries() == 2
    subjects = sorted(m["Subject"] for m in sent_mails(tmp_path)[2:])
    assert subjects == ["[INCIDENT] Error2 on /cart: 1 times", "[INCIDENT] Error3 on /cart: 1 times"]
