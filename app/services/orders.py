"""Order history and confirmation: customers see their own orders, admins everyone's."""

from __future__ import annotations

from uuid import UUID

from app.domain.orders import OrderNotFound
from app.domain.pagination import Page, PageRequest
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import OrderFilter, OrderReader, OrderView


class OrderService:
    def __init__(self, reader: OrderReader) -> None:
        self._reader = reader

    async def list_orders(self, user: UserContext, *, customer_id: UUID | None = None) -> list[OrderView]:
        require(user, Capability.ORDERS_VIEW_OWN, action="list_orders", reason="Log in to see your orders")
        if user.can(Capability.ORDERS_VIEW_ALL):
            return await self._reader.list_orders(user.tenant_id, customer_id)
        return await self._reader.list_orders(user.tenant_id, user.user_id)

    async def list_all_orders(self, user: UserContext, filters: OrderFilter, page: PageRequest) -> Page[OrderView]:
        """Every customer's orders, for admins: a customer is refused, not answered with their own."""
        require(user, Capability.ORDERS_VIEW_ALL, action="view_all_orders", reason="Admin access required")
        return await self._reader.find_orders(user.tenant_id, filters, page)

    async def get_order(self, user: UserContext, order_id: UUID) -> OrderView:
        require(user, Capability.ORDERS_VIEW_OWN, action="view_order", reason="Log in to see your orders")
        order = await self._reader.get_order(user.tenant_id, order_id)
        # Someone else's order is "not found", not "forbidden": its existence is not the asker's business.
        if order is None or (order.user_id != user.user_id and not user.can(Capability.ORDERS_VIEW_ALL)):
            raise OrderNotFound(order_id)
        return order
