"""The unit of work over a Piccolo transaction, writing each aggregate's events to the audit log and outbox.

Events are written in the same transaction as the change they describe (no event without the
change, no change without its events); after the commit the outbox relay publishes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import TracebackType
from typing import Self

import asyncpg
import structlog
from piccolo.engine.postgres import PostgresEngine

from app.adapters.database import TenantTransaction
from app.adapters.flag_repositories import PiccoloFlagRepository, PiccoloGroupRepository
from app.adapters.idempotency import PostgresIdempotencyRecords
from app.adapters.operation_metrics import DEADLOCKS
from app.adapters.repositories import PiccoloProductRepository, PiccoloUserRepository, TrackedRepository
from app.adapters.shopping_repositories import (
    PiccoloCartRepository,
    PiccoloCouponRepository,
    PiccoloOrderRepository,
)
from app.domain.errors import Conflict, DomainError, ValidationError
from app.domain.events import DomainEvent
from app.domain.users import UserContext
from app.services.correlation import current_request_id
from app.services.ports import EventPublisher

log = structlog.get_logger(__name__)


class PiccoloUnitOfWork:
    def __init__(self, engine: PostgresEngine, actor: UserContext, publisher: EventPublisher | None) -> None:
        self._engine = engine
        self._actor = actor
        self._publisher = publisher
        self._transaction: TenantTransaction | None = None
        self._records: PostgresIdempotencyRecords | None = None
        self._committed = False
        self._products = PiccoloProductRepository(actor.tenant_id)
        self._users = PiccoloUserRepository(actor.tenant_id)
        self._carts = PiccoloCartRepository(actor.tenant_id)
        self._orders = PiccoloOrderRepository(actor.tenant_id)
        self._coupons = PiccoloCouponRepository(actor.tenant_id)
        self._groups = PiccoloGroupRepository(actor.tenant_id)
        self._flags = PiccoloFlagRepository(actor.tenant_id)
        self.committed_events: list[DomainEvent] = []

    @property
    def products(self) -> PiccoloProductRepository:
        return self._products

    @property
    def users(self) -> PiccoloUserRepository:
        return self._users

    @property
    def carts(self) -> PiccoloCartRepository:
        return self._carts

    @property
    def orders(self) -> PiccoloOrderRepository:
        return self._orders

    @property
    def coupons(self) -> PiccoloCouponRepository:
        return self._coupons

    @property
    def groups(self) -> PiccoloGroupRepository:
        return self._groups

    @property
    def flags(self) -> PiccoloFlagRepository:
        return self._flags

    @property
    def idempotency(self) -> PostgresIdempotencyRecords:
        """Idempotency records on this transaction's connection: a key's record commits with the effect."""
        assert self._transaction is not None, "use the unit of work as `async with`"
        if self._records is None:
            self._records = PostgresIdempotencyRecords(self._transaction.connection, self._actor.tenant_id)
        return self._records

    @property
    def _repositories(self) -> tuple[TrackedRepository, ...]:
        # Save order matters for foreign keys: users, products and groups before what refers to them;
        # flags before groups, so a deleted group's targets are gone before the group is.
        return (self._users, self._products, self._coupons, self._orders, self._carts, self._flags, self._groups)

    async def __aenter__(self) -> Self:
        # Row-level security policies read the tenant from a transaction-local setting, set with BEGIN.
        self._transaction = TenantTransaction(self._engine, self._actor.tenant_id, allow_nested=False)
        await self._transaction.__aenter__()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._transaction is not None
        if isinstance(exc, asyncpg.DeadlockDetectedError):
            DEADLOCKS.inc()
        if not self._committed:
            await self._transaction.rollback()  # leaving without commit() undoes everything
        await self._transaction.__aexit__(exc_type, exc, tb)
        if self._committed and self.committed_events and self._publisher is not None:
            await self._publish_after_commit()

    async def commit(self) -> None:
        assert self._transaction is not None, "use the unit of work as `async with`"
        events: list[DomainEvent] = []
        try:
            for repository in self._repositories:
                for aggregate in repository.changed():
                    await repository.save(aggregate)
                for aggregate in repository.seen.values():
                    events.extend(aggregate.pull_events())  # an unchanged aggregate may still record a fact
        except asyncpg.UniqueViolationError as violation:
            # The service checked first; a concurrent transaction got there in between. Say so in words.
            raise _unique_violation_error(violation) from violation
        if events:
            await self._write_events(events)
        if self._records is not None:
            await self._records.write()  # after the saves: an answer shows the new versions
        await self._transaction.commit()
        self._committed = True
        self.committed_events = events

    async def _write_events(self, events: list[DomainEvent]) -> None:
        """Every event of the unit of work into the audit log and the outbox: one statement, however many."""
        assert self._transaction is not None
        await self._transaction.connection.execute(
            _WRITE_EVENTS_SQL,
            self._actor.tenant_id,
            self._actor.user_id,
            self._actor.username,
            current_request_id(),
            [e.event_id for e in events],
            [e.event_type for e in events],
            [e.aggregate_type for e in events],
            [e.aggregate_id for e in events],
            [e.occurred_at for e in events],
            [json.dumps(e.payload()) for e in events],
            self._publisher is not None,
        )

    async def _publish_after_commit(self) -> None:
        assert self._publisher is not None
        try:
            await self._publisher.publish(self._actor.tenant_id, [e.event_id for e in self.committed_events])
        except Exception:  # the business operation stands; the sweeper publishes these later
            log.warning("outbox_publish_deferred", events=len(self.committed_events), exc_info=True)


# A data-modifying CTE runs once whether or not the main query reads it; the outbox's foreign key to
# the audit log is checked at the end of the statement, when both inserts are done. Every outbox row
# of the commit names its first event as its batch: the relay sends the batch as one delivery job.
# With a relay ($11) the rows are written published, one attempt: the relay enqueues right after the
# commit and unmarks them only if Redis refuses (SaqEventPublisher.publish). clock_timestamp(), not
# now(): the sweeper's grace period counts from here, and now() is when the transaction began.
_WRITE_EVENTS_SQL = """
WITH events AS (
    SELECT * FROM unnest($5::uuid[], $6::text[], $7::text[], $8::uuid[], $9::timestamptz[], $10::text[])
        AS e (event_id, event_type, aggregate_type, aggregate_id, occurred_at, payload)
), audit AS (
    INSERT INTO audit_log (event_id, tenant_id, event_type, aggregate_type, aggregate_id,
                           actor_id, actor_name, request_id, occurred_at, payload)
    SELECT event_id, $1, event_type, aggregate_type, aggregate_id, $2, $3, $4, occurred_at, payload::jsonb
    FROM events
)
INSERT INTO outbox (event_id, tenant_id, event_type, batch_id, published_at, publish_attempts)
SELECT event_id, $1, event_type, ($5::uuid[])[1], CASE WHEN $11::boolean THEN clock_timestamp() END, $11::boolean::int
FROM events
"""

_UNIQUE_KEYS: dict[str, Callable[[], DomainError]] = {
    "product_live_name_key": lambda: ValidationError("name", "A product with this name already exists"),
    "coupon_tenant_id_code_key": lambda: Conflict("A coupon with this code already exists"),
    "customer_order_coupon_once_key": lambda: ValidationError(
        "coupon_code", "This coupon has already been used by this account"
    ),
    "app_user_tenant_id_username_key": lambda: ValidationError("username", "This username is taken"),
    "user_group_tenant_id_name_key": lambda: ValidationError("name", "A group with this name already exists"),
    "feature_flag_tenant_id_name_key": lambda: ValidationError("name", "A flag with this name already exists"),
}


def _unique_violation_error(violation: asyncpg.UniqueViolationError) -> DomainError:
    make = _UNIQUE_KEYS.get(getattr(violation, "constraint_name", "") or "")
    return make() if make else Conflict("This change clashes with another one made at the same time; try again")


class PiccoloUnitOfWorkFactory:
    def __init__(self, engine: PostgresEngine, publisher: EventPublisher | None) -> None:
        self._engine = engine
        self._publisher = publisher

    def __call__(self, actor: UserContext) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self._engine, actor, self._publisher)
