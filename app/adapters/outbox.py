"""The outbox relay and sweeper, and at-least-once, idempotent delivery to subscribers.

- `SaqEventPublisher.publish()` runs right after a commit: one SAQ job for the commit's events (its
  batch), keyed by the first event's id (SAQ refuses a second job with a live key). The unit of work
  wrote the rows published already (no statement and commit after each enqueue); if Redis refuses
  the job, it unmarks them (`outbox_mark_unpublished`, one statement that sets the tenant itself).
  A process that dies between the commit and the enqueue leaves rows marked published with no
  job: the sweeper's lost-job check finds them after the grace period.
- `sweep_outbox()` runs every few seconds in the worker and publishes rows the relay missed
  (crash between commit and enqueue, Redis down); republishes at once rows whose job Redis no
  longer holds (a Redis restart loses the last second of writes); and republishes rows published
  long ago but never delivered (the job exhausted its retries). It locks them with FOR UPDATE
  SKIP LOCKED, so several workers never take the same row. After MAX_PUBLISH_ATTEMPTS a row is
  left alone: a dead letter, counted by `outbox_dead_letters`, to be inspected.
- `deliver()` runs a subscriber over a batch's events inside its own transaction, together with a
  `processed_event` row per event under a unique constraint: a redelivered event finds its row and
  has no second effect.

Each job carries its event's tenant, and every step runs inside that tenant (row-level security);
the sweeper visits the tenants one by one (`tenant_ids`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from piccolo.engine.postgres import PostgresEngine
from redis.exceptions import RedisError
from saq import Queue
from saq.job import Status
from saq.queue.redis import RedisQueue

from app.adapters.backbone_metrics import (
    DOMAIN_EVENTS_DELIVERED_TOTAL,
    EVENT_SUBSCRIBER_FAILURES_TOTAL,
    OUTBOX_DEAD_LETTERS,
    OUTBOX_LAG_SECONDS,
    OUTBOX_PUBLISHED_TOTAL,
)
from app.adapters.database import fetch_alone, tenant_ids, tenant_transaction
from app.adapters.repositories import transaction_connection
from app.tables.tables import EventTypeCount

log = structlog.get_logger(__name__)

DELIVER_JOB = "deliver_event"
DELIVERY_TIMEOUT_SECONDS = 30
DELIVERY_ATTEMPTS = 5
REDELIVER_AFTER_SECONDS = 300.0  # longer than one job's retries: 5 attempts x 30 s timeout, with backoff
MAX_PUBLISH_ATTEMPTS = 10
# An undelivered row is a dead letter once it has used its attempts and the last one had time to finish.
# One definition for the gauge and the dashboard; $1 is MAX_PUBLISH_ATTEMPTS, $2 the redelivery delay.
UNQUEUED = frozenset({Status.ABORTING, Status.ABORTED, Status.FAILED, Status.COMPLETE})
"""Job states in which no queue holds the job: its undelivered event is lost (`_jobs_lost`). ABORTING
too: SAQ's stuck-job sweep takes the job off every list, aborts it, waits up to 5 s, then queues it
again; Redis killed or frozen in that window leaves it ABORTING and nowhere. Enqueueing again is safe
in every case: SAQ refuses a job whose key is still queued, active, scheduled or being aborted."""
DEAD_LETTER_SQL = "publish_attempts >= $1 AND published_at < now() - make_interval(secs => $2)"


@dataclass(frozen=True)
class StoredEvent:
    """A committed event as the audit log holds it: what subscribers receive."""

    event_id: UUID
    tenant_id: UUID
    event_type: str
    aggregate_type: str
    aggregate_id: UUID
    actor_id: UUID | None
    request_id: str | None
    occurred_at: datetime
    payload: dict[str, Any]


def _job_key(batch_id: UUID) -> str:
    """The delivery job's key: `event:<the batch's first event>` (a commit of one event: `event:<its id>`)."""
    return f"event:{batch_id}"


_BATCH_OF_ROW = "coalesce(batch_id, event_id)"
"""An outbox row's batch: the first event of its commit (a row from before batches is its own)."""


def _batches(rows: Sequence[Any]) -> dict[UUID, list[UUID]]:
    """Rows (`event_id`, `batch_id`) grouped by batch, in the order they came."""
    batches: dict[UUID, list[UUID]] = {}
    for row in rows:
        batches.setdefault(row["batch_id"], []).append(row["event_id"])
    return batches


async def _enqueue(
    queue: Queue, tenant_id: UUID, batch_id: UUID, event_ids: Sequence[UUID], job_timeout: float
) -> bool:
    """One job for (some of) a batch's events under the batch's key: True when queued; False when that key's
    job is still pending (SAQ refuses a second one)."""
    job = await queue.enqueue(
        DELIVER_JOB,
        key=_job_key(batch_id),
        event_ids=[str(event_id) for event_id in event_ids],
        tenant_id=str(tenant_id),
        timeout=job_timeout,
        retries=DELIVERY_ATTEMPTS,
        retry_delay=1.0,
        retry_backoff=True,
    )
    return job is not None


class SaqEventPublisher:
    def __init__(
        self, engine: PostgresEngine, queue: Queue, *, delivery_timeout: float = DELIVERY_TIMEOUT_SECONDS
    ) -> None:
        self._engine = engine
        self._queue = queue
        self._delivery_timeout = delivery_timeout

    async def publish(self, tenant_id: UUID, event_ids: Sequence[UUID]) -> None:
        """Enqueue one commit's events as one job; with Redis down, mark them unpublished for the sweeper.

        The unit of work wrote them published (`published_at`, one attempt) in its commit, so a job Redis
        takes costs no statement here. `event_ids` are the commit's events in the order written: the
        first is the batch id the unit of work stored on every row (`outbox.batch_id`), so the job's key
        can be found from any of them. Fails fast (the Redis client's timeouts and circuit breaker), so
        a response waits at most one command timeout for it, and only while the breaker has not yet
        seen Redis fail.
        """
        if not event_ids:
            return
        try:
            await _enqueue(self._queue, tenant_id, event_ids[0], event_ids, self._delivery_timeout)
        except RedisError as exc:
            log.warning("outbox_publish_deferred", events=len(event_ids), reason=str(exc)[:200])
            # Waiting, as the dashboard and the lag gauge should say; if this fails too, the rows stay
            # marked published and the sweeper's lost-job check takes them once Redis answers again.
            await fetch_alone(
                self._engine, "SELECT outbox_mark_unpublished($1, $2::uuid[])", [tenant_id, list(event_ids)]
            )
            return
        OUTBOX_PUBLISHED_TOTAL.labels("relay").inc(len(event_ids))


async def sweep_outbox(
    engine: PostgresEngine,
    queue: RedisQueue,
    *,
    grace_seconds: float,
    redeliver_after_seconds: float = REDELIVER_AFTER_SECONDS,
    batch: int = 500,
    delivery_timeout: float = DELIVERY_TIMEOUT_SECONDS,
) -> int:
    """Publish events unpublished after `grace_seconds`, or undelivered long after publishing; returns how many.

    Tenant by tenant, each in its own transaction: the outbox is tenant-owned like the rest.
    """
    published = 0
    lags: list[float] = []
    dead_letters = 0
    for tenant_id in await tenant_ids(engine):
        with structlog.contextvars.bound_contextvars(tenant_id=str(tenant_id)):
            taken, lag, dead = await _sweep_tenant(
                engine,
                queue,
                tenant_id,
                grace_seconds=grace_seconds,
                redeliver_after_seconds=redeliver_after_seconds,
                batch=batch,
                delivery_timeout=delivery_timeout,
            )
        published += taken
        lags.append(lag)
        dead_letters += dead
    OUTBOX_LAG_SECONDS.set(max(lags, default=0.0))
    OUTBOX_DEAD_LETTERS.set(dead_letters)
    if published:
        OUTBOX_PUBLISHED_TOTAL.labels("sweeper").inc(published)
        log.info("outbox_swept", published=published)
    return published


async def _sweep_tenant(
    engine: PostgresEngine,
    queue: RedisQueue,
    tenant_id: UUID,
    *,
    grace_seconds: float,
    redeliver_after_seconds: float,
    batch: int,
    delivery_timeout: float,
) -> tuple[int, float, int]:
    """One tenant's sweep: (rows published, oldest unpublished age in seconds, dead letters)."""
    async with tenant_transaction(engine, tenant_id) as transaction:
        connection = transaction.connection
        rows = await connection.fetch(
            f"""
            SELECT event_id, {_BATCH_OF_ROW} AS batch_id FROM outbox
            WHERE delivered_at IS NULL
              AND publish_attempts < $4
              AND (   (published_at IS NULL AND created_at < now() - make_interval(secs => $1))
                   OR published_at < now() - make_interval(secs => $3))
            ORDER BY created_at, batch_id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
            """,
            grace_seconds,
            batch,
            redeliver_after_seconds,
            MAX_PUBLISH_ATTEMPTS,
        )
        batches = _batches(rows)
        for batch_id, event_ids in _batches(
            await _jobs_lost(queue, connection, grace_seconds, redeliver_after_seconds, batch)
        ).items():
            batches.setdefault(batch_id, []).extend(event_ids)
        published: list[UUID] = []
        newly_queued: list[UUID] = []
        for batch_id, event_ids in batches.items():
            try:
                if await _enqueue(queue, tenant_id, batch_id, event_ids, delivery_timeout):
                    newly_queued.extend(event_ids)
            except Exception:
                log.warning("outbox_sweep_enqueue_failed", batch_id=str(batch_id), exc_info=True)
                break  # Redis is likely down: keep the rest for the next sweep
            published.extend(event_ids)
        if published:
            # A job still waiting in a backlog is not a failed attempt: only new jobs count.
            await connection.execute(
                "UPDATE outbox SET published_at = now(), "
                "publish_attempts = publish_attempts + (event_id = ANY($2::uuid[]))::int "
                "WHERE event_id = ANY($1::uuid[])",
                published,
                newly_queued,
            )
        lag, dead = await connection.fetchrow(
            """
            SELECT coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE published_at IS NULL)), 0),
                   count(*) FILTER (WHERE """
            + DEAD_LETTER_SQL
            + """)
            FROM outbox WHERE delivered_at IS NULL
            """,
            MAX_PUBLISH_ATTEMPTS,
            redeliver_after_seconds,
        )
    return len(published), float(lag), int(dead)


async def _jobs_lost(
    queue: RedisQueue, connection: Any, grace_seconds: float, redeliver_after_seconds: float, batch: int
) -> list[Any]:
    """Events published, not delivered, and whose job no queue holds: lost, not waiting.

    Redis fsyncs its append-only file once a second, so a Redis killed and restarted can come back
    without the jobs of the last second. And a job can be left in a state no queue holds (UNQUEUED)
    while its event stays undelivered: a stuck-job sweep cut off by Redis going away mid-way, retries
    used up while Redis was out. Nothing would deliver those events before the redelivery delay
    (300 s). A queued or active job is waiting, not lost (SAQ's sweep retries an active one past its
    timeout). Younger than `grace_seconds` the job is left alone, older than the delay the main query
    takes the row anyway. A row's job is its batch's (`event:<batch_id>`). One MGET for the rows' jobs;
    with Redis unreachable none is taken, and the next sweep looks again. Returns the lost rows
    (`event_id`, `batch_id`).
    """
    rows = await connection.fetch(
        f"""
        SELECT event_id, {_BATCH_OF_ROW} AS batch_id FROM outbox
        WHERE delivered_at IS NULL
          AND publish_attempts < $4
          AND published_at < now() - make_interval(secs => $1)
          AND published_at >= now() - make_interval(secs => $3)
        ORDER BY published_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED
        """,
        grace_seconds,
        batch,
        redeliver_after_seconds,
        MAX_PUBLISH_ATTEMPTS,
    )
    if not rows:
        return []
    batch_ids = list(dict.fromkeys(row["batch_id"] for row in rows))
    try:
        jobs = dict(zip(batch_ids, await queue.jobs(_job_key(batch_id) for batch_id in batch_ids), strict=True))
    except RedisError as exc:
        log.warning("outbox_sweep_job_check_failed", reason=str(exc)[:200])
        return []
    lost = [row for row in rows if (job := jobs[row["batch_id"]]) is None or job.status in UNQUEUED]
    if lost:
        states = Counter(job.status.value if job is not None else "missing" for job in jobs.values())
        log.info("outbox_jobs_lost", events=len(lost), job_states=dict(states))
    return lost


async def mark_delivered(engine: PostgresEngine, tenant_id: UUID, event_ids: Sequence[UUID]) -> None:
    await fetch_alone(engine, "SELECT outbox_mark_delivered($1, $2::uuid[])", [tenant_id, list(event_ids)])


async def load_events(engine: PostgresEngine, tenant_id: UUID, event_ids: Sequence[UUID]) -> list[StoredEvent]:
    """The events as stored, in the order asked, of those `tenant_id` has (another tenant's ids find nothing)."""
    rows = await fetch_alone(
        engine,
        "SELECT event_id, tenant_id, event_type, aggregate_type, aggregate_id, actor_id, request_id, "
        "occurred_at, payload FROM outbox_events($1, $2::uuid[])",
        [tenant_id, list(event_ids)],
    )
    events = []
    for row in rows:
        fields = dict(row)
        payload = fields.pop("payload")
        events.append(StoredEvent(**fields, payload=json.loads(payload) if isinstance(payload, str) else payload))
    return events


Handler = Callable[[StoredEvent], Awaitable[None]]
"""A subscriber's work on one event."""
BatchHandler = Callable[[Sequence[StoredEvent]], Awaitable[None]]
"""A subscriber's work on a batch's events at once (in order): one statement for all of them, say."""


def each(handler: Handler) -> BatchHandler:
    """`handler` over the events one by one, each's lines naming it (event_id, event_type)."""

    async def run(events: Sequence[StoredEvent]) -> None:
        for event in events:
            with structlog.contextvars.bound_contextvars(event_id=str(event.event_id), event_type=event.event_type):
                await handler(event)

    return run


_CLAIM_SQL = (
    "WITH delivered AS (UPDATE outbox SET delivered_at = now() WHERE event_id = ANY($4::uuid[])) "
    "INSERT INTO processed_event (tenant_id, subscriber, event_id) "
    "SELECT $1, $2, event_id FROM unnest($3::uuid[]) AS claimed (event_id) "
    "ON CONFLICT (subscriber, event_id) DO NOTHING RETURNING event_id"
)
"""The subscriber's claims on the events, and (for the batch's last recorded subscriber) the batch's delivered
mark: one statement at the start of the transaction, which the handler's effects then join or, if it
raises, undo with them."""


async def deliver(
    engine: PostgresEngine,
    subscriber: str,
    handler: BatchHandler,
    events: Sequence[StoredEvent],
    *,
    mark_delivered: Sequence[UUID] = (),
) -> list[StoredEvent]:
    """Run `handler` over those of one tenant's events the subscriber has not handled yet (at most once per
    subscriber and event), in order, in one transaction of that tenant; returns the events it ran for now.

    One statement claims the processed-event rows of the whole batch, and marks `mark_delivered` (the whole
    batch's ids, when this is the last subscriber that records its runs) delivered in the same transaction.
    If the handler raises on any event, the transaction rolls back the claims, the mark and the effects of
    all of them, and the job's retry runs them again.
    """
    if not events:
        return []
    tenant_id = events[0].tenant_id
    try:
        async with tenant_transaction(engine, tenant_id) as transaction:
            claimed = {
                row["event_id"]
                for row in await transaction.connection.fetch(
                    _CLAIM_SQL, tenant_id, subscriber, [event.event_id for event in events], list(mark_delivered)
                )
            }
            ran = [event for event in events if event.event_id in claimed]
            if ran:
                await handler(ran)
    except Exception:
        EVENT_SUBSCRIBER_FAILURES_TOTAL.labels(subscriber).inc()
        raise
    for event in ran:
        DOMAIN_EVENTS_DELIVERED_TOTAL.labels(subscriber, event.event_type).inc()
    return ran


async def count_events(events: Sequence[StoredEvent]) -> None:
    """Projection: events per type and tenant, a batch's in one upsert (runs inside `deliver`'s transaction)."""
    await transaction_connection(EventTypeCount).execute(
        "INSERT INTO event_type_count (tenant_id, event_type, total) "
        "SELECT $1, event_type, count(*) FROM unnest($2::text[]) AS e (event_type) GROUP BY event_type "
        "ON CONFLICT (tenant_id, event_type) DO UPDATE SET total = event_type_count.total + EXCLUDED.total",
        events[0].tenant_id,
        [event.event_type for event in events],
    )
