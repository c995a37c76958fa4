"""The product report: a cross-aggregate read, served by a reader (query separation), not by aggregates."""

from __future__ import annotations

from app.domain.pagination import MAX_PAGE_SIZE, Cursor, Page, PageRequest, Slice, Sort, keyset_slice
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import ProductReportReader
from app.services.read_models import ProductReportRow, ReportFilter

REPORT_SORT = Sort("name")
"""The report in keyset pages: by product name, bytewise, ties by product id."""


def _require_report_access(user: UserContext) -> None:
    require(
        user, Capability.PRODUCTS_REPORT, action="get_product_report", reason="Only admins can view product reports"
    )


class ReportService:
    def __init__(self, reader: ProductReportReader) -> None:
        self._reader = reader

    async def product_report(
        self, user: UserContext, filters: ReportFilter, page: PageRequest
    ) -> Page[ProductReportRow]:
        _require_report_access(user)
        return await self._reader.report(user.tenant_id, filters, page)

    async def browse_product_report(
        self, user: UserContext, filters: ReportFilter, after: Cursor | None = None, limit: int = 20
    ) -> Slice[ProductReportRow]:
        """One keyset page of the report, by name, and the next page's cursor."""
        _require_report_access(user)
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        rows = await self._reader.browse(user.tenant_id, filters, after, limit + 1)
        return keyset_slice(rows, limit, REPORT_SORT, lambda row: (row.name, row.product_id))
