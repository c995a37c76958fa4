"""Who listens to which domain events. Each subscriber runs in the worker, at least once,
and is made idempotent by `app.adapters.outbox.deliver` (one processed-event row per run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from app.adapters.outbox import BatchHandler, Handler, StoredEvent, count_events, each
from app.adapters.repositories import mark_thumbnails_made, picture_in_use
from app.domain.events import (
    CartExpired,
    DomainEvent,
    ProductImageUploaded,
    ProductUpdated,
    StockReleased,
    StockReserved,
)
from app.services.ports import StockChangePublisher
from app.services.product_images import ProductImageService
from app.services.read_models import CartExpiry, StockChange


@dataclass(frozen=True)
class Subscriber:
    name: str
    """Stable name: it keys the processed-event records, so never rename a live subscriber."""
    handler: Handler | None = None
    """Its work on one event; or, instead, `batch_handler` for all the events of a batch it wants at once."""
    events: tuple[type[DomainEvent], ...] | None = None
    """The event classes it handles (matched by their pinned `event_type`); None for every event."""
    recorded: bool = True
    """Whether it runs at most once per event, in a transaction with its processed-event row (`deliver`).
    False for a best-effort push whose repeat is harmless: it just runs, and a retried job may run it again."""

    batch_handler: BatchHandler | None = None
    run: BatchHandler = field(init=False, repr=False, compare=False)
    """Its work on the events it wants of a batch, in order: `batch_handler`, or `handler` on each."""

    def __post_init__(self) -> None:
        if self.batch_handler is not None and self.handler is None:
            object.__setattr__(self, "run", self.batch_handler)  # frozen: set once, here
        elif self.handler is not None and self.batch_handler is None:
            object.__setattr__(self, "run", each(self.handler))
        else:
            raise TypeError(f"subscriber {self.name!r}: give it a handler or a batch_handler")

    def wants(self, event: StoredEvent) -> bool:
        return self.events is None or any(kind.event_type == event.event_type for kind in self.events)


SUBSCRIBERS: tuple[Subscriber, ...] = (Subscriber(name="count_domain_events", batch_handler=count_events),)


def product_thumbnails(images: ProductImageService) -> Subscriber:
    """Makes the thumbnails of each uploaded product picture (the worker adds it with its image store)."""

    async def make_thumbnails(event: StoredEvent) -> None:
        image_key = event.payload["image_key"]
        if await images.make_thumbnails(event.tenant_id, image_key):
            await mark_thumbnails_made(event.aggregate_id, image_key)

    return Subscriber(name="make_product_thumbnails", handler=make_thumbnails, events=(ProductImageUploaded,))


def replaced_pictures(images: ProductImageService) -> Subscriber:
    """Deletes the picture (and its thumbnails) that an upload replaced, once no product names it.

    From the upload's commit on, the product shows the new picture (its original until the new
    thumbnails are made), so the old one is garbage. A page loaded before the upload and not yet
    showing the old picture would get a 404 for it: a broken picture until the next load, which is
    the price of not keeping every picture ever uploaded.
    """

    async def remove(event: StoredEvent) -> None:
        replaced = event.payload.get("replaced_key")
        if replaced and not await picture_in_use(replaced):
            await images.remove_image(event.tenant_id, replaced)

    return Subscriber(name="remove_replaced_pictures", handler=remove, events=(ProductImageUploaded,))


STOCK_EVENTS = (StockReserved, StockReleased, ProductUpdated)
"""Reservations, releases (removals, expiries) and restocks: every event that moves a stock figure."""


def stock_change(event: StoredEvent) -> StockChange | None:
    """The product's stock figure after `event`, or None when the event left it alone."""
    if "stock_left" in event.payload:
        stock = event.payload["stock_left"]
    elif "stock_quantity" in event.payload.get("changes", {}):
        stock = event.payload["changes"]["stock_quantity"]["to"]
    else:
        return None
    return StockChange(
        tenant_id=event.tenant_id, product_id=event.aggregate_id, stock=int(stock), at=event.occurred_at.timestamp()
    )


def live_stock(channel: StockChangePublisher) -> Subscriber:
    """Pushes each new stock figure to the pages open in the event's shop (the worker adds it with Redis).

    Best-effort: a failed publish is logged and counted by the channel, and the delivery succeeds
    anyway. Retrying would only show an old figure late; the next load shows the fresh one. Not
    recorded: a figure pushed twice (a job retried for another subscriber) is the same figure, and each
    web process's fan-out drops a change older than the last it sent, so it needs no processed-event row
    (four statements less for every stock event).
    """

    async def publish(event: StoredEvent) -> None:
        change = stock_change(event)
        if change is not None:
            await channel.publish(change)

    return Subscriber(name="publish_live_stock", handler=publish, events=STOCK_EVENTS, recorded=False)


def live_cart_expiry(channel: StockChangePublisher) -> Subscriber:
    """Tells the expired cart's shopper's open pages that the expiry job emptied it (best-effort, like
    `live_stock`: without Redis the cart page finds out at its next own refresh)."""

    async def publish(event: StoredEvent) -> None:
        user_id = UUID(str(event.payload["user_id"]))
        await channel.publish(CartExpiry(tenant_id=event.tenant_id, user_id=user_id, at=event.occurred_at.timestamp()))

    return Subscriber(name="publish_live_cart_expiry", handler=publish, events=(CartExpired,))
