"""The public catalog: what anyone may browse."""

from __future__ import annotations

from dataclasses import replace

from app.domain.pagination import Page, PageRequest
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import CatalogFilter, CatalogReader, ProductView


class CatalogService:
    def __init__(self, reader: CatalogReader) -> None:
        self._reader = reader

    async def list_products(self, user: UserContext, filters: CatalogFilter, page: PageRequest) -> Page[ProductView]:
        if filters.include_deleted:
            require(
                user,
                Capability.PRODUCTS_VIEW_DELETED,
                action="list_products",
                reason="Only administrators can see deleted products",
            )
        elif not user.can(Capability.PRODUCTS_VIEW):
            filters = replace(filters, include_deleted=False)
        return await self._reader.list_products(user.tenant_id, filters, page)
