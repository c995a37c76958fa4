"""Steps for incident_notification.feature: an unhandled error, its 500 answer, and the worker's e-mail.

The error is raised by the admins' test-error trigger (the dashboard's button, or API v1's
`/debug/trigger-error/`), over HTTP against the real app. Its 500 handler hands the incident to the
worker as a SAQ job on the real queue; the worker is played by running that job — the one the failed
request queued, found by its request id — through the worker's own job function (`notify_incident`),
with what the worker's start-up wires into it: the flag and account services, the recipients read
from INCIDENT_RECIPIENTS, and the e-mail sender `build_email_sender` picks without SMTP, which writes
`.eml` files under DATA_DIR/mail. DATA_DIR is this scenario's own directory, so the e-mails read back
are this scenario's alone. Flags and groups are arranged through the app's services.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from saq import Queue
from saq.job import Status

from app.adapters.incidents import NOTIFY_JOB, RedisIncidentThrottle
from app.domain.events import utc_now
from app.services.incidents import IncidentService
from app.settings import EmailSettings, Settings, get_settings
from app.tasks.worker import build_email_sender, notify_incident
from tests.features.conftest import WHO, Emporium
from tests.support.mail import sent_mails

pytestmark = pytest.mark.usefixtures("shop")  # every scenario in each shop (conftest.SHOPS)
scenarios("incident_notification.feature")

JOB_WAIT_SECONDS = 10.0
"""How long the incident may take to reach the queue (the 500 handler enqueues it in the background)."""


@dataclass
class Incidents:
    """One scenario's failed request and what became of it."""

    emporium: Emporium
    data_dir: Path  # the worker's DATA_DIR
    caplog: pytest.LogCaptureFixture
    answer: httpx.Response | None = None
    request_id: str = ""
    asked_at: datetime | None = None
    answered_at: datetime | None = None
    sent: bool | None = None  # what the worker's job returned

    def worker_settings(self) -> Settings:
        """The worker's settings: read from the environment as at its start-up, with this scenario's DATA_DIR."""
        settings = get_settings()
        return replace(settings, app=replace(settings.app, data_dir=self.data_dir), email=EmailSettings())

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def the_mail(self) -> EmailMessage:
        assert self.sent is True, "the worker sent no e-mail"
        mails = sent_mails(self.mail_dir)
        assert len(mails) == 1, f"{len(mails)} e-mails were sent"
        return mails[0]


@pytest.fixture
def incidents(
    emporium: Emporium, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> Iterator[Incidents]:
    monkeypatch.delenv("SMTP_HOST", raising=False)  # e-mails go to files (the file adapter), as in development
    monkeypatch.delenv("INCIDENT_RECIPIENTS", raising=False)
    # The app's start-up (in this scenario's first step) set up logging and replaced the root logger's
    # handlers, pytest's capture among them: put the capture back, beside the app's own handler.
    root = logging.getLogger()
    root.addHandler(caplog.handler)
    yield Incidents(emporium, tmp_path / "data", caplog)
    root.removeHandler(caplog.handler)


async def _queued_incident(queue: Queue, request_id: str) -> dict[str, Any]:
    """The arguments of the incident job the failed request queued.

    Waited for: the 500 handler enqueues it in the background, after the answer went out.
    """
    deadline = asyncio.get_running_loop().time() + JOB_WAIT_SECONDS
    while True:
        found = [
            job.kwargs
            async for job in queue.iter_jobs(statuses=[Status.QUEUED])
            if job.function == NOTIFY_JOB and job.kwargs and job.kwargs["incident"]["request_id"] == request_id
        ]
        if found:
            assert len(found) == 1, f"the incident was queued {len(found)} times"
            return found[0]
        assert asyncio.get_running_loop().time() < deadline, f"no incident was queued in {JOB_WAIT_SECONDS} s"
        await asyncio.sleep(0.05)


def _fields(message: EmailMessage) -> tuple[dict[str, str], str]:
    """The e-mail's labelled lines ("Error type: …", keyed in lower case) and its traceback."""
    body = message.get_content()
    head, separator, traceback = body.partition("\nTraceback:\n")
    assert separator, "the e-mail carries no traceback"
    labelled = re.findall(r"^([A-Z][a-z]*(?: [a-z]+)?):[ ]+(.*)$", head, re.M)
    return {label.lower(): value for label, value in labelled}, traceback


def _user_id(emporium: Emporium, name: str) -> Any:
    user_id = emporium.sql("SELECT id FROM app_user WHERE username = $1", name.lower())
    assert user_id is not None, f"{name} has no account"
    return user_id


# --- arranging ------------------------------------------------------------------------------------------


@given(parsers.re(r'incident e-mails go to "(?P<recipients>[^"]+)"'))
def recipients_configured(incidents: Incidents, monkeypatch: pytest.MonkeyPatch, recipients: str) -> None:
    monkeypatch.setenv("INCIDENT_RECIPIENTS", recipients)
    assert incidents.worker_settings().email.incident_recipients == tuple(r.strip() for r in recipients.split(","))


@given("no incident recipients are configured")
def no_recipients(incidents: Incidents) -> None:
    assert incidents.worker_settings().email.incident_recipients == ()


@given(parsers.re(rf'the group "(?P<group>[^"]+)" has the member {WHO}'))
def group_with_member(emporium: Emporium, group: str, who: str) -> None:
    flags = emporium.container.flags
    created = emporium.on_app_loop(flags.create_group, emporium.system, name=group)
    emporium.on_app_loop(flags.add_member, emporium.system, created.id, _user_id(emporium, who))


@given(parsers.re(r'the flag "(?P<flag>[^"]+)" is on for everyone'))
def flag_on(emporium: Emporium, flag: str) -> None:
    emporium.on_app_loop(emporium.container.flags.create_flag, emporium.system, name=flag, enabled=True)


@given(parsers.re(r'the flag "(?P<flag>[^"]+)" is on only for the group "(?P<group>[^"]+)"'))
def flag_targeted(emporium: Emporium, flag: str, group: str) -> None:
    flags = emporium.container.flags
    emporium.on_app_loop(flags.create_flag, emporium.system, name=flag, enabled=True)
    group_id = emporium.sql("SELECT id FROM user_group WHERE name = $1", group)
    assert group_id is not None, f'there is no group "{group}"'
    emporium.on_app_loop(flags.set_targets, emporium.system, flag, {group_id})


@given(parsers.re(r'the flag "(?P<flag>[^"]+)" is switched off'))
def flag_off(emporium: Emporium, flag: str) -> None:
    emporium.on_app_loop(emporium.container.flags.create_flag, emporium.system, name=flag, enabled=False)


@given(parsers.re(r'the flag "(?P<flag>[^"]+)" does not exist'))
def no_flag(emporium: Emporium, flag: str) -> None:
    assert emporium.sql("SELECT count(*) FROM feature_flag WHERE name = $1", flag) == 0


# --- the failing request ----------------------------------------------------------------------------------


@when(parsers.re(rf"{WHO} triggers the test error (?P<where>from the admin dashboard|through the API)"))
def trigger(incidents: Incidents, who: str, where: str) -> None:
    emporium = incidents.emporium
    emporium.act_as(who)
    incidents.asked_at = utc_now()
    if where == "through the API":
        answer = emporium.send(who, "POST", "/debug/trigger-error/")
    else:
        dashboard = emporium.http.get("/admin")
        assert dashboard.status_code == 200, dashboard.text
        button = re.search(
            r'<form method="post" action="(/admin/debug/trigger-error)">\s*'
            r'<input type="hidden" name="csrf_token" value="([^"]+)">',
            dashboard.text,
        )
        assert button, "the dashboard has no test-error button"
        answer = emporium.http.post(button.group(1), data={"csrf_token": button.group(2)})
    incidents.answered_at = utc_now()
    incidents.answer = answer
    incidents.request_id = answer.headers.get("x-request-id", "")
    assert incidents.request_id, "the answer names no request"


@then(parsers.re(rf"{WHO} is answered with a server error that names the request's id"))
def answered_500(incidents: Incidents, who: str) -> None:
    answer, request_id = incidents.answer, incidents.request_id
    assert answer is not None and answer.status_code == 500, answer.text if answer else "nothing was asked"
    assert "Traceback" not in answer.text
    if answer.headers["content-type"].startswith("application/json"):
        assert answer.json() == {"error": "Internal server error", "request_id": request_id}
    else:
        page = html.unescape(answer.text)
        assert "<h1>Something went wrong</h1>" in page
        assert f'<p class="muted">Reference: <code>{request_id}</code></p>' in page


# --- the worker -------------------------------------------------------------------------------------------


@when("the worker has handled the incident")
def worker_handles(incidents: Incidents) -> None:
    emporium = incidents.emporium
    job_arguments = emporium.on_app_loop(_queued_incident, emporium.container.queue, incidents.request_id)
    settings = incidents.worker_settings()
    context = {  # as the worker's start-up wires it (app.tasks.worker.startup)
        "incidents": IncidentService(
            emporium.container.flags,
            emporium.container.auth,
            build_email_sender(settings),
            settings.email.incident_recipients,
            # The worker's throttle, in this scenario's own namespace: an earlier scenario's error of the
            # same kind must not make this one a repeat.
            RedisIncidentThrottle(
                emporium.container.redis,
                namespace=f"scenario-{uuid4()}",
                window_seconds=settings.email.incident_window_seconds,
                mails_per_minute=settings.email.incident_mails_per_minute,
            ),
        )
    }
    incidents.sent = emporium.on_app_loop(notify_incident, context, **job_arguments)


@then(parsers.re(r'one incident e-mail has been sent, to "(?P<recipients>[^"]+)"'))
def one_mail(incidents: Incidents, recipients: str) -> None:
    message = incidents.the_mail()
    assert message["To"] == recipients
    assert message["From"] == incidents.worker_settings().email.sender


@then("no e-mail has been sent")
def no_mail(incidents: Incidents) -> None:
    assert incidents.sent is False
    assert sent_mails(incidents.mail_dir) == []


@then(parsers.re(r'its subject is "(?P<subject>[^"]+)"'))
def subject_is(incidents: Incidents, subject: str) -> None:
    assert incidents.the_mail()["Subject"] == subject


@then("it tells")
def it_tells(incidents: Incidents, datatable: list[list[str]]) -> None:
    fields, _ = _fields(incidents.the_mail())
    expected = {row[0].strip(): row[1].strip() for row in datatable}
    assert {label: fields.get(label) for label in expected} == expected


@then(parsers.re(rf"it names {WHO} as the user, the request's id, when the error happened and its traceback"))
def names_the_rest(incidents: Incidents, who: str) -> None:
    fields, traceback = _fields(incidents.the_mail())
    assert fields["user id"] == incidents.emporium.account(who).user_id
    assert fields["request id"] == incidents.request_id
    assert incidents.asked_at is not None and incidents.answered_at is not None
    assert incidents.asked_at <= datetime.fromisoformat(fields["timestamp"]) <= incidents.answered_at
    lines = traceback.strip().splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert ", in trigger_error" in traceback  # where it was raised
    assert lines[-1].endswith(f"{fields['error type']}: {fields['message']}")


@then("a warning says the incident of that request was not sent, for want of recipients")
def warned(incidents: Incidents) -> None:
    warnings = [
        record.getMessage()
        for record in incidents.caplog.records
        if record.name == "app.services.incidents" and record.levelname == "WARNING"
    ]
    assert warnings == [f"incident_not_sent_no_recipients request_id={incidents.request_id}"]
