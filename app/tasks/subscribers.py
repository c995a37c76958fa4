"""Who listens to which domain events. Each subscriber runs in the worker, at least once,
and is made idempotent by `app.adapters.outbox.deliver` (one processed-event row per run)."""

from __future__ import annotations

from dataclasses import dataclass

from app.adapters.outbox import Handler, StoredEvent, count_event
from app.adapters.repositories import mark_thumbnails_made
from app.services.product_images import ProductImageService

ALL_EVENTS = "*"


@dataclass(frozen=True)
class Subscriber:
    name: str
    """Stable name: it keys the processed-event records, so never rename a live subscriber."""
    handler: Handler
    event_types: frozenset[str] = frozenset({ALL_EVENTS})

    def wants(self, event: StoredEvent) -> bool:
        return ALL_EVENTS in self.event_types or event.event_type in self.event_types


SUBSCRIBERS: tuple[Subscriber, ...] = (Subscriber(name="count_domain_events", handler=count_event),)


def product_thumbnails(images: ProductImageService) -> Subscriber:
    """Makes the thumbnails of each uploaded product picture (the worker adds it with its image store)."""

    async def make_thumbnails(event: StoredEvent) -> None:
        image_key = event.payload["image_key"]
        if await images.make_thumbnails(event.tenant_id, image_key):
            await mark_thumbnails_made(event.aggregate_id, image_key)

    return Subscriber(
        name="make_product_thumbnails", handler=make_thumbnails, event_types=frozenset({"ProductImageUploaded"})
    )
