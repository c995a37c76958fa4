"""The product report: a cross-aggregate read, served by a reader (query separation), not by aggregates."""

from __future__ import annotations

from app.domain.pagination import Page, PageRequest
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import ProductReportReader, ProductReportRow, ReportFilter


class ReportService:
    def __init__(self, reader: ProductReportReader) -> None:
        self._reader = reader

    async def product_report(
        self, user: UserContext, filters: ReportFilter, page: PageRequest
    ) -> Page[ProductReportRow]:
        require(
            user, Capability.PRODUCTS_REPORT, action="get_product_report", reason="Only admins can view product reports"
        )
        return await self._reader.report(user.tenant_id, filters, page)
