"""Live stock end to end below the browser: a reservation commits, the real worker publishes its figure
to Redis, and `GET /events/stock` streams it to the pages of the same shop, and not of another shop.

The streams are driven as a server drives the ASGI app (the test client buffers whole bodies, and an
event stream never ends by itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.live_stock import RedisStockChannel
from app.controllers.pages.live_stock import CART_EXPIRED_NOTE
from app.domain.users import UserContext
from app.main import create_app
from app.services.read_models import StockChange
from app.settings import get_settings
from tests.integration.conftest import make_user
from tests.integration.test_catalog_browsing import insert
from tests.integration.test_observability import closed_port
from tests.support.worker import running_worker

OUTLET_HOST = "outlet.localhost"
MAIN_URL = "http://127.0.0.1:8000"
WAIT_SECONDS = 20.0


@dataclass
class EventStream:
    """One open `GET /events/stock`: its status, headers and the text received so far."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    received: asyncio.Event = field(default_factory=asyncio.Event)
    disconnect: asyncio.Event = field(default_factory=asyncio.Event)

    async def until(self, fragment: str) -> str:
        """The text received, once it contains `fragment`."""
        async with asyncio.timeout(WAIT_SECONDS):
            while fragment not in self.text:
                self.received.clear()
                await self.received.wait()
        return self.text


@contextlib.asynccontextmanager
async def event_stream(app: Litestar, host: str, cookie: str = "") -> AsyncIterator[EventStream]:
    stream = EventStream()
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/events/stock", "raw_path": b"/events/stock", "query_string": b"", "root_path": "",
        "headers": [(b"host", host.encode()), (b"accept", b"text/event-stream"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    if cookie:
        scope["headers"].append((b"cookie", cookie.encode()))

    async def receive() -> dict[str, Any]:
        await stream.disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            stream.status = message["status"]
            stream.headers = {name.decode().lower(): value.decode() for name, value in message["headers"]}
        elif message["type"] == "http.response.body":
            stream.text += message.get("body", b"").decode()
        stream.received.set()

    serving = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    try:
        yield stream
    finally:
        stream.disconnect.set()
        async with asyncio.timeout(WAIT_SECONDS):
            await serving  # a disconnect ends the stream cleanly


@pytest.fixture
async def outlet(db: asyncpg.Connection) -> UUID:
    tenant_id = uuid4()
    await db.execute("INSERT INTO tenant (id, slug, name) VALUES ($1, 'outlet', 'Outlet')", tenant_id)
    await db.execute("INSERT INTO tenant_host (host, tenant_id) VALUES ($1, $2)", OUTLET_HOST, tenant_id)
    return tenant_id


async def test_a_reservation_reaches_the_stock_stream_of_its_shop_and_not_of_another_shop(
    db: asyncpg.Connection, redis_client: Any, outlet: UUID, monkeypatch: pytest.MonkeyPatch
):
    app = create_app(get_settings())
    container = app.state.container
    admin = UserContext.system(get_settings().app.default_tenant_id)
    async with app.lifespan():
        lamp = await container.products.create_product(admin, name="Live lamp", price="12.00", stock_quantity=242)
        shopper = await make_user(container, db, "bea")
        async with event_stream(app, "127.0.0.1:8000") as main_page, event_stream(app, OUTLET_HOST) as outlet_page:
            await main_page.until("retry:")
            await outlet_page.until("retry:")
            assert main_page.status == 200 and main_page.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in main_page.headers  # gzip would hold the events back

            await container.carts.add_item(shopper, lamp.id, 5)
            # Started after the app's writes, which the worker would break by binding the tables to its own
            # engine; the events wait in the queue until then.
            async with running_worker(monkeypatch):
                text = await main_page.until(f"event: stock-{lamp.id}")
            assert "237 in stock" in text.split(f"event: stock-{lamp.id}", 1)[1]

            # A marker for the other shop, published after: had the reservation leaked there, it would come first.
            marker = StockChange(tenant_id=outlet, product_id=uuid4(), stock=3, at=time.time())
            assert await RedisStockChannel(container.redis, namespace=get_settings().worker.queue_name).publish(marker)
            outlet_text = await outlet_page.until(f"event: stock-{marker.product_id}")
            assert str(lamp.id) not in outlet_text
        assert container.live_stock.subscribers == 0  # both disconnects ended their streams


async def test_a_cart_emptied_by_the_expiry_job_is_told_to_its_shoppers_streams_only(
    db: asyncpg.Connection, redis_client: Any, monkeypatch: pytest.MonkeyPatch
):
    settings = get_settings()
    app = create_app(settings)
    container = app.state.container
    admin = UserContext.system(settings.app.default_tenant_id)
    async with app.lifespan():
        lamp = await container.products.create_product(admin, name="Idle lamp", price="12.00", stock_quantity=5)
        bea, cy = await make_user(container, db, "bea"), await make_user(container, db, "cy")
        cookies = {}
        for shopper in (bea, cy):
            session_id = f"test-session-{shopper.username}-{uuid4().hex}"
            await container.sessions.save(shopper.tenant_id, session_id, {"user_id": str(shopper.user_id)})
            cookies[shopper.username] = f"{settings.session.cookie_name}={session_id}"
        await container.carts.add_item(bea, lamp.id, 2)
        await container.carts.add_item(cy, lamp.id, 1)
        await db.execute(
            "UPDATE cart SET last_activity_at = now() - interval '31 minutes' WHERE user_id = $1", bea.user_id
        )
        async with (
            event_stream(app, "127.0.0.1:8000", cookies["bea"]) as beas_cart,
            event_stream(app, "127.0.0.1:8000", cookies["cy"]) as cys_cart,
            event_stream(app, "127.0.0.1:8000") as anonymous,
        ):
            for stream in (beas_cart, cys_cart, anonymous):
                await stream.until("retry:")
            async with running_worker(monkeypatch, CART_EXPIRY_SWEEP_SECONDS="1"):
                text = await beas_cart.until("event: cart-expired")
                # Her release moves the figure too, for everyone: once the others have it, a leak would have come first.
                await cys_cart.until("4 in stock")
                await anonymous.until("4 in stock")
        assert f"event: cart-expired\r\ndata: {CART_EXPIRED_NOTE}" in text
        assert "cart-expired" not in cys_cart.text and "cart-expired" not in anonymous.text
        kept = "SELECT quantity FROM cart_item ci JOIN cart c ON c.id = ci.cart_id WHERE c.user_id = $1"
        assert await db.fetchval(kept, cy.user_id) == 1


async def test_without_redis_the_stream_answers_204_and_the_catalog_still_shows_the_stock(
    db: asyncpg.Connection, redis_client: Any
):
    [lamp_id] = await insert(db, ["Calm lamp"], stock=9)
    settings = get_settings()
    nowhere = dataclasses.replace(settings.redis, url=f"redis://127.0.0.1:{closed_port()}/0")
    async with AsyncTestClient(
        app=create_app(dataclasses.replace(settings, redis=nowhere)), base_url=MAIN_URL
    ) as client:
        stream = await client.get("/events/stock")
        catalog = await client.get("/")
    assert stream.status_code == 204  # EventSource stops; htmx's extension retries later, backing off
    assert catalog.status_code == 200
    assert f'sse-swap="stock-{lamp_id}"' in catalog.text and "9 in stock" in catalog.text
