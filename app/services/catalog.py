"""The public catalog: what anyone may browse."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from app.domain.errors import ProductNotFound, ValidationError
from app.domain.pagination import MAX_PAGE_SIZE, Cursor, InvalidCursor, Page, PageRequest, Slice, Sort
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import CatalogReader
from app.services.read_models import Browse, CatalogFilter, ProductView

CATALOG_SORTS: dict[str, Sort] = {
    sort.token: sort
    for sort in (
        Sort("name"),
        Sort("name", descending=True),
        Sort("price", key_type=Decimal),
        Sort("price", descending=True, key_type=Decimal),
        Sort("created_at", descending=True, key_type=datetime),
    )
}
"""The orders the catalog offers, by their URL token; each one is served by an index (no sort)."""
DEFAULT_CATALOG_SORT = CATALOG_SORTS["name"]
HTML_COUNT_CAP = 1000
"""The HTML catalog counts this far and then says "1,000+": a shopper needs the order of magnitude, and
an exact count reads every matching row."""


def catalog_sort(token: str | None) -> Sort:
    """The sort a URL names (`price`, `-price`, …); none means by name."""
    if not token:
        return DEFAULT_CATALOG_SORT
    try:
        return CATALOG_SORTS[token]
    except KeyError:
        raise ValidationError("sort", f"Sort by one of: {', '.join(CATALOG_SORTS)}.") from None


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

    async def browse_products(
        self,
        user: UserContext,
        filters: CatalogFilter,
        sort: Sort = DEFAULT_CATALOG_SORT,
        after: Cursor | None = None,
        limit: int = 20,
        *,
        skip: int = 0,
        count_up_to: int | None = None,
    ) -> Slice[ProductView]:
        """One keyset page: `limit` products after `after` in `sort` order (ties broken by id), the cursor
        of the next page, and, when `count_up_to` is given, how many match (capped there).

        `skip` only serves old page-number links (an OFFSET from `after`, or from the start).
        """
        if filters.include_deleted:
            require(
                user,
                Capability.PRODUCTS_VIEW_DELETED,
                action="browse_products",
                reason="Only administrators can see deleted products",
            )
        if after is not None and after.sort != sort.token:
            raise InvalidCursor("it belongs to another sort order")
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        browse = Browse(sort, after, limit + 1, skip=max(0, skip), count_up_to=count_up_to)
        rows, count = await self._reader.browse_products(user.tenant_id, filters, browse)
        items = rows[:limit]
        last = items[-1] if len(rows) > limit else None
        next_cursor = Cursor(sort.token, getattr(last, sort.field), last.id) if last is not None else None
        return Slice(items=items, next_cursor=next_cursor, count=count)

    async def get_product(self, user: UserContext, product_id: UUID) -> ProductView:
        """One product as the catalog shows it; a deleted one only to those who may see deleted products."""
        product = await self._reader.get_product(user.tenant_id, product_id)
        if product is None or (product.deleted_at is not None and not user.can(Capability.PRODUCTS_VIEW_DELETED)):
            raise ProductNotFound(product_id)
        return product
