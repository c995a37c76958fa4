"""Live stock figures: one subscription per web process to every shop's stock changes, fanned out
to the event streams open in that process, each stream seeing only its own shop (and a cart's
expiry only on the streams of the shopper whose cart it was)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from uuid import UUID

from app.services.ports import LiveUpdatesUnavailable, StockChanges, StockChangeSource
from app.services.read_models import CartExpiry, LiveChange

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
"""A comment this often keeps proxies from closing an idle stream and tells a dead client from a live one."""
CLIENT_BACKLOG = 256
"""Changes a slow stream may have waiting; beyond that it is closed (the browser reconnects)."""
REMEMBERED_PRODUCTS = 10_000
"""How many products' latest change time the ordering guard keeps (least recently changed forgotten first)."""

_CLOSED = None


class StockSubscription:
    """One event stream's view of its shop's changes: iterate for changes, and None as a heartbeat."""

    def __init__(
        self, fan_out: StockFanOut, tenant_id: UUID, heartbeat_seconds: float, user_id: UUID | None = None
    ) -> None:
        self.tenant_id = tenant_id
        self.user_id = user_id
        """The signed-in shopper whose page this is (their cart's expiry reaches only their streams)."""
        self._fan_out = fan_out
        self._heartbeat = heartbeat_seconds
        self._queue: asyncio.Queue[LiveChange | None] = asyncio.Queue()
        self.closed = False

    def offer(self, change: LiveChange) -> None:
        if self.closed:
            return
        if self._queue.qsize() >= CLIENT_BACKLOG:
            log.warning("live_stock_client_too_slow tenant_id=%s", self.tenant_id)
            self.close()
            return
        self._queue.put_nowait(change)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(_CLOSED)

    async def changes(self) -> AsyncIterator[LiveChange | None]:
        """Each change for this shop, None after each quiet heartbeat period; ends when the feed closes."""
        try:
            while True:
                try:
                    change = await asyncio.wait_for(self._queue.get(), self._heartbeat)
                except TimeoutError:
                    yield None
                    continue
                if change is _CLOSED:
                    return
                yield change
        finally:
            self._fan_out.unsubscribe(self)


class StockFanOut:
    """Opens the source on the first subscriber, hands each change to the streams of its shop, and
    closes every stream when the source is lost (they reconnect and find out whether it is back)."""

    def __init__(self, source: StockChangeSource, *, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self._source = source
        self._heartbeat = heartbeat_seconds
        self._streams: dict[UUID, set[StockSubscription]] = {}
        self._changes: StockChanges | None = None
        self._listener: asyncio.Task[None] | None = None
        self._opening = asyncio.Lock()
        self._latest: OrderedDict[UUID, float] = OrderedDict()

    @property
    def subscribers(self) -> int:
        return sum(len(streams) for streams in self._streams.values())

    async def subscribe(self, tenant_id: UUID, user_id: UUID | None = None) -> StockSubscription:
        """A stream of `tenant_id`'s changes (and `user_id`'s cart expiries); raises LiveUpdatesUnavailable
        when the source cannot be opened."""
        async with self._opening:
            if self._listener is None or self._listener.done():
                self._changes = await self._source.open()
                # A context of its own: it outlives the request that opened it, and must not log its request id.
                self._listener = asyncio.create_task(
                    self._listen(self._changes), name="live-stock-listener", context=contextvars.Context()
                )
        subscription = StockSubscription(self, tenant_id, self._heartbeat, user_id)
        self._streams.setdefault(tenant_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: StockSubscription) -> None:
        streams = self._streams.get(subscription.tenant_id)
        if streams is not None:
            streams.discard(subscription)
            if not streams:
                del self._streams[subscription.tenant_id]

    def dispatch(self, change: LiveChange) -> None:
        """Hand `change` to its shop's streams, unless a newer change of the product has gone out already
        (subscribers run concurrently in the worker, so changes can arrive out of order). A cart's
        expiry goes to its shopper's streams only: other shoppers learn nothing about it."""
        if isinstance(change, CartExpiry):
            for stream in list(self._streams.get(change.tenant_id, ())):
                if stream.user_id == change.user_id:
                    stream.offer(change)
            return
        if self._latest.get(change.product_id, float("-inf")) > change.at:
            return
        self._latest[change.product_id] = change.at
        self._latest.move_to_end(change.product_id)
        if len(self._latest) > REMEMBERED_PRODUCTS:
            self._latest.popitem(last=False)
        for stream in list(self._streams.get(change.tenant_id, ())):
            stream.offer(change)

    async def _listen(self, changes: StockChanges) -> None:
        try:
            async for change in changes:
                self.dispatch(change)
            log.warning("live_stock_feed_ended")
        except LiveUpdatesUnavailable:
            log.warning("live_stock_feed_lost")
        except Exception:
            log.exception("live_stock_feed_failed")
        finally:
            self._close_streams()
            with contextlib.suppress(Exception):
                await changes.aclose()

    def _close_streams(self) -> None:
        for streams in list(self._streams.values()):
            for stream in list(streams):
                stream.close()

    async def close(self) -> None:
        """At shutdown: end every open stream and the subscription."""
        listener, self._listener = self._listener, None
        self._close_streams()
        if listener is not None and not listener.done():
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
