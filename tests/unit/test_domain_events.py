"""Domain events keep their names: each concrete event pins its `event_type` (ADR 0002: the audit log is the
event store)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from app.adapters.outbox import StoredEvent
from app.domain.events import DomainEvent, ProductCreated, ProductEvent, StockReleased, StockReserved, event_classes
from app.tasks.subscribers import Subscriber


def test_every_concrete_event_pins_a_name_of_its_own():
    names = [kind.event_type for kind in event_classes()]

    assert len(names) == len(set(names)) >= 25
    assert all("event_type" in vars(kind) for kind in event_classes())
    assert ProductEvent not in event_classes() and DomainEvent not in event_classes()


def test_a_renamed_class_keeps_the_name_its_history_is_recorded_under():
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class StockSetAside(ProductEvent, event_type="StockReserved"):  # StockReserved, renamed in code
        quantity: int

    assert StockSetAside(aggregate_id=uuid.uuid4(), quantity=1).event_type == StockReserved.event_type


def stored(event_type: str) -> StoredEvent:
    return StoredEvent(
        event_id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        event_type=event_type,
        aggregate_type="Product",
        aggregate_id=uuid.uuid4(),
        actor_id=None,
        request_id=None,
        occurred_at=datetime.now(UTC),
        payload={},
    )


async def ignore(event: StoredEvent) -> None:
    return None


def test_subscribers_are_matched_by_the_pinned_name():
    stock = Subscriber(name="stock", handler=ignore, events=(StockReserved, StockReleased))
    every = Subscriber(name="every", handler=ignore)

    assert stock.wants(stored("StockReserved")) and stock.wants(stored("StockReleased"))
    assert not stock.wants(stored(ProductCreated.event_type))
    assert every.wants(stored(ProductCreated.event_type))


async def test_a_subscriber_has_one_handler_per_event_or_one_for_the_batch_never_both_nor_none():
    seen: list[str] = []

    async def one(event: StoredEvent) -> None:
        seen.append(event.event_type)

    async def batch(events: Sequence[StoredEvent]) -> None:
        seen.append("+".join(event.event_type for event in events))

    events = [stored("StockReserved"), stored("StockReleased")]
    await Subscriber(name="one", handler=one).run(events)
    await Subscriber(name="batch", batch_handler=batch).run(events)

    assert seen == ["StockReserved", "StockReleased", "StockReserved+StockReleased"]
    with pytest.raises(TypeError, match="a handler or a batch_handler"):
        Subscriber(name="neither")
    with pytest.raises(TypeError, match="a handler or a batch_handler"):
        Subscriber(name="both", handler=one, batch_handler=batch)
