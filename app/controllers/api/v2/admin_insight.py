"""Admin: the product report and the audit log, read across aggregates in keyset pages (docs/api/v2.md).

Admins only (401 anonymous, 403 a customer, before any input is read). A filter value that cannot
be used is a 422 naming its parameter (the HTML pages ignore it with a note instead).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from app.controllers.api.v2 import wire
from app.controllers.api.v2 import wire_admin_insight as insight
from app.controllers.api.v2.listing import NEXT_PAGE_HEADERS, CursorParameter, Limit, decode_cursor, page_of
from app.domain.errors import ValidationError
from app.domain.pagination import DEFAULT_PAGE_SIZE
from app.domain.parsing import is_storable, storable
from app.domain.products import MAX_STOCK
from app.domain.users import UserContext
from app.services.audit import AUDIT_SORT, AuditService
from app.services.read_models import AuditFilter, ReportFilter
from app.services.reports import REPORT_SORT, ReportService
from app.web.current_user import admin_required


def _exact(raw: str | None, field: str) -> str:
    """An exact-match filter ('' or absent: any); text PostgreSQL cannot hold matches nothing, so say so."""
    if raw is None:
        return ""
    if not is_storable(raw):
        raise ValidationError(field, "Use printable text (no NUL characters)")
    return raw.strip()


def _moment(value: datetime | None) -> datetime | None:
    """RFC 3339; a time without an offset is read as UTC."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ProductReportController(Controller):
    path = "/reports/products"
    tags = ["v2 admin: report"]
    guards = [admin_required]

    @get(
        "/",
        operation_id="v2ProductReport",
        responses=wire.problems(401, 403, 422),
        response_headers=NEXT_PAGE_HEADERS,
    )
    async def product_report(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        reports: NamedDependency[ReportService],
        q: Annotated[str, Parameter(description="Words in the product's name.", max_length=200)] = "",
        include_deleted: Annotated[bool, Parameter(description="Deleted products too.")] = False,
        low_stock_threshold: Annotated[
            int | None, Parameter(description="Only products with at most this many in stock.", ge=0, le=MAX_STOCK)
        ] = None,
        has_sales: Annotated[bool | None, Parameter(description="Only products sold (true) or never sold.")] = None,
        has_reservations: Annotated[
            bool | None, Parameter(description="Only products reserved in some cart (true) or in none.")
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[insight.ProductReportPage]:
        """Every product with its units sold and reserved, by name; the next page is in `Link: rel="next"`."""
        filters = ReportFilter(
            search=storable(q).strip(),
            include_deleted=include_deleted,
            low_stock_threshold=low_stock_threshold,
            has_sales=has_sales,
            has_reservations=has_reservations,
        )
        page = await reports.browse_product_report(user, filters, decode_cursor(cursor, REPORT_SORT), limit)
        return page_of(request, page, insight.report_line, insight.ProductReportPage)


ExactText = Annotated[str | None, Parameter(description="Exact match.", max_length=200)]


class AuditLogController(Controller):
    path = "/audit-log"
    tags = ["v2 admin: audit log"]
    guards = [admin_required]

    @get("/", operation_id="v2ListAuditLog", responses=wire.problems(401, 403, 422), response_headers=NEXT_PAGE_HEADERS)
    async def audit_log(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        audit: NamedDependency[AuditService],
        aggregate_type: ExactText = None,
        aggregate_id: Annotated[UUID | None, Parameter(description="The changed object's id.")] = None,
        actor_id: Annotated[UUID | None, Parameter(description="The user who made the change.")] = None,
        event_type: ExactText = None,
        request_id: ExactText = None,
        since: Annotated[datetime | None, Parameter(description="From this moment, included (RFC 3339).")] = None,
        until: Annotated[datetime | None, Parameter(description="Before this moment (RFC 3339).")] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[insight.AuditLogPage]:
        """Every recorded domain event, newest first by (occurred_at, event_id): pages neither repeat nor skip
        an entry while new ones are recorded. The next page is in `Link: rel="next"`."""
        filters = AuditFilter(
            aggregate_type=_exact(aggregate_type, "aggregate_type"),
            aggregate_id=aggregate_id,
            actor_id=actor_id,
            event_type=_exact(event_type, "event_type"),
            request_id=_exact(request_id, "request_id"),
            since=_moment(since),
            until=_moment(until),
        )
        page = await audit.browse_entries(user, filters, decode_cursor(cursor, AUDIT_SORT), limit)
        return page_of(request, page, insight.audit_entry, insight.AuditLogPage)
