"""Products (api-v1.md §6): the public catalog, and the admin's create, delete, restore and report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR
from typing import Any
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.errors import bad_request, reworded
from app.controllers.api.v1.guards import login_required
from app.controllers.api.v1.parsing import (
    page_request,
    to_bool,
    to_int,
    to_optional_bool,
    to_optional_int,
    to_price_bound,
    to_uuid,
)
from app.domain.errors import DuplicateProductName, ProductNotFound, ValidationError
from app.domain.products import MAX_STOCK
from app.domain.users import Capability, UserContext
from app.services.catalog import CatalogService
from app.services.products import ProductAdminService
from app.services.read_models import CatalogFilter, ReportFilter
from app.services.reports import ReportService

NO_SUCH_PRODUCT = UUID(int=0)
"""What a malformed id is looked up as: no product has it, so the service still checks the role first."""

NULL_PRICE = "Invalid input: '<=' not supported between instances of 'NoneType' and 'int'"
"""v1's answer to `"price": null` (its comparison failed), kept word for word."""

V1_PRODUCT_WORDING = {
    "Name is required": "Product name cannot be empty",
    "Name must be at most 200 characters": "Product name cannot exceed 200 characters",
    "Price must be a decimal number such as 19.99": "Invalid price format",
    "Price cannot be negative": "Price must be greater than 0",
    "Price can have at most two decimal places": "Price cannot have more than 2 decimal places",
}
"""The domain's refusals of a new product (as the HTML pages word them) → v1's words (§6.2)."""
V1_STOCK_NEGATIVE = "Stock quantity cannot be negative"
V1_STOCK_TOO_LARGE = "Stock is too large"


class ProductsController(Controller):
    """Browse the catalog: one page of products, sorted by name."""

    path = "/products"
    tags = ["v1 products"]

    @get("/", operation_id="v1ListProducts")
    async def list_products(
        self,
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        page: FromQuery[str | None] = None,
        page_size: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        min_price: FromQuery[str | None] = None,
        max_price: FromQuery[str | None] = None,
        in_stock: FromQuery[str | None] = None,
        include_deleted: FromQuery[str | None] = None,
    ) -> wire.V1ProductPage:
        """Never an error: unreadable parameters fall back to their defaults (§2.2)."""
        filters = CatalogFilter(
            search=(search or "").replace("\x00", ""),  # no name holds a NUL, and PostgreSQL refuses one
            min_price=to_price_bound(min_price, ROUND_CEILING),
            max_price=to_price_bound(max_price, ROUND_FLOOR),
            in_stock_only=to_bool(in_stock),
            # v1 ignores the flag for anyone but an admin instead of refusing it.
            include_deleted=to_bool(include_deleted) and user.can(Capability.PRODUCTS_VIEW_DELETED),
        )
        request, echoed_page = page_request(page, page_size)
        results = await catalog.list_products(user, filters, request)
        return serializers.page_of(replace(results, page=echoed_page), serializers.product, wire.V1ProductPage)


class ProductAdminController(Controller):
    """Add, soft-delete and restore products, and report on their stock and sales (admins only)."""

    path = "/products"
    tags = ["v1 products"]
    guards = [login_required]

    @post(
        "/create/",
        operation_id="v1CreateProduct",
        status_code=201,
        opt=wire.request_body(wire.V1NewProduct),
        responses=wire.refusals(400, 401, 403),
    )
    async def create_product(
        self,
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        payload: NamedDependency[dict[str, Any]],
    ) -> wire.V1Product:
        """A non-integer stock is refused before the role check, the other inputs after it (§6.2)."""
        stock = to_int(payload.get("stock_quantity", 0))
        raw_price = payload.get("price", "0")
        try:
            created = await products.create_product(
                user, name=payload.get("name"), price=_price(raw_price), stock_quantity=stock
            )
        except DuplicateProductName:
            raise bad_request(f"A product with name '{str(payload.get('name')).strip()}' already exists") from None
        except ValidationError as error:
            if error.field == "price" and raw_price is None:
                raise bad_request(NULL_PRICE) from None
            if error.field == "stock_quantity":  # the domain states the range; v1 said which end was passed
                raise ValidationError(error.field, V1_STOCK_NEGATIVE if stock < 0 else V1_STOCK_TOO_LARGE) from None
            raise reworded(error, V1_PRODUCT_WORDING) from None
        return serializers.product(created)

    @get("/report/", operation_id="v1ProductReport", responses=wire.refusals(401, 403))
    async def report(
        self,
        user: NamedDependency[UserContext],
        reports: NamedDependency[ReportService],
        page: FromQuery[str | None] = None,
        page_size: FromQuery[str | None] = None,
        include_deleted: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        low_stock_threshold: FromQuery[str | None] = None,
        has_sales: FromQuery[str | None] = None,
        has_reservations: FromQuery[str | None] = None,
    ) -> wire.V1ReportPage:
        """Each product with what was sold and what carts hold; unreadable parameters are ignored (§6.5)."""
        threshold = to_optional_int(low_stock_threshold)
        filters = ReportFilter(
            search=(search or "").replace("\x00", ""),
            include_deleted=to_bool(include_deleted),
            # Beyond the stock a product can hold, every threshold selects the same products.
            low_stock_threshold=None if threshold is None else max(-1, min(MAX_STOCK, threshold)),
            has_sales=to_optional_bool(has_sales),
            has_reservations=to_optional_bool(has_reservations),
        )
        request, echoed_page = page_request(page, page_size)
        results = await reports.product_report(user, filters, request)
        return serializers.page_of(replace(results, page=echoed_page), serializers.report_item, wire.V1ReportPage)

    @delete("/{product_id:str}/", operation_id="v1DeleteProduct", responses=wire.refusals(400, 401, 403, 404))
    async def delete_product(
        self,
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        product_id: FromPath[str],
    ) -> None:
        """Soft delete; refused while the product is in anyone's cart (§6.3)."""
        with _product_named_as_sent(product_id):
            await products.delete_product(user, to_uuid(product_id) or NO_SUCH_PRODUCT)

    @post(
        "/{product_id:str}/restore/",
        operation_id="v1RestoreProduct",
        status_code=200,
        responses=wire.refusals(400, 401, 403, 404),
    )
    async def restore_product(
        self,
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        product_id: FromPath[str],
    ) -> wire.V1Product:
        with _product_named_as_sent(product_id):
            restored = await products.restore_product(user, to_uuid(product_id) or NO_SUCH_PRODUCT)
        return serializers.product(restored)


def _price(raw: object) -> object:
    """The price as v1 read it: a JSON float (2.5) by its shortest text, as the domain takes no floats."""
    return str(raw) if isinstance(raw, float) else raw


@contextmanager
def _product_named_as_sent(raw_id: str) -> Iterator[None]:
    """v1 names a product it cannot find by the id as sent, malformed or not (§6.3, §6.4)."""
    try:
        yield
    except ProductNotFound:
        raise ProductNotFound(raw_id) from None
