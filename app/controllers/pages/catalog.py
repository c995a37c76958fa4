"""The public catalog: the product list with its filters, and a product's own page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.domain.errors import ValidationError
from app.domain.pagination import Cursor, PageRequest
from app.domain.parsing import parse_price
from app.domain.users import UserContext
from app.services.carts import CartService
from app.services.catalog import HTML_COUNT_CAP, CatalogService, catalog_sort
from app.services.read_models import CatalogFilter
from app.web.cart_badge import refresh_cart_badge
from app.web.rendering import render

SORT_LABELS = {
    "name": "Name (A–Z)",
    "-name": "Name (Z–A)",
    "price": "Price, low to high",
    "-price": "Price, high to low",
    "-created_at": "Newest first",
}


@dataclass(frozen=True)
class CatalogQuery:
    """The filter form as the shopper filled it in: echoed back into the form and the page links."""

    search: str = ""
    min_price: str = ""
    max_price: str = ""
    in_stock: bool = False
    page_size: str = ""
    sort: str = "name"

    def to_filter(self) -> tuple[CatalogFilter, dict[str, str]]:
        """The filter for the catalog service, and a note for each price bound that was ignored."""
        min_price, min_note = _price_bound(self.min_price)
        max_price, max_note = _price_bound(self.max_price)
        notes = {name: note for name, note in (("min_price", min_note), ("max_price", max_note)) if note}
        filters = CatalogFilter(
            search=self.search.strip(), min_price=min_price, max_price=max_price, in_stock_only=self.in_stock
        )
        return filters, notes

    @property
    def is_filtering(self) -> bool:
        return bool(self.search.strip() or self.min_price.strip() or self.max_price.strip() or self.in_stock)

    def params(self) -> dict[str, Any]:
        """Query parameters that page links keep (`url` drops the empty ones)."""
        return {
            "search": self.search,
            "min_price": self.min_price,
            "max_price": self.max_price,
            "in_stock": "1" if self.in_stock else "",
            "page_size": self.page_size,
            "sort": "" if self.sort == "name" else self.sort,
        }

    def url(self, after: Cursor | None = None) -> str:
        """This query's catalog URL, starting after `after` (from the first page without it)."""
        kept = {k: v for k, v in self.params().items() if v}
        if after is not None:
            kept["after"] = after.encode()
        return f"/?{urlencode(kept)}" if kept else "/"


def _price_bound(raw: str) -> tuple[Decimal | None, str | None]:
    """A bad bound (`abc`, `-5`) is ignored with a note beside its field: a filter never fails the page."""
    if not raw.strip():
        return None, None
    try:
        return parse_price(raw), None
    except ValidationError as error:
        return None, f"Ignored “{raw.strip()}”: {error.message[0].lower()}{error.message[1:]}."


class CatalogController(Controller):
    tags = ["pages"]

    @get(["/", "/products"], operation_id="catalogPage", include_in_schema=False)
    async def catalog(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        carts: NamedDependency[CartService],
        search: FromQuery[str] = "",
        min_price: FromQuery[str] = "",
        max_price: FromQuery[str] = "",
        in_stock: FromQuery[str] = "",
        sort: FromQuery[str] = "",
        after: FromQuery[str] = "",
        page: FromQuery[str | None] = None,
        page_size: FromQuery[str] = "",
    ) -> Template:
        """Keyset pages ("Next" carries a cursor in `after`); `page=N` still works for links made before."""
        order = catalog_sort(sort)
        query = CatalogQuery(search, min_price, max_price, in_stock not in ("", "0"), page_size, order.token)
        filters, notes = query.to_filter()
        cursor = Cursor.decode(after, order) if after else None
        numbered = PageRequest.parse(page, page_size or None)
        results = await catalog.browse_products(
            user, filters, order, cursor, numbered.page_size, skip=numbered.offset, count_up_to=HTML_COUNT_CAP
        )
        await refresh_cart_badge(request, user, carts)
        return render(
            request,
            "pages/catalog.html",
            block="results",
            page=results,
            query=query,
            notes=notes,
            sorts=SORT_LABELS,
            next_url=query.url(results.next_cursor) if results.next_cursor else None,
            first_url=query.url() if cursor is not None or numbered.offset else None,
        )

    @get("/products/{product_id:uuid}", operation_id="productPage", include_in_schema=False)
    async def product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        carts: NamedDependency[CartService],
        product_id: FromPath[UUID],
    ) -> Template:
        product = await catalog.get_product(user, product_id)
        await refresh_cart_badge(request, user, carts)
        return render(request, "pages/product.html", product=product)
