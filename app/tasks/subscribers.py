"""Who listens to which domain events. Each subscriber runs in the worker, at least once,
and is made idempotent by `app.adapters.outbox.deliver` (one processed-event row per run)."""

from __future__ import annotations

from dataclasses import dataclass

from app.adapters.outbox import Handler, StoredEvent, count_event

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
