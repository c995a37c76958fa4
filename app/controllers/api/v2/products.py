"""Products (docs/api/v2.md): the catalog in keyset pages; one product read with a strong ETag, changed or
soft-deleted with If-Match (admin)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter

from app.controllers.api.v2 import wire
from app.controllers.api.v2.listing import NEXT_PAGE_HEADERS, CursorParameter, Limit, decode_cursor, page_of
from app.domain.pagination import DEFAULT_PAGE_SIZE
from app.domain.parsing import parse_price, storable
from app.domain.products import Product
from app.domain.users import UserContext
from app.services.catalog import CATALOG_SORTS, CatalogService, catalog_sort
from app.services.idempotency import IdempotencyService, StoredResponse
from app.services.products import ProductAdminService
from app.services.read_models import CatalogFilter
from app.web.conditional import fresh, matched_version, stale_is_precondition_failed
from app.web.current_user import admin_required
from app.web.idempotency import NO_CONTENT, answer, idempotent_request, send

PriceBound = Annotated[str | None, Parameter(description='A decimal amount such as "12.50", bounds included.')]


def _price_bound(raw: str | None, field: str) -> Decimal | None:
    return parse_price(raw, field) if raw is not None and raw.strip() else None


def _version_reader(catalog: CatalogService, user: UserContext, product_id: UUID) -> Callable[[], Awaitable[int]]:
    """Reads the product's current version: for the If-Match check, and for the 412's ETag after a lost race."""

    async def current_version() -> int:
        return (await catalog.get_product(user, product_id)).version

    return current_version


def _product_changed(product: Product) -> StoredResponse:
    return answer(wire.product(product), version=product.version)


class ProductsController(Controller):
    path = "/products"
    tags = ["v2 products"]

    @get("/", operation_id="v2ListProducts", responses=wire.problems(422), response_headers=NEXT_PAGE_HEADERS)
    async def list_products(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        q: Annotated[str, Parameter(description="Words in the product's name.", max_length=200)] = "",
        min_price: PriceBound = None,
        max_price: PriceBound = None,
        in_stock: Annotated[bool, Parameter(description="Only products with stock left.")] = False,
        sort: Annotated[
            str,
            Parameter(
                description=f"One of {', '.join(CATALOG_SORTS)}.",
                pattern="^(" + "|".join(CATALOG_SORTS) + ")$",  # documented; the refusal stays ours (422, in words)
            ),
        ] = "name",
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[wire.ProductPage]:
        """Live products in keyset pages (no offsets: a page costs the same however deep, and products
        created or deleted meanwhile neither repeat nor vanish); the next page is in `Link: rel="next"`."""
        order = catalog_sort(sort)
        filters = CatalogFilter(
            search=storable(q).strip(),
            min_price=_price_bound(min_price, "min_price"),
            max_price=_price_bound(max_price, "max_price"),
            in_stock_only=in_stock,
        )
        page = await catalog.browse_products(user, filters, order, decode_cursor(cursor, order), limit)
        return page_of(request, page, wire.product, wire.ProductPage)


class ProductController(Controller):
    path = "/products/{product_id:uuid}"
    tags = ["v2 products"]

    @get("/", operation_id="v2GetProduct", responses=wire.problems(304, 404))
    async def get_product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        product_id: FromPath[UUID],
    ) -> Response[wire.Product]:
        """A deleted product is shown only to those who may see deleted products (404 for anyone else)."""
        product = await catalog.get_product(user, product_id)
        return fresh(request, product.version, lambda: wire.product(product))

    @patch(
        "/",
        operation_id="v2UpdateProduct",
        guards=[admin_required],
        responses=wire.problems(400, 401, 403, 404, 409, 412, 422, 428),
    )
    async def update_product(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[wire.ProductChanges],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        products: NamedDependency[ProductAdminService],
        idempotency_keys: NamedDependency[IdempotencyService],
        product_id: FromPath[UUID],
    ) -> Response[wire.Product]:
        """Partial update; `If-Match` required (428 without it, 412 with the current ETag when stale).

        An optional `Idempotency-Key` makes the retry of a change that succeeded replay its answer
        (looked up before If-Match is compared, so it is not a 412)."""
        idempotency = await idempotent_request(request, _product_changed, required=False)
        await idempotency_keys.replay_if_answered(user, idempotency)
        current_version = _version_reader(catalog, user, product_id)
        expected = matched_version(request, await current_version())
        async with stale_is_precondition_failed(current_version):
            product = await products.update_product(
                user,
                product_id,
                expected_version=expected,
                name=data.name,
                price=data.price,
                stock_quantity=data.stock_quantity,
                description=data.description,
                idempotency=idempotency,
            )
        return send(_product_changed(product), replayed=False)

    @delete(
        "/",
        operation_id="v2DeleteProduct",
        guards=[admin_required],
        status_code=204,
        responses=wire.problems(400, 401, 403, 404, 409, 412, 422, 428),
    )
    async def delete_product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        products: NamedDependency[ProductAdminService],
        idempotency_keys: NamedDependency[IdempotencyService],
        product_id: FromPath[UUID],
    ) -> Response[None]:
        """Soft delete (an admin can still read it, and restore it); `If-Match` required. With an optional
        `Idempotency-Key`, the retry of a deletion that succeeded is answered 204 again, not 412."""
        idempotency = await idempotent_request(request, lambda product: NO_CONTENT, required=False)
        await idempotency_keys.replay_if_answered(user, idempotency)
        current_version = _version_reader(catalog, user, product_id)
        expected = matched_version(request, await current_version())
        async with stale_is_precondition_failed(current_version):
            await products.delete_product(user, product_id, expected_version=expected, idempotency=idempotency)
        return send(NO_CONTENT, replayed=False)
