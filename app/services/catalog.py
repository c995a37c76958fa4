"""The public catalog: what anyone may browse."""

from __future__ import annotations

from uuid import UUID

from app.domain.errors import ProductNotFound
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
        return await self._reader.list_products(user.tenant_id, filters, page)

    async def get_product(self, user: UserContext, product_id: UUID) -> ProductView:
        """One product as the catalog shows it; a deleted one only to those who may see deleted products."""
        product = await self._reader.get_product(user.tenant_id, product_id)
        if product is None or (product.deleted_at is not None and not user.can(Capability.PRODUCTS_VIEW_DELETED)):
            raise ProductNotFound(product_id)
        return product
