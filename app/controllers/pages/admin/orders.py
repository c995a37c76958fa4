"""Every customer's orders, for admins: filter by customer and by the days they were placed (UTC), a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from app.controllers.pages.admin.filters import FilterForm, FilterNotes, parse_day, parse_id
from app.domain.pagination import PageRequest
from app.domain.users import UserContext
from app.services.orders import OrderService
from app.services.read_models import OrderFilter
from app.services.users import UserAdminService
from app.web.rendering import page_url, render

PAGE_SIZE = 50


@dataclass(frozen=True)
class OrdersQuery(FilterForm[OrderFilter]):
    customer: str = ""
    placed_from: str = ""
    placed_to: str = ""

    def read(self, notes: FilterNotes) -> OrderFilter:
        return OrderFilter(
            customer_id=notes.read("customer", self.customer, parse_id),
            placed_from=notes.read("placed_from", self.placed_from, parse_day),
            placed_to=notes.read("placed_to", self.placed_to, parse_day),
        )


class AdminOrdersController(Controller):
    path = "/admin/orders"
    tags = ["admin pages"]
    include_in_schema = False

    @get("/", operation_id="adminOrders")
    async def orders(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        orders: NamedDependency[OrderService],
        user_admin: NamedDependency[UserAdminService],
        customer: FromQuery[str] = "",
        placed_from: FromQuery[str] = "",
        placed_to: FromQuery[str] = "",
        page: FromQuery[str | None] = None,
    ) -> Template:
        query = OrdersQuery(customer, placed_from, placed_to)
        filters, notes = query.to_filter()
        listed = await orders.list_all_orders(user, filters, PageRequest.parse(page, PAGE_SIZE))
        return render(
            request,
            "pages/admin/orders.html",
            block="results",
            page=listed,
            query=query,
            notes=notes,
            customers=await user_admin.list_users(user),
            customer_id=filters.customer_id,
            page_url=page_url("/admin/orders", query.params()),
        )
