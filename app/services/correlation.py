"""The id of the request (or job) that is doing the work, carried implicitly like a log context.

Web middleware sets it per HTTP request; the worker sets it from the event that started a job.
The unit of work stamps it on every event it writes, so one id finds an order's HTTP log lines,
audit entries and job logs.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()
