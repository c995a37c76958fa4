"""The shopper's cart (docs/api/v2.md): read it with its ETag, set a line's quantity, remove a line."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from app.controllers.api.v2 import wire
from app.domain.carts import Cart
from app.domain.users import UserContext
from app.services.carts import CartService
from app.services.idempotency import StoredResponse
from app.web.conditional import fresh
from app.web.current_user import login_required
from app.web.idempotency import NO_CONTENT, answer, idempotent_request, send


class CartController(Controller):
    path = "/cart"
    tags = ["v2 cart"]

    @get("/", operation_id="v2GetCart", guards=[login_required], responses=wire.problems(304, 401))
    async def get_cart(
        self, request: Request[Any, Any, Any], user: NamedDependency[UserContext], carts: NamedDependency[CartService]
    ) -> Response[wire.Cart]:
        cart = await carts.get_cart(user)
        return fresh(request, cart.version, lambda: wire.cart(cart, carts.reservation_hold))

    @put(
        "/items/{product_id:uuid}",
        operation_id="v2SetCartItemQuantity",
        guards=[login_required],
        responses=wire.problems(401, 403, 404, 409, 422),
    )
    async def set_quantity(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[wire.Quantity],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        product_id: FromPath[UUID],
    ) -> Response[wire.Cart]:
        """Adds the line if absent; reserves or releases the difference (409 insufficient-stock when short).

        An optional `Idempotency-Key` makes a repeat answer as the first time did."""

        def respond(cart: Cart) -> StoredResponse:
            return answer(wire.cart(cart, carts.reservation_hold), version=cart.version)

        idempotency = await idempotent_request(request, respond, required=False)
        return send(
            respond(await carts.set_item_quantity(user, product_id, data.quantity, idempotency)), replayed=False
        )

    @delete(
        "/items/{product_id:uuid}",
        operation_id="v2RemoveCartItem",
        guards=[login_required],
        status_code=204,
        responses=wire.problems(401, 403, 404),
    )
    async def remove_item(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        carts: NamedDependency[CartService],
        product_id: FromPath[UUID],
    ) -> Response[None]:
        """Releases the line's reserved stock; 404 when the product is not in the cart (a repeat with the
        first request's optional `Idempotency-Key` is answered 204 again)."""
        idempotency = await idempotent_request(request, lambda cart: NO_CONTENT, required=False)
        await carts.remove_item(user, product_id, idempotency)
        return send(NO_CONTENT, replayed=False)
