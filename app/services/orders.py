"""Order history and confirmation: customers see their own orders, admins everyone's."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.domain.orders import OrderNotFound
from app.domain.pagination import MAX_PAGE_SIZE, Cursor, Page, PageRequest, Slice, Sort
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import OrderReader
from app.services.read_models import OrderFilter, OrderView

ORDER_HISTORY_SORT = Sort("submitted_at", descending=True, key_type=datetime)
"""Order history in keyset pages: newest first, ties broken by id (indexes customer_order_*keyset_idx)."""


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

    async def browse_orders(self, user: UserContext, after: Cursor | None = None, limit: int = 20) -> Slice[OrderView]:
        """One keyset page of the caller's orders (an admin: everyone's), newest first, and the next page's cursor."""
        require(user, Capability.ORDERS_VIEW_OWN, action="list_orders", reason="Log in to see your orders")
        customer_id = None if user.can(Capability.ORDERS_VIEW_ALL) else user.user_id
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        rows = await self._reader.browse_orders(user.tenant_id, customer_id, after, limit + 1)
        items = rows[:limit]
        last = items[-1] if len(rows) > limit else None
        next_cursor = Cursor(ORDER_HISTORY_SORT.token, last.submitted_at, last.id) if last is not None else None
        return Slice(items=items, next_cursor=next_cursor)

    async def get_order(self, user: UserContext, order_id: UUID) -> OrderView:
        require(user, Capability.ORDERS_VIEW_OWN, action="view_order", reason="Log in to see your orders")
        order = await self._reader.get_order(user.tenant_id, order_id)
        # Someone else's order is "not found", not "forbidden": its existence is not the asker's business.
        if order is None or (order.user_id != user.user_id and not user.can(Capability.ORDERS_VIEW_ALL)):
            raise OrderNotFound(order_id)
        return order
