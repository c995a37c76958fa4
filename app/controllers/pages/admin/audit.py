"""The audit log page: every recorded event, newest first, filtered by aggregate, actor, type, request and time."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from app.controllers.pages.admin.filters import FilterForm, FilterNotes, parse_id, parse_text, parse_utc_datetime
from app.domain.events import event_classes
from app.domain.pagination import PageRequest
from app.domain.users import UserContext
from app.services.audit import AuditService
from app.services.read_models import AuditFilter
from app.services.users import UserAdminService
from app.web.rendering import page_url, render

PAGE_SIZE = 50


@dataclass(frozen=True)
class EventKinds:
    """The aggregate types and event types the domain records: the choices the filter form offers."""

    aggregate_types: tuple[str, ...]
    event_types: tuple[str, ...]


@cache
def event_kinds() -> EventKinds:
    """Read from the domain's event classes, so a new event appears in the form without editing it.

    Events are the classes that pin an `event_type` (ProductCreated); the classes between
    (ProductEvent) only name the aggregate type.
    """
    kinds = event_classes()
    return EventKinds(
        aggregate_types=tuple(sorted({kind.aggregate_type for kind in kinds})),
        event_types=tuple(kind.event_type for kind in kinds),
    )


@dataclass(frozen=True)
class AuditQuery(FilterForm[AuditFilter]):
    aggregate_type: str = ""
    aggregate_id: str = ""
    actor: str = ""
    event_type: str = ""
    request_id: str = ""
    since: str = ""
    until: str = ""

    def read(self, notes: FilterNotes) -> AuditFilter:
        filters = AuditFilter(
            aggregate_type=notes.read("aggregate_type", self.aggregate_type, parse_text) or "",
            aggregate_id=notes.read("aggregate_id", self.aggregate_id, parse_id),
            actor_id=notes.read("actor", self.actor, parse_id),
            event_type=notes.read("event_type", self.event_type, parse_text) or "",
            request_id=notes.read("request_id", self.request_id, parse_text) or "",
            since=notes.read("since", self.since, parse_utc_datetime),
            until=notes.read("until", self.until, parse_utc_datetime),
        )
        if filters.since and filters.until and filters.until <= filters.since:
            notes["until"] = "Until is not after since: no entry can match."
        return filters


class AdminAuditController(Controller):
    path = "/admin/audit"
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminAudit")
    async def audit(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        audit: NamedDependency[AuditService],
        user_admin: NamedDependency[UserAdminService],
        aggregate_type: FromQuery[str] = "",
        aggregate_id: FromQuery[str] = "",
        actor: FromQuery[str] = "",
        event_type: FromQuery[str] = "",
        request_id: FromQuery[str] = "",
        since: FromQuery[str] = "",
        until: FromQuery[str] = "",
        page: FromQuery[str | None] = None,
    ) -> Template:
        query = AuditQuery(aggregate_type, aggregate_id, actor, event_type, request_id, since, until)
        filters, notes = query.to_filter()
        entries = await audit.list_entries(user, filters, PageRequest.parse(page, PAGE_SIZE))
        return render(
            request,
            "pages/admin/audit.html",
            block="results",
            page=entries,
            query=query,
            filters=filters,
            notes=notes,
            kinds=event_kinds(),
            actors=await user_admin.list_users(user),
            page_url=page_url("/admin/audit", query.params()),
        )
