"""`GET /events/stock`: the shop's stock figures as server-sent events, for htmx's SSE extension.

Each change is an event named `stock-<product id>` whose data is the figure's HTML, swapped into the
`sse-swap` element of that product's card or page. A signed-in shopper's stream also gets
`cart-expired` when the reservation-expiry job emptied their cart (the cart page shows a note and
asks for itself again). Live updates are a nicety: without Redis the
answer is 204, which tells the browser's EventSource to stop and htmx's extension to retry later.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Response, ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from app.domain.users import UserContext
from app.services.live_stock import StockFanOut, StockSubscription
from app.services.ports import LiveUpdatesUnavailable
from app.services.read_models import CartExpiry

RECONNECT_MILLISECONDS = 3000
"""The `retry:` the browser waits before reconnecting to a stream that ended (a lost Redis, a shutdown)."""
NO_STORE = {"Cache-Control": "no-store"}
CART_EXPIRED_NOTE = "Your reservation expired, so the items in your cart went back on sale."
"""The data of a `cart-expired` event: swapped into the cart page's note (text, not markup)."""


class LiveStockController(Controller):
    path = "/events"
    include_in_schema = False

    @get("/stock", operation_id="stockEvents")
    async def stock(
        self,
        request: Request[Any, Any, Any],
        user: NamedDependency[UserContext],
        live_stock: NamedDependency[StockFanOut],
    ) -> Response[bytes] | ServerSentEvent:
        try:
            subscription = await live_stock.subscribe(user.tenant_id, user.user_id)
        except LiveUpdatesUnavailable:
            return Response(b"", status_code=204, headers=NO_STORE)
        figure = request.app.template_engine.get_template("partials/_stock_figure.html")  # type: ignore[union-attr]
        return ServerSentEvent(
            _events(subscription, figure.render),
            retry_duration=RECONNECT_MILLISECONDS,
            # X-Accel-Buffering: nginx would otherwise hold the events back in its buffer.
            headers={**NO_STORE, "X-Accel-Buffering": "no"},
        )


async def _events(subscription: StockSubscription, render: Callable[..., str]) -> AsyncIterator[ServerSentEventMessage]:
    async for change in subscription.changes():
        if change is None:
            yield ServerSentEventMessage(comment="heartbeat")
        elif isinstance(change, CartExpiry):
            yield ServerSentEventMessage(event="cart-expired", data=CART_EXPIRED_NOTE)
        else:
            html = render(quantity=change.stock)
            yield ServerSentEventMessage(event=f"stock-{change.product_id}", data=html)
