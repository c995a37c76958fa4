"""The public catalog: the product list with its filters, and a product's own page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.domain.errors import ValidationError
from app.domain.pagination import PageRequest
from app.domain.parsing import parse_price
from app.domain.users import UserContext
from app.services.carts import CartService
from app.services.catalog import CatalogService
from app.services.ports import CatalogFilter
from app.web.cart_badge import refresh_cart_badge
from app.web.rendering import page_url, render


@dataclass(frozen=True)
class CatalogQuery:
    """The filter form as the shopper filled it in: echoed back into the form and the page links."""

    search: str = ""
    min_price: str = ""
    max_price: str = ""
    in_stock: bool = False
    page_size: str = ""

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
        """Query parameters that page links keep (empty ones are dropped by `page_url`)."""
        return {
            "search": self.search,
            "min_price": self.min_price,
            "max_price": self.max_price,
            "in_stock": "1" if self.in_stock else "",
            "page_size": self.page_size,
        }


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
        page: FromQuery[str | None] = None,
        page_size: FromQuery[str] = "",
    ) -> Template:
        query = CatalogQuery(search, min_price, max_price, in_stock not in ("", "0"), page_size)
        filters, notes = query.to_filter()
        results = await catalog.list_products(user, filters, PageRequest.parse(page, page_size or None))
        await refresh_cart_badge(request, user, carts)
        return render(
            request,
            "pages/catalog.html",
            block="results",
            page=results,
            query=query,
            notes=notes,
            page_url=page_url("/", query.params()),
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
