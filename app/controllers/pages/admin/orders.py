"""Every customer's orders, for admins: filter by customer and by the day they were placed (UTC)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from app.controllers.pages.admin.filters import FilterNotes, parse_day, parse_id
from app.domain.pagination import Page, PageRequest
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.orders import OrderService
from app.services.ports import OrderView
from app.services.users import UserAdminService
from app.web.rendering import page_url, render

PAGE_SIZE = 50


@dataclass(frozen=True)
class PlacedBetween:
    """A range of days, both ends included, in UTC (the day an order was placed, as its page shows it)."""

    first: date | None = None
    last: date | None = None

    def includes(self, moment: datetime) -> bool:
        day = moment.astimezone(UTC).date()
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


@dataclass(frozen=True)
class OrdersQuery:
    customer: str = ""
    placed_from: str = ""
    placed_to: str = ""

    def to_filter(self) -> tuple[UUID | None, PlacedBetween, FilterNotes]:
        """The customer to list, the days to keep, and a note for each value that was ignored."""
        notes = FilterNotes()
        customer_id = notes.read("customer", self.customer, parse_id)
        first = notes.read("placed_from", self.placed_from, parse_day)
        last = notes.read("placed_to", self.placed_to, parse_day)
        return customer_id, PlacedBetween(first, last), notes

    @property
    def is_filtering(self) -> bool:
        return any(value.strip() for value in (self.customer, self.placed_from, self.placed_to))

    def params(self) -> dict[str, str]:
        return {"customer": self.customer, "placed_from": self.placed_from, "placed_to": self.placed_to}


def _page_of(orders: Sequence[OrderView], request: PageRequest) -> Page[OrderView]:
    start = request.offset
    return Page(orders[start : start + request.page_size], request.page, request.page_size, len(orders))


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
        # OrderService.list_orders answers a customer with their own orders; this page is the view of
        # everyone's, so it is refused outright to those who may not see them all.
        require(user, Capability.ORDERS_VIEW_ALL, action="view_all_orders", reason="Admin access required")
        query = OrdersQuery(customer, placed_from, placed_to)
        customer_id, placed, notes = query.to_filter()
        # The service filters by customer only: the range of days narrows its answer here. It reads every
        # order of the shop (or customer) per request; when that grows, the range and the page belong in
        # the order reader's SQL, as the audit log's and the report's do.
        listed = [
            order
            for order in await orders.list_orders(user, customer_id=customer_id)
            if placed.includes(order.submitted_at)
        ]
        return render(
            request,
            "pages/admin/orders.html",
            block="results",
            page=_page_of(listed, PageRequest.parse(page, PAGE_SIZE)),
            query=query,
            notes=notes,
            customers=await user_admin.list_users(user),
            customer_id=customer_id,
            page_url=page_url("/admin/orders", query.params()),
        )
