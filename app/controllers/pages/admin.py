"""The admin dashboard pages (admins only)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from app.domain.errors import ValidationError
from app.domain.pagination import PageRequest
from app.domain.users import Capability, UserContext
from app.services.audit import AuditService
from app.services.authorization import require
from app.services.catalog import CatalogService
from app.services.ports import AuditFilter, CatalogFilter
from app.services.products import ProductAdminService
from app.web.flash import flash
from app.web.rendering import is_htmx, page_url, render

FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PRODUCT_FIELDS = ("name", "price", "stock_quantity")


class AdminController(Controller):
    path = "/admin"
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminHome")
    async def home(self, user: NamedDependency[UserContext]) -> Redirect:
        require(user, Capability.PRODUCTS_CREATE, action="admin", reason="Admin access required")
        return Redirect("/admin/products")

    @get("/products", operation_id="adminProducts")
    async def products(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        page: FromQuery[str | None] = None,
    ) -> Template:
        require(user, Capability.PRODUCTS_CREATE, action="admin_products", reason="Admin access required")
        return await self._products_page(request, user, catalog, PageRequest.parse(page, 50))

    @post("/products", operation_id="adminCreateProduct", status_code=201)
    async def create_product(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        products: NamedDependency[ProductAdminService],
        catalog: NamedDependency[CatalogService],
        data: FormData,
    ) -> Template | Redirect:
        form = {name: data.get(name, "") for name in PRODUCT_FIELDS}
        try:
            product = await products.create_product(user, **form)
        except ValidationError as error:
            if is_htmx(request):
                # Re-render the form with the error beside its field, in place of the form.
                return render(
                    request,
                    "pages/admin/products.html",
                    block="product_form",
                    status_code=422,
                    headers={"HX-Retarget": "#product-form", "HX-Reswap": "outerHTML"},
                    form=form,
                    errors=error.errors,
                )
            return await self._products_page(
                request, user, catalog, PageRequest(), form=form, errors=error.errors, status=422
            )
        if is_htmx(request):
            return render(request, "partials/_product_created.html", status_code=201, product=product, first=True)
        flash(request.scope, "success", f"Product “{product.name}” added.")
        return Redirect("/admin/products", status_code=303)

    async def _products_page(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        page: PageRequest,
        *,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        results = await catalog.list_products(user, CatalogFilter(include_deleted=True), page)
        return render(
            request,
            "pages/admin/products.html",
            status_code=status,
            page=results,
            page_url=page_url("/admin/products", {}),
            form=form or dict.fromkeys(PRODUCT_FIELDS, ""),
            errors=errors or {},
        )

    @get("/audit", operation_id="adminAudit")
    async def audit(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        audit: NamedDependency[AuditService],
        page: FromQuery[str | None] = None,
        aggregate_type: FromQuery[str] = "",
        event_type: FromQuery[str] = "",
        request_id: FromQuery[str] = "",
        aggregate_id: FromQuery[UUID | None] = None,
    ) -> Template:
        filters = AuditFilter(
            aggregate_type=aggregate_type.strip(),
            aggregate_id=aggregate_id,
            event_type=event_type.strip(),
            request_id=request_id.strip(),
        )
        entries = await audit.list_entries(user, filters, PageRequest.parse(page, 50))
        return render(
            request,
            "pages/admin/audit.html",
            block="results",
            page=entries,
            filters=filters,
            page_url=page_url(
                "/admin/audit",
                {
                    "aggregate_type": filters.aggregate_type,
                    "event_type": filters.event_type,
                    "request_id": filters.request_id,
                },
            ),
        )
