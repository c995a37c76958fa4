"""The live-stock fan-out over a fake channel: one subscription shared by the streams of a process,
each stream seeing its own shop only, in order, and every stream ended when the channel is lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest

from app.services.live_stock import StockFanOut
from app.services.ports import LiveUpdatesUnavailable
from app.services.read_models import CartExpiry, StockChange
from app.tasks.subscribers import stock_change

SHOP_A, SHOP_B, PRODUCT = uuid4(), uuid4(), uuid4()


class FakeChanges:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[StockChange | Exception] = asyncio.Queue()
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[StockChange]:
        while True:
            item = await self.queue.get()
            if isinstance(item, Exception):
                raise item
            yield item

    async def aclose(self) -> None:
        self.closed = True


class FakeChannel:
    def __init__(self, *, available: bool = True) -> None:
        self.available = available
        self.opened: list[FakeChanges] = []

    async def open(self) -> FakeChanges:
        if not self.available:
            raise LiveUpdatesUnavailable("down")
        self.opened.append(FakeChanges())
        return self.opened[-1]


def change(tenant_id: UUID, stock: int, *, product_id: UUID = PRODUCT, at: float = 1.0) -> StockChange:
    return StockChange(tenant_id=tenant_id, product_id=product_id, stock=stock, at=at)


async def next_of(stream: AsyncIterator[StockChange | None]) -> StockChange | None:
    return await asyncio.wait_for(anext(stream), timeout=5)


async def test_streams_of_one_process_share_one_subscription_and_see_only_their_shop() -> None:
    channel = FakeChannel()
    fan_out = StockFanOut(channel)
    in_a, also_in_a, in_b = (
        await fan_out.subscribe(SHOP_A),
        await fan_out.subscribe(SHOP_A),
        await fan_out.subscribe(SHOP_B),
    )
    assert len(channel.opened) == 1

    channel.opened[0].queue.put_nowait(change(SHOP_B, 7))
    channel.opened[0].queue.put_nowait(change(SHOP_A, 41))

    assert await next_of(in_a.changes()) == change(SHOP_A, 41)
    assert await next_of(also_in_a.changes()) == change(SHOP_A, 41)
    assert await next_of(in_b.changes()) == change(SHOP_B, 7)
    await fan_out.close()


async def test_an_older_change_arriving_late_is_not_sent() -> None:
    channel = FakeChannel()
    fan_out = StockFanOut(channel)
    subscription = await fan_out.subscribe(SHOP_A)
    stream = subscription.changes()
    for stock, at in ((10, 2.0), (12, 1.0), (9, 3.0)):
        channel.opened[0].queue.put_nowait(change(SHOP_A, stock, at=at))

    assert [await next_of(stream), await next_of(stream)] == [
        change(SHOP_A, 10, at=2.0),
        change(SHOP_A, 9, at=3.0),
    ]
    await fan_out.close()


async def test_a_quiet_stream_yields_heartbeats() -> None:
    fan_out = StockFanOut(FakeChannel(), heartbeat_seconds=0.01)
    subscription = await fan_out.subscribe(SHOP_A)
    assert await next_of(subscription.changes()) is None
    await fan_out.close()


async def test_losing_the_channel_ends_every_stream_and_the_next_subscriber_opens_it_again() -> None:
    channel = FakeChannel()
    fan_out = StockFanOut(channel)
    subscription = await fan_out.subscribe(SHOP_A)
    channel.opened[0].queue.put_nowait(LiveUpdatesUnavailable("connection reset"))

    assert [item async for item in subscription.changes()] == []
    assert fan_out.subscribers == 0
    assert channel.opened[0].closed

    await fan_out.subscribe(SHOP_A)
    assert len(channel.opened) == 2
    await fan_out.close()


async def test_subscribing_while_the_channel_is_down_raises_unavailable() -> None:
    fan_out = StockFanOut(FakeChannel(available=False))
    with pytest.raises(LiveUpdatesUnavailable):
        await fan_out.subscribe(SHOP_A)
    assert fan_out.subscribers == 0


async def test_closing_at_shutdown_ends_open_streams() -> None:
    fan_out = StockFanOut(FakeChannel())
    subscription = await fan_out.subscribe(SHOP_B)
    await fan_out.close()
    assert [item async for item in subscription.changes()] == []


def test_stock_change_follows_reservations_releases_and_restocks_only() -> None:
    from datetime import UTC, datetime

    from app.adapters.outbox import StoredEvent

    def event(event_type: str, payload: dict[str, object]) -> StoredEvent:
        return StoredEvent(
            event_id=uuid4(), tenant_id=SHOP_A, event_type=event_type, aggregate_type="Product",
            aggregate_id=PRODUCT, actor_id=None, request_id=None,
            occurred_at=datetime(2026, 12, 2, tzinfo=UTC), payload=payload,
        )  # fmt: skip

    at = datetime(2026, 12, 2, tzinfo=UTC).timestamp()
    assert stock_change(event("StockReserved", {"quantity": 5, "stock_left": 237})) == change(SHOP_A, 237, at=at)
    assert stock_change(event("StockReleased", {"quantity": 5, "stock_left": 242})) == change(SHOP_A, 242, at=at)
    restock = {"changes": {"stock_quantity": {"from": 0, "to": 30}}}
    assert stock_change(event("ProductUpdated", restock)) == change(SHOP_A, 30, at=at)
    assert stock_change(event("ProductUpdated", {"changes": {"name": {"from": "a", "to": "b"}}})) is None


async def test_a_cart_expiry_reaches_only_its_shoppers_streams_and_passes_the_ordering_guard() -> None:
    channel = FakeChannel()
    fan_out = StockFanOut(channel)
    bea, cy = uuid4(), uuid4()
    beas, beas_other_tab, cys, anonymous, bea_elsewhere = (
        await fan_out.subscribe(SHOP_A, bea),
        await fan_out.subscribe(SHOP_A, bea),
        await fan_out.subscribe(SHOP_A, cy),
        await fan_out.subscribe(SHOP_A),
        await fan_out.subscribe(SHOP_B, bea),  # the same id in another shop is no one here
    )
    expiry = CartExpiry(tenant_id=SHOP_A, user_id=bea, at=5.0)
    channel.opened[0].queue.put_nowait(change(SHOP_A, 9, at=9.0))
    channel.opened[0].queue.put_nowait(expiry)  # older than the figure: not a stock change, still sent
    channel.opened[0].queue.put_nowait(change(SHOP_B, 4, at=10.0))
    channel.opened[0].queue.put_nowait(change(SHOP_A, 8, at=11.0))

    figures = [change(SHOP_A, 9, at=9.0), change(SHOP_A, 8, at=11.0)]
    for stream in (beas.changes(), beas_other_tab.changes()):
        assert [await next_of(stream) for _ in range(3)] == [figures[0], expiry, figures[1]]
    for stream in (cys.changes(), anonymous.changes()):
        assert [await next_of(stream) for _ in range(2)] == figures
    assert await next_of(bea_elsewhere.changes()) == change(SHOP_B, 4, at=10.0)
    await fan_out.close()


def test_a_cart_expired_event_becomes_a_cart_expiry_for_its_shopper() -> None:
    from datetime import UTC, datetime

    from app.adapters.outbox import StoredEvent
    from app.domain.events import CartExpired
    from app.tasks.subscribers import live_cart_expiry

    shopper = uuid4()
    sent: list[object] = []

    class Recorder:
        async def publish(self, change: object) -> bool:
            sent.append(change)
            return True

    subscriber = live_cart_expiry(Recorder())
    event = StoredEvent(
        event_id=uuid4(), tenant_id=SHOP_A, event_type="CartExpired", aggregate_type="Cart",
        aggregate_id=uuid4(), actor_id=None, request_id=None, occurred_at=datetime(2026, 12, 3, tzinfo=UTC),
        payload={"user_id": str(shopper), "released": {str(PRODUCT): 2}, "idle_since": "2026-12-03T00:00:00+00:00"},
    )  # fmt: skip
    assert subscriber.wants(event) and CartExpired.event_type == "CartExpired"
    asyncio.run(subscriber.handler(event))
    assert sent == [CartExpiry(tenant_id=SHOP_A, user_id=shopper, at=datetime(2026, 12, 3, tzinfo=UTC).timestamp())]


def test_the_redis_channel_reads_a_cart_expiry_and_ignores_a_damaged_one() -> None:
    import json

    from app.adapters.live_stock import RedisStockChanges

    shopper = uuid4()
    changes = RedisStockChanges(pubsub=None, prefix="q:stock:")  # type: ignore[arg-type]

    def message(body: object) -> dict[str, object]:
        return {"type": "pmessage", "channel": f"q:stock:{SHOP_A}".encode(), "data": json.dumps(body)}

    assert changes._parse(message({"cart_expired_for": str(shopper), "at": 3.5})) == CartExpiry(
        tenant_id=SHOP_A, user_id=shopper, at=3.5
    )
    for damaged in ({"cart_expired_for": "someone", "at": 1}, {"cart_expired_for": str(shopper)}, [1], "x", 7):
        assert changes._parse(message(damaged)) is None, damaged
