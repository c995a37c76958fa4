"""Incident mails: the first of a kind at once, its repeats as one summary with the count, a cap per minute;
and handing an incident over never fails or holds up the 500 it belongs to."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

import pytest

from app.domain.flags import INCIDENT_EMAIL_NOTIFICATIONS
from app.domain.incidents import Incident
from app.services.auth import AuthService
from app.services.flags import FlagService
from app.services.incidents import IncidentService
from app.web import incidents as web_incidents
from tests.support.fakes import FakeIncidentThrottle, FakeMailer, FakeStore, PlainHasher

TENANT = uuid4()


class FlagOnForEveryone:
    async def enabled_flag_names(self, tenant_id: UUID, group_ids: Any) -> list[str]:
        return [INCIDENT_EMAIL_NOTIFICATIONS]


def service(throttle: FakeIncidentThrottle, mailer: FakeMailer) -> IncidentService:
    store = FakeStore()
    flags = FlagService(store, FlagOnForEveryone())  # type: ignore[arg-type]
    return IncidentService(flags, AuthService(store, PlainHasher()), mailer, ["ops@example.com"], throttle)


def incident(error_type: str = "KeyError", route: str = "/products/{product_id:uuid}", n: int = 0) -> Incident:
    return Incident(error_type, "boom", "GET", f"/products/{n}", None, f"req-{n}",
                    datetime(2026, 12, 1, tzinfo=UTC), "Traceback …", route)  # fmt: skip


async def test_repeats_of_one_error_on_one_route_become_one_summary_with_their_count():
    throttle, mailer = FakeIncidentThrottle(window_seconds=300, mails_per_minute=10), FakeMailer()
    incidents = service(throttle, mailer)

    sent = [await incidents.notify(incident(n=n), TENANT) for n in range(4)]
    assert sent == [True, False, False, False]
    assert await incidents.notify(incident("ValueError"), TENANT), "another error type is another incident"
    throttle.now = 299
    assert await incidents.send_summaries() == 0

    throttle.now = 300
    assert await incidents.send_summaries() == 1
    assert mailer.subjects == [
        "[INCIDENT] KeyError on /products/0",
        "[INCIDENT] ValueError on /products/0",
        "[INCIDENT] KeyError on /products/{product_id:uuid}: 4 times",
    ]
    assert "Unmailed occurrences: 3" in mailer.bodies[-1]


async def test_mails_over_the_cap_wait_for_the_summary():
    throttle, mailer = FakeIncidentThrottle(window_seconds=30, mails_per_minute=2), FakeMailer()
    incidents = service(throttle, mailer)

    sent = [await incidents.notify(incident(f"Error{n}"), TENANT) for n in range(3)]

    assert sent == [True, True, False]
    throttle.now = 60  # a new minute
    assert await incidents.send_summaries() == 1
    assert mailer.subjects[-1] == "[INCIDENT] Error2 on /products/{product_id:uuid}: 1 times"
    assert "None was mailed before" in mailer.bodies[-1]


async def test_a_first_mail_that_failed_is_told_by_the_summary():
    throttle, mailer = FakeIncidentThrottle(window_seconds=30, mails_per_minute=10), FakeMailer()
    incidents = service(throttle, mailer)
    mailer.fail_next = True

    with pytest.raises(ConnectionError):  # the job fails; SAQ retries it
        await incidents.notify(incident(), TENANT)
    assert not await incidents.notify(incident(), TENANT), "the retry is a repeat within the window"

    throttle.now = 30
    assert await incidents.send_summaries() == 1
    assert "Unmailed occurrences: 2" in mailer.bodies[-1]


def failing_request(reporter: object) -> Any:
    container = SimpleNamespace(settings=SimpleNamespace(app=SimpleNamespace(default_tenant_id=TENANT)))
    app = SimpleNamespace(state=SimpleNamespace(incident_reporter=reporter, container=container))
    return SimpleNamespace(app=app, scope={"state": {}, "path_template": "/boom"}, method="GET",
                           url=SimpleNamespace(path="/boom"))  # fmt: skip


async def test_handing_over_never_raises_nor_waits_even_when_the_queue_hangs_or_fails():
    hanging, release = asyncio.Event(), asyncio.Event()

    class HangingReporter:
        async def report(self, incident: Incident, tenant_id: UUID) -> None:
            hanging.set()
            await release.wait()

    class FailingReporter:
        async def report(self, incident: Incident, tenant_id: UUID) -> None:
            raise ConnectionError("Redis is down")

    web_incidents.report_in_background(failing_request(HangingReporter()), RuntimeError("boom"))
    web_incidents.report_in_background(failing_request(FailingReporter()), RuntimeError("boom"))
    await asyncio.wait_for(hanging.wait(), 5)  # handed over in the background, after the call returned
    release.set()
    await asyncio.gather(*web_incidents._pending)


async def test_reports_are_dropped_rather_than_piling_up_while_the_queue_hangs(monkeypatch: pytest.MonkeyPatch):
    release = asyncio.Event()
    started = 0

    class HangingReporter:
        async def report(self, incident: Incident, tenant_id: UUID) -> None:
            nonlocal started
            started += 1
            await release.wait()

    monkeypatch.setattr(web_incidents, "MAX_PENDING_REPORTS", 3)
    for _ in range(5):
        web_incidents.report_in_background(failing_request(HangingReporter()), RuntimeError("boom"))
    pending = list(web_incidents._pending)
    release.set()
    await asyncio.gather(*pending)
    assert started == 3
