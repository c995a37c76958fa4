"""Order history (api-v1.md §7.8): customers see their own orders, admins everyone's, newest first."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from app.controllers.api.v1 import serializers, wire
from app.controllers.api.v1.guards import login_required
from app.domain.users import UserContext
from app.services.orders import OrderService


class OrdersController(Controller):
    """Orders placed from carts."""

    path = "/orders"
    tags = ["v1 orders"]
    guards = [login_required]

    @get("/", operation_id="v1ListOrders", responses=wire.refusals(401))
    async def list_orders(
        self, user: NamedDependency[UserContext], orders: NamedDependency[OrderService]
    ) -> wire.V1Orders:
        return wire.V1Orders(results=[serializers.order(order) for order in await orders.list_orders(user)])
