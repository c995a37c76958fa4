"""The product report page: what each product sold and what carts hold, with the report's filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from app.controllers.pages.admin.filters import FilterForm, FilterNotes, checked, parse_count, tri_state
from app.domain.pagination import PageRequest
from app.domain.users import UserContext
from app.services.read_models import ReportFilter
from app.services.reports import ReportService
from app.web.rendering import page_url, render

PAGE_SIZE = 50


@dataclass(frozen=True)
class ReportQuery(FilterForm[ReportFilter]):
    search: str = ""
    include_deleted: bool = False
    low_stock: str = ""
    has_sales: str = ""
    has_reservations: str = ""

    def read(self, notes: FilterNotes) -> ReportFilter:
        return ReportFilter(
            search=self.search.strip(),
            include_deleted=self.include_deleted,
            low_stock_threshold=notes.read("low_stock", self.low_stock, parse_count),
            has_sales=tri_state(self.has_sales),
            has_reservations=tri_state(self.has_reservations),
        )


class AdminReportController(Controller):
    path = "/admin/report"
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminProductReport")
    async def report(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        reports: NamedDependency[ReportService],
        search: FromQuery[str] = "",
        include_deleted: FromQuery[str] = "",
        low_stock: FromQuery[str] = "",
        has_sales: FromQuery[str] = "",
        has_reservations: FromQuery[str] = "",
        page: FromQuery[str | None] = None,
    ) -> Template:
        query = ReportQuery(search, checked(include_deleted), low_stock, has_sales, has_reservations)
        filters, notes = query.to_filter()
        rows = await reports.product_report(user, filters, PageRequest.parse(page, PAGE_SIZE))
        return render(
            request,
            "pages/admin/report.html",
            block="results",
            page=rows,
            query=query,
            notes=notes,
            page_url=page_url("/admin/report", query.params()),
        )
