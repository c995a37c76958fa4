"""What every aggregate shares: an identity, a tenant, a version, and the events it recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from app.domain.events import DomainEvent


@dataclass(kw_only=True)
class Aggregate:
    id: UUID
    tenant_id: UUID
    version: int = 1
    """Optimistic-concurrency token: the version this object was loaded at."""
    _events: list[DomainEvent] = field(default_factory=list, repr=False, compare=False)

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        """Hand over the events recorded since the last pull (the unit of work calls this)."""
        events, self._events = self._events, []
        return events
