"""Orders (docs/api/v2.md): place the cart's order once per Idempotency-Key, read order history in keyset
pages, read one order."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from app.controllers.api.v2 import wire
from app.controllers.api.v2.listing import NEXT_PAGE_HEADERS, CursorParameter, Limit, decode_cursor, page_of
from app.domain.orders import Order
from app.domain.pagination import DEFAULT_PAGE_SIZE
from app.domain.users import UserContext
from app.services.checkout import CheckoutService
from app.services.idempotency import StoredResponse
from app.services.orders import ORDER_HISTORY_SORT, OrderService
from app.web.current_user import login_required
from app.web.idempotency import created, idempotent_request, send

ORDERS_PATH = "/api/v2/orders"


def _placed(order: Order) -> StoredResponse:
    """201 with the order and its Location (an order never changes, so it has no ETag)."""
    return created(f"{ORDERS_PATH}/{order.id}", wire.order(order))


class OrdersController(Controller):
    path = "/orders"
    tags = ["v2 orders"]

    @post(
        "/",
        operation_id="v2PlaceOrder",
        guards=[login_required],
        status_code=201,
        responses=wire.problems(400, 401, 403, 409, 422),
        response_description="The order placed",
    )
    async def place_order(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[wire.NewOrder],
        user: NamedDependency[UserContext],
        checkout: NamedDependency[CheckoutService],
    ) -> Response[wire.Order]:
        """`Idempotency-Key` required: a repeat gets the first answer with `Idempotent-Replayed: true`."""
        idempotency = await idempotent_request(request, _placed, required=True)
        order = await checkout.submit_cart(
            user,
            address=msgspec.structs.asdict(data.shipping_address),
            coupon_code=data.coupon_code,
            idempotency=idempotency,
        )
        return send(_placed(order), replayed=False)

    @get(
        "/",
        operation_id="v2ListOrders",
        guards=[login_required],
        responses=wire.problems(401, 422),
        response_headers=NEXT_PAGE_HEADERS,
    )
    async def list_orders(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        orders: NamedDependency[OrderService],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: CursorParameter = None,
    ) -> Response[wire.OrderPage]:
        """Your orders (an admin: everyone's in the shop), newest first; the next page is in `Link: rel="next"`."""
        page = await orders.browse_orders(user, decode_cursor(cursor, ORDER_HISTORY_SORT), limit)
        return page_of(request, page, wire.order, wire.OrderPage)

    @get("/{order_id:uuid}", operation_id="v2GetOrder", guards=[login_required], responses=wire.problems(401, 404))
    async def get_order(
        self, user: NamedDependency[UserContext], orders: NamedDependency[OrderService], order_id: FromPath[UUID]
    ) -> wire.Order:
        """Your own order (an admin: anyone's); someone else's is a 404."""
        return wire.order(await orders.get_order(user, order_id))
