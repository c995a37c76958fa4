"""The public catalog page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from app.domain.pagination import PageRequest
from app.domain.users import UserContext
from app.services.catalog import CatalogService
from app.services.ports import CatalogFilter
from app.web.rendering import page_url, render


class CatalogController(Controller):
    tags = ["pages"]

    @get(["/", "/products"], operation_id="catalogPage", include_in_schema=False)
    async def catalog(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        catalog: NamedDependency[CatalogService],
        page: FromQuery[str | None] = None,
        page_size: FromQuery[str | None] = None,
    ) -> Template:
        results = await catalog.list_products(user, CatalogFilter(), PageRequest.parse(page, page_size))
        return render(
            request,
            "pages/catalog.html",
            block="results",
            page=results,
            page_url=page_url("/", {"page_size": page_size}),
        )
