"""Reporting an unhandled error without delaying its response: a background task enqueues it."""

from __future__ import annotations

import asyncio
import traceback
from typing import Any

import structlog
from litestar import Request

from app.domain.events import utc_now
from app.domain.incidents import Incident
from app.services.incidents import IncidentReporter
from app.web.current_user import USER_STATE_KEY

log = structlog.get_logger(__name__)
_pending: set[asyncio.Task[None]] = set()  # keep references: an unreferenced task may be collected mid-flight

MAX_TRACEBACK_CHARS = 20_000
MAX_PENDING_REPORTS = 100


def report_in_background(request: Request[Any, Any, Any], exc: BaseException) -> None:
    """Hand the incident over in a background task; never raises and never waits (the 500 goes out as is)."""
    reporter: IncidentReporter | None = getattr(request.app.state, "incident_reporter", None)
    if reporter is None:
        return
    if len(_pending) >= MAX_PENDING_REPORTS:  # the queue is slow or down and errors keep coming: drop, do not pile up
        log.warning("incident_report_dropped", pending=len(_pending))
        return
    try:
        user = request.scope["state"].get(USER_STATE_KEY)
        incident = Incident(
            error_type=type(exc).__name__,
            message=str(exc)[:1000],
            method=request.method,
            path=request.url.path,
            user_id=user.user_id if user is not None else None,
            request_id=request.scope["state"].get("request_id"),
            occurred_at=utc_now(),
            traceback="".join(traceback.format_exception(exc))[-MAX_TRACEBACK_CHARS:],
            route=request.scope.get("path_template") or "",
        )
        tenant_id = user.tenant_id if user is not None else request.app.state.container.settings.app.default_tenant_id
    except Exception:  # describing the error failed: the error itself is already logged
        log.warning("incident_report_failed", exc_info=True)
        return

    async def hand_over() -> None:
        try:
            await reporter.report(incident, tenant_id)
        except Exception:  # the queue is down: the error itself is already logged with its traceback
            log.warning("incident_report_failed", request_id=incident.request_id, exc_info=True)

    task = asyncio.get_running_loop().create_task(hand_over())
    _pending.add(task)
    task.add_done_callback(_pending.discard)
