"""The event backbone on real PostgreSQL and Redis: transactional outbox, sweeper, idempotent delivery."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from saq import Queue, Status, Worker

from app.adapters.database import Database
from app.adapters.outbox import SaqEventPublisher, sweep_outbox
from app.adapters.queue import build_queue
from app.adapters.unit_of_work import PiccoloUnitOfWorkFactory
from app.domain.products import Product
from app.domain.users import Role, User, UserContext
from app.settings import get_settings
from app.tasks.worker import deliver_event
from tests.support.factories import unique_name

TENANT = get_settings().app.default_tenant_id


@pytest.fixture
async def queue(services: dict[str, str], redis_client: Any) -> AsyncIterator[Queue]:
    queue = build_queue(services["redis_url"], f"test-{uuid.uuid4().hex[:8]}")
    await queue.connect()
    yield queue
    await queue.disconnect()


def admin() -> UserContext:
    return UserContext(user_id=uuid.uuid4(), username="admin", role=Role.ADMIN, tenant_id=TENANT)


def new_product() -> Product:
    return Product.create(tenant_id=TENANT, name=unique_name(), price="9.99", stock_quantity=3)


async def counts(db: asyncpg.Connection) -> tuple[int, int]:
    audit = await db.fetchval("SELECT count(*) FROM audit_log")
    outbox = await db.fetchval("SELECT count(*) FROM outbox")
    return audit, outbox


async def test_rolled_back_unit_of_work_leaves_no_audit_or_outbox_row(database: Database, db: asyncpg.Connection):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)

    async with uow_factory(admin()) as uow:
        uow.products.add(new_product())
        # leaving without commit() rolls back

    with pytest.raises(RuntimeError):
        async with uow_factory(admin()) as uow:
            uow.products.add(new_product())
            raise RuntimeError("boom before commit")

    assert await counts(db) == (0, 0)
    assert await db.fetchval("SELECT count(*) FROM product") == 0


async def test_committed_unit_of_work_writes_each_event_once_to_audit_log_and_outbox(
    database: Database, db: asyncpg.Connection
):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    product = new_product()
    actor = admin()
    async with uow_factory(actor) as uow:
        uow.products.add(product)
        await uow.commit()
    async with uow_factory(actor) as uow:
        loaded = await uow.products.get_for_update(product.id)
        assert loaded is not None
        loaded.reserve_stock(2)
        loaded.update(price="12.50")
        await uow.commit()

    rows = await db.fetch("SELECT event_type, actor_id, aggregate_id FROM audit_log ORDER BY occurred_at")
    assert [r["event_type"] for r in rows] == ["ProductCreated", "StockReserved", "ProductUpdated"]
    assert {r["actor_id"] for r in rows} == {actor.user_id}
    assert {r["aggregate_id"] for r in rows} == {product.id}
    outbox = await db.fetch("SELECT o.event_id FROM outbox o JOIN audit_log a USING (event_id)")
    assert len(outbox) == 3
    assert await db.fetchval("SELECT version FROM product WHERE id = $1", product.id) == 2


async def test_unchanged_aggregates_are_not_saved_and_raise_no_events(database: Database, db: asyncpg.Connection):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    product = new_product()
    async with uow_factory(admin()) as uow:
        uow.products.add(product)
        await uow.commit()
    async with uow_factory(admin()) as uow:
        await uow.products.get(product.id)
        await uow.commit()
    assert await counts(db) == (1, 1)
    assert await db.fetchval("SELECT version FROM product WHERE id = $1", product.id) == 1


async def test_audit_log_refuses_updates_and_deletes(database: Database, db: asyncpg.Connection):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    async with uow_factory(admin()) as uow:
        uow.products.add(new_product())
        await uow.commit()
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await db.execute("UPDATE audit_log SET event_type = 'Tampered'")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await db.execute("DELETE FROM audit_log")


async def add_a_product_published(database: Database, queue: Queue) -> None:
    """One committed unit of work (a product added), its event published by the relay to `queue`."""
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, SaqEventPublisher(database.engine, queue))
    async with uow_factory(admin()) as uow:
        uow.products.add(new_product())
        await uow.commit()


async def test_publisher_marks_outbox_rows_published_after_commit(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, SaqEventPublisher(database.engine, queue))
    product = new_product()
    async with uow_factory(admin()) as uow:
        uow.products.add(product)
        await uow.commit()
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
    event_id = await db.fetchval("SELECT event_id FROM outbox")
    assert await queue.job(f"event:{event_id}") is not None


class DiesBeforeEnqueueing:
    """A relay whose process dies right after the commit, before it reaches Redis: it does nothing."""

    async def publish(self, tenant_id: uuid.UUID, event_ids: Any) -> None:
        return None


async def test_rows_written_published_whose_relay_died_before_enqueueing_are_enqueued_by_the_lost_job_check(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    async with PiccoloUnitOfWorkFactory(database.engine, DiesBeforeEnqueueing())(admin()) as uow:
        uow.products.add(new_product())
        await uow.commit()
    # Written published (the mark is part of the commit now), and no job anywhere.
    row = await db.fetchrow("SELECT event_id, published_at, publish_attempts FROM outbox")
    assert row["published_at"] is not None and row["publish_attempts"] == 1
    assert await queue.job(f"event:{row['event_id']}") is None

    assert await sweep_outbox(database.engine, queue, grace_seconds=60, redeliver_after_seconds=3600) == 0  # young
    assert await sweep_outbox(database.engine, queue, grace_seconds=0, redeliver_after_seconds=3600) == 1
    assert await queue.job(f"event:{row['event_id']}") is not None
    assert await db.fetchval("SELECT publish_attempts FROM outbox") == 2


async def test_event_skipped_by_a_crash_after_commit_is_delivered_by_the_sweeper(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    # publisher=None is a unit of work without a relay (or a release before rows were written published):
    # the row stays unpublished until the sweeper takes it.
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    product = new_product()
    async with uow_factory(admin()) as uow:
        uow.products.add(product)
        await uow.commit()
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1

    assert await sweep_outbox(database.engine, queue, grace_seconds=0) == 1
    assert await sweep_outbox(database.engine, queue, grace_seconds=0) == 0  # nothing left to take

    event_id = await db.fetchval("SELECT event_id FROM outbox")
    worker = Worker(queue, functions=[deliver_event], startup=lambda ctx: ctx.update(database=database))
    running = asyncio.create_task(worker.start())
    try:
        await wait_for(lambda: job_done(queue, f"event:{event_id}"))
    finally:
        await worker.stop()
        running.cancel()
    assert await db.fetchval("SELECT total FROM event_type_count WHERE event_type = 'ProductCreated'") == 1
    assert await db.fetchval("SELECT count(*) FROM processed_event") == 1


async def test_sweeper_leaves_young_rows_to_the_relay(database: Database, queue: Queue, db: asyncpg.Connection):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    async with uow_factory(admin()) as uow:
        uow.products.add(new_product())
        await uow.commit()
    assert await sweep_outbox(database.engine, queue, grace_seconds=60) == 0
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 1


async def test_concurrent_sweepers_publish_each_row_once(database: Database, queue: Queue, db: asyncpg.Connection):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    for _ in range(30):
        async with uow_factory(admin()) as uow:
            uow.products.add(new_product())
            await uow.commit()
    results = await asyncio.gather(*(sweep_outbox(database.engine, queue, grace_seconds=0, batch=10) for _ in range(6)))
    assert sum(results) == 30
    assert await db.fetchval("SELECT max(publish_attempts) FROM outbox") == 1


async def test_redelivered_event_has_one_effect(database: Database, db: asyncpg.Connection):
    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    async with uow_factory(admin()) as uow:
        uow.users.add(User.register(tenant_id=TENANT, username="zoe", password_hash="x", role=Role.CUSTOMER))
        await uow.commit()
    event_id = str(await db.fetchval("SELECT event_id FROM outbox"))
    ctx = {"database": database}

    first, second = await asyncio.gather(
        deliver_event(ctx, event_ids=[event_id], tenant_id=str(TENANT)),
        deliver_event(ctx, event_ids=[event_id], tenant_id=str(TENANT)),
    )
    third = await deliver_event(ctx, event_ids=[event_id], tenant_id=str(TENANT))

    assert sorted([first["ran"], second["ran"]]) == [[], ["count_domain_events"]]
    assert third == {"ran": [], "skipped": ["count_domain_events"]}
    assert await db.fetchval("SELECT total FROM event_type_count WHERE event_type = 'UserRegistered'") == 1


async def test_a_failing_subscriber_records_nothing_and_can_run_again(database: Database, db: asyncpg.Connection):
    from app.tasks.subscribers import Subscriber

    uow_factory = PiccoloUnitOfWorkFactory(database.engine, publisher=None)
    async with uow_factory(admin()) as uow:
        uow.products.add(new_product())
        await uow.commit()
    event_id = str(await db.fetchval("SELECT event_id FROM outbox"))
    attempts = []

    async def flaky(event: Any) -> None:
        attempts.append(event.event_id)
        if len(attempts) == 1:
            raise ConnectionError("mail server down")

    ctx = {"database": database, "subscribers": (Subscriber(name="flaky", handler=flaky),)}
    with pytest.raises(ConnectionError):
        await deliver_event(ctx, event_ids=[event_id], tenant_id=str(TENANT))
    assert await db.fetchval("SELECT count(*) FROM processed_event WHERE subscriber = 'flaky'") == 0
    assert (await deliver_event(ctx, event_ids=[event_id], tenant_id=str(TENANT)))["ran"] == ["flaky"]
    assert len(attempts) == 2


async def job_done(queue: Queue, key: str) -> bool:
    job = await queue.job(key)
    return job is not None and job.status == Status.COMPLETE


async def wait_for(probe: Any) -> Any:
    async with asyncio.timeout(10):
        while not (value := await probe()):  # noqa: ASYNC110 - polls work done by another task
            await asyncio.sleep(0.05)
    return value


async def test_an_event_whose_job_redis_lost_is_published_again_at_the_next_sweep(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    await add_a_product_published(database, queue)
    # Published by the relay, but Redis came back without its job (a restart loses the last second of
    # writes): nothing would mark the event delivered. The sweeper does not wait for the redelivery delay.
    await queue.redis.flushdb()
    assert await sweep_outbox(database.engine, queue, grace_seconds=60, redeliver_after_seconds=3600) == 0  # too young
    assert await sweep_outbox(database.engine, queue, grace_seconds=0, redeliver_after_seconds=3600) == 1
    assert await db.fetchval("SELECT publish_attempts FROM outbox") == 2
    assert await sweep_outbox(database.engine, queue, grace_seconds=0, redeliver_after_seconds=3600) == 0  # job held

    event_id = str(await db.fetchval("SELECT event_id FROM outbox"))
    await deliver_event({"database": database}, event_ids=[event_id], tenant_id=str(TENANT))
    assert await db.fetchval("SELECT delivered_at IS NOT NULL FROM outbox")
    await queue.redis.flushdb()
    assert await sweep_outbox(database.engine, queue, grace_seconds=0, redeliver_after_seconds=0) == 0


async def test_an_event_whose_job_a_cut_off_stuck_job_sweep_left_aborting_is_published_again(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    await add_a_product_published(database, queue)
    event_id = await db.fetchval("SELECT event_id FROM outbox")
    # A worker took the job (it is active), then died; SAQ's stuck-job sweep aborts it, which takes it off
    # every list, and would queue it again 5 s later, but Redis went away first: the job is left ABORTING.
    job = await queue.dequeue()
    assert job is not None and job.key == f"event:{event_id}"
    await queue.abort(job, error="swept", ttl=1)
    await queue.redis.delete(job.abort_id)  # its 1-second abort mark has run out
    left = await queue.job(job.key)
    assert left is not None and left.status == Status.ABORTING

    assert await sweep_outbox(database.engine, queue, grace_seconds=0, redeliver_after_seconds=3600) == 1
    assert await db.fetchval("SELECT publish_attempts FROM outbox") == 2
    again = await queue.job(job.key)
    assert again is not None and again.status == Status.QUEUED


async def test_audit_log_cannot_be_truncated(database: Database, db: asyncpg.Connection):
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await db.execute("TRUNCATE audit_log CASCADE")


async def test_a_job_still_waiting_in_the_queue_is_not_counted_as_another_attempt(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    await add_a_product_published(database, queue)
    # No worker runs: the relay's job waits. A redelivery sweep finds its key still queued.
    assert await sweep_outbox(database.engine, queue, grace_seconds=0, redeliver_after_seconds=0) == 1
    assert await db.fetchval("SELECT publish_attempts FROM outbox") == 1


async def add_two_products(database: Database, queue: Queue | None) -> list[str]:
    """One unit of work adding two products: a commit of two events, published to `queue` (None: not at all).
    Returns their event ids in the order written (the first is the batch's id)."""
    publisher = SaqEventPublisher(database.engine, queue) if queue is not None else None
    async with PiccoloUnitOfWorkFactory(database.engine, publisher)(admin()) as uow:
        uow.products.add(new_product())
        uow.products.add(new_product())
        await uow.commit()
        return [str(event.event_id) for event in uow.committed_events]


async def test_a_commits_events_travel_in_one_job_keyed_by_the_first(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    first, second = await add_two_products(database, queue)
    assert {str(row["batch_id"]) for row in await db.fetch("SELECT batch_id FROM outbox")} == {first}
    job = await queue.job(f"event:{first}")
    assert job is not None and job.kwargs["event_ids"] == [first, second]
    assert await queue.job(f"event:{second}") is None  # not a job of its own
    assert await queue.count("queued") == 1

    outcome = await deliver_event({"database": database}, **job.kwargs)
    assert outcome == {"ran": ["count_domain_events"], "skipped": []}
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 2
    assert await db.fetchval("SELECT total FROM event_type_count WHERE event_type = 'ProductCreated'") == 2


async def test_a_batch_whose_job_redis_lost_is_published_again_as_one_job(
    database: Database, queue: Queue, db: asyncpg.Connection
):
    first, second = await add_two_products(database, queue)
    await queue.redis.flushdb()  # Redis came back without the batch's job: both rows find it missing by its key
    assert await sweep_outbox(database.engine, queue, grace_seconds=0, redeliver_after_seconds=3600) == 2
    job = await queue.job(f"event:{first}")
    assert job is not None and job.kwargs["event_ids"] == [first, second]
    assert await queue.count("queued") == 1
    assert await db.fetchval("SELECT array_agg(publish_attempts) FROM outbox") == [2, 2]


async def test_an_unpublished_batch_is_swept_as_one_job(database: Database, queue: Queue, db: asyncpg.Connection):
    first, second = await add_two_products(database, None)  # the process died between commit and enqueue
    assert await sweep_outbox(database.engine, queue, grace_seconds=0) == 2
    job = await queue.job(f"event:{first}")
    assert job is not None and job.kwargs["event_ids"] == [first, second]
    assert await queue.count("queued") == 1


async def test_a_subscriber_failing_on_a_batchs_second_event_runs_both_again_and_each_once_in_the_end(
    database: Database, db: asyncpg.Connection
):
    from app.tasks.subscribers import Subscriber

    first, second = await add_two_products(database, None)
    handled: list[str] = []

    async def flaky(event: Any) -> None:
        handled.append(str(event.event_id))
        if len(handled) == 2:
            raise ConnectionError("mail server down")

    ctx = {"database": database, "subscribers": (Subscriber(name="flaky", handler=flaky),)}
    with pytest.raises(ConnectionError):
        await deliver_event(ctx, event_ids=[first, second], tenant_id=str(TENANT))
    # The first event's claim rolled back with the second's failure: the retry runs both.
    assert await db.fetchval("SELECT count(*) FROM processed_event WHERE subscriber = 'flaky'") == 0
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 0
    assert (await deliver_event(ctx, event_ids=[first, second], tenant_id=str(TENANT)))["ran"] == ["flaky"]
    assert (await deliver_event(ctx, event_ids=[first, second], tenant_id=str(TENANT)))["skipped"] == ["flaky"]
    assert handled == [first, second, first, second]
    assert await db.fetchval("SELECT count(*) FROM processed_event WHERE subscriber = 'flaky'") == 2


async def test_a_best_effort_subscriber_runs_on_every_delivery_and_records_nothing(
    database: Database, db: asyncpg.Connection
):
    from app.tasks.subscribers import SUBSCRIBERS, Subscriber

    first, second = await add_two_products(database, None)
    pushed: list[str] = []

    async def push(event: Any) -> None:
        pushed.append(str(event.event_id))

    subscribers = (*SUBSCRIBERS, Subscriber(name="push", handler=push, recorded=False))
    ctx = {"database": database, "subscribers": subscribers}
    assert await deliver_event(ctx, event_ids=[first, second], tenant_id=str(TENANT)) == {
        "ran": ["count_domain_events", "push"],
        "skipped": [],
    }
    assert await deliver_event(ctx, event_ids=[first, second], tenant_id=str(TENANT)) == {
        "ran": ["push"],
        "skipped": ["count_domain_events"],
    }
    assert pushed == [first, second, first, second]
    assert await db.fetchval("SELECT count(*) FROM processed_event WHERE subscriber = 'push'") == 0
    assert await db.fetchval("SELECT total FROM event_type_count WHERE event_type = 'ProductCreated'") == 2


async def test_the_batch_is_marked_delivered_with_its_last_recording_subscribers_work_and_undone_with_it(
    database: Database, db: asyncpg.Connection
):
    from app.tasks.subscribers import SUBSCRIBERS, Subscriber

    first, second = await add_two_products(database, None)
    failures = [ConnectionError("mail server down")]

    async def mail(event: Any) -> None:
        if failures:
            raise failures.pop()

    async def push(event: Any) -> None:
        return None

    last_fails = {"database": database, "subscribers": (*SUBSCRIBERS, Subscriber(name="mail", handler=mail))}
    with pytest.raises(ConnectionError):
        await deliver_event(last_fails, event_ids=[first, second], tenant_id=str(TENANT))
    # The counter committed its run, but the mark was in the mail subscriber's transaction: rolled back.
    assert await db.fetchval("SELECT count(*) FROM processed_event WHERE subscriber = 'count_domain_events'") == 2
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 0
    assert await deliver_event(last_fails, event_ids=[first, second], tenant_id=str(TENANT)) == {
        "ran": ["mail"],
        "skipped": ["count_domain_events"],
    }
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 2

    await db.execute("UPDATE outbox SET delivered_at = NULL")
    best_effort_only = {"database": database, "subscribers": (Subscriber(name="push", handler=push, recorded=False),)}
    assert (await deliver_event(best_effort_only, event_ids=[first, second], tenant_id=str(TENANT)))["ran"] == ["push"]
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL") == 2
