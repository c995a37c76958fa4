"""The shopper's orders: the history (`/orders/`, admins may filter by customer) and one order's page.

A placed order's confirmation is this page; the checkout that places it is in `cart.py`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.domain.parsing import optional_id
from app.domain.users import Capability, UserContext
from app.services.carts import CartService
from app.services.orders import OrderService
from app.services.users import UserAdminService
from app.web.cart_badge import refresh_cart_badge
from app.web.rendering import render


class OrderController(Controller):
    path = "/orders"
    tags = ["pages"]
    include_in_schema = False

    @get("/", operation_id="orderHistory")
    async def history(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        orders: NamedDependency[OrderService],
        user_admin: NamedDependency[UserAdminService],
        carts: NamedDependency[CartService],
        customer: FromQuery[str] = "",
    ) -> Template:
        customer_id = optional_id(customer)
        listed = await orders.list_orders(user, customer_id=customer_id)
        # Admins filter by customer: every account is a choice, not only those in the (filtered) list.
        can_filter = user.can(Capability.ORDERS_VIEW_ALL) and user.can(Capability.USERS_MANAGE)
        customers = await user_admin.list_users(user) if can_filter else []
        await refresh_cart_badge(request, user, carts)
        return render(
            request,
            "pages/orders.html",
            block="results",
            orders=listed,
            can_filter=can_filter,
            customers=customers,
            customer_id=customer_id,
        )

    @get("/{order_id:uuid}", operation_id="orderPage")
    async def order(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        orders: NamedDependency[OrderService],
        carts: NamedDependency[CartService],
        order_id: FromPath[UUID],
    ) -> Template:
        order = await orders.get_order(user, order_id)
        await refresh_cart_badge(request, user, carts)
        return render(request, "pages/order.html", order=order)
