"""The SAQ worker: event delivery and scheduled jobs.

Run with `saq app.tasks.worker.settings` (make run does). Jobs are idempotent: SAQ delivers
at least once, and a worker that starts with a backlog can run one job twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import structlog

from app.adapters.database import Database, tenant_ids, tenant_transaction
from app.adapters.email import FileEmailSender, SmtpEmailSender
from app.adapters.idempotency import prune_idempotency_records
from app.adapters.images import PillowImageCodec
from app.adapters.incidents import RedisIncidentThrottle
from app.adapters.live_stock import RedisStockChannel
from app.adapters.object_storage import object_storage_from
from app.adapters.operation_metrics import PrometheusOperationTimer
from app.adapters.outbox import SaqEventPublisher, deliver, load_events, mark_delivered, sweep_outbox
from app.adapters.passwords import hasher_for
from app.adapters.queue import build_queue
from app.adapters.readers import SqlDirectoryReader
from app.adapters.repositories import pictures_with_thumbnails
from app.adapters.sessions import PostgresSessionStore
from app.adapters.unit_of_work import PiccoloUnitOfWorkFactory
from app.domain.events import utc_now
from app.domain.incidents import Incident
from app.domain.users import UserContext
from app.log_config import configure_logging_from
from app.services.auth import AuthService
from app.services.carts import CartService
from app.services.correlation import request_id_var
from app.services.flags import FlagService
from app.services.idempotency import RETENTION as IDEMPOTENCY_RETENTION
from app.services.incidents import EmailSender, IncidentService
from app.services.product_images import ProductImageService
from app.settings import Settings, get_settings
from app.tasks.subscribers import (
    SUBSCRIBERS,
    Subscriber,
    live_cart_expiry,
    live_stock,
    product_thumbnails,
    replaced_pictures,
)

log = structlog.get_logger("app.worker")
DEQUEUE_WAIT_SECONDS = 2.0

STUCK_JOB_SWEEP_SECONDS = 5
INCIDENT_SUMMARY_SECONDS = 10
"""How often ended de-duplication windows are mailed: a summary comes at most this late."""


async def deliver_event(ctx: dict[str, Any], *, event_ids: list[str], tenant_id: str) -> dict[str, list[str]]:
    """Hand one commit's committed events (its batch) to every subscriber that wants them, inside their tenant.

    Each recorded subscriber runs over the batch's events it wants in one transaction (`deliver`: at most
    once per event); a best-effort one (`recorded=False`) just runs. Returns the subscribers that ran
    for some event now, and those that had already handled every event they want.
    """
    database: Database = ctx["database"]
    # Every line this job logs names the tenant, including the one saying the events are missing.
    structlog.contextvars.bind_contextvars(tenant_id=tenant_id, event_ids=event_ids)
    token = request_id_var.set(None)
    try:
        events = await load_events(database.engine, UUID(tenant_id), [UUID(event_id) for event_id in event_ids])
        if len(events) < len(event_ids):
            found = {str(event.event_id) for event in events}
            log.warning("event_not_found", missing=[event_id for event_id in event_ids if event_id not in found])
        if not events:
            return {"ran": [], "skipped": []}
        request_id_var.set(events[0].request_id)  # one commit: one request
        structlog.contextvars.bind_contextvars(request_id=events[0].request_id)
        ran, skipped = [], []
        subscribers: tuple[Subscriber, ...] = ctx.get("subscribers", SUBSCRIBERS)
        batch = [event.event_id for event in events]
        work = [(s, wanted) for s in subscribers if (wanted := [event for event in events if s.wants(event)])]
        # The batch is delivered when every subscriber that records its runs has run: the last of them marks
        # it in its own transaction (no statement and commit of its own). Best-effort ones after it may fail
        # and be retried with the job, but they do not hold the mark back.
        marker = next((s for s, _ in reversed(work) if s.recorded), None)
        for subscriber, wanted in work:
            if not subscriber.recorded:
                await subscriber.run(wanted)
                ran.append(subscriber.name)
            elif await deliver(
                database.engine,
                subscriber.name,
                subscriber.run,
                wanted,
                mark_delivered=batch if subscriber is marker else (),
            ):
                ran.append(subscriber.name)
            else:
                skipped.append(subscriber.name)
        if marker is None:  # only best-effort subscribers wanted these events
            await mark_delivered(database.engine, UUID(tenant_id), batch)
        log.info("events_delivered", events=len(events), ran=ran, already_done=skipped)
        return {"ran": ran, "skipped": skipped}
    finally:
        request_id_var.reset(token)
        structlog.contextvars.clear_contextvars()


COMPLETE_THUMBNAILS_JOB = "complete_thumbnails_job"
COMPLETE_THUMBNAILS_TIMEOUT = 3600
"""Seconds: AVIF is slow to encode (~2 s for a picture's five widths on a busy 2-core machine)."""


async def complete_thumbnails_job(ctx: dict[str, Any]) -> dict[str, int]:
    """Make the thumbnails that pictures from before a width or format was added lack, in every shop (idempotent:
    a thumbnail already stored is left as it is, so a second run, or one cut short and retried, makes only the rest).

    Enqueued by `python -m app.cli thumbnails` (`enqueue_complete_thumbnails`) after a deploy that changed
    THUMBNAIL_WIDTHS or THUMBNAIL_FORMATS. Until a picture's are made, the missing ones are answered by a stand-in
    (ProductImageService.open_image), so nothing shows broken meanwhile."""
    images: ProductImageService = ctx["images"]
    engine = ctx["database"].engine
    pictures = made = 0
    for tenant_id in await tenant_ids(engine):
        async with tenant_transaction(engine, tenant_id):
            keys = await pictures_with_thumbnails()
        for key in keys:  # outside the transaction: encoding takes seconds
            names = await images.make_thumbnails(tenant_id, key, missing_only=True)
            pictures += bool(names)
            made += len(names)
        if keys:
            log.info("thumbnails_completed", tenant_id=str(tenant_id), pictures=len(keys))
    return {"pictures": pictures, "thumbnails": made}


async def enqueue_complete_thumbnails(queue: Any) -> bool:
    """Queue `complete_thumbnails_job` once: False when one is already waiting or running (its key is taken)."""
    job = await queue.enqueue(
        COMPLETE_THUMBNAILS_JOB, key=COMPLETE_THUMBNAILS_JOB, timeout=COMPLETE_THUMBNAILS_TIMEOUT, retries=3
    )
    return job is not None


async def sweep_outbox_job(ctx: dict[str, Any]) -> int:
    settings = get_settings()
    return await sweep_outbox(
        ctx["database"].engine,
        ctx["worker"].queue,
        grace_seconds=settings.worker.outbox_grace_seconds,
        delivery_timeout=settings.worker.delivery_timeout_seconds,
    )


async def expire_reservations_job(ctx: dict[str, Any]) -> int:
    """Release the stock of carts idle longer than CART_RESERVATION_MINUTES, in every tenant (cron; idempotent)."""
    carts: CartService = ctx["carts"]
    request_id = f"job:expire_reservations:{ctx['job'].id}"
    token = request_id_var.set(request_id)  # the audit rows of the expired carts carry it
    try:
        expired = 0
        for tenant_id in await tenant_ids(ctx["database"].engine):
            with structlog.contextvars.bound_contextvars(tenant_id=str(tenant_id), request_id=request_id):
                in_tenant = await carts.expire_stale_carts(UserContext.system(tenant_id))
                if in_tenant:
                    log.info("reservations_expired", carts=in_tenant)
            expired += in_tenant
        return expired
    finally:
        request_id_var.reset(token)


async def prune_sessions_job(ctx: dict[str, Any]) -> int:
    """Delete sessions past their idle or absolute timeout (cron; a request already treats them as absent)."""
    sessions: PostgresSessionStore = ctx["sessions"]
    pruned = 0
    for tenant_id in await tenant_ids(ctx["database"].engine):  # cross-tenant: one transaction per tenant
        with structlog.contextvars.bound_contextvars(tenant_id=str(tenant_id)):
            in_tenant = await sessions.prune_expired(tenant_id)
            if in_tenant:
                log.info("sessions_pruned", sessions=in_tenant)
        pruned += in_tenant
    return pruned


async def prune_idempotency_records_job(ctx: dict[str, Any]) -> int:
    """Delete idempotency records past their retention (24 h; cron): their keys may then be used anew."""
    engine = ctx["database"].engine
    older_than = utc_now() - IDEMPOTENCY_RETENTION
    pruned = 0
    for tenant_id in await tenant_ids(engine):  # cross-tenant: one transaction per tenant
        async with tenant_transaction(engine, tenant_id) as transaction:
            in_tenant = await prune_idempotency_records(transaction.connection, older_than)
        if in_tenant:
            log.info("idempotency_records_pruned", records=in_tenant, tenant_id=str(tenant_id))
        pruned += in_tenant
    return pruned


async def notify_incident(ctx: dict[str, Any], *, incident: dict[str, Any], tenant_id: str) -> bool:
    """E-mail an unhandled error to INCIDENT_RECIPIENTS if the flag is on for the request's user."""
    details = Incident.from_json(incident)
    structlog.contextvars.bind_contextvars(request_id=details.request_id, tenant_id=tenant_id)
    incidents: IncidentService = ctx["incidents"]
    sent = await incidents.notify(details, UUID(tenant_id))
    log.info("incident_processed", sent=sent, error_type=details.error_type, path=details.path)
    return sent


async def send_incident_summaries_job(ctx: dict[str, Any]) -> int:
    """Mail the count of each incident's repeats once its de-duplication window has ended (cron)."""
    incidents: IncidentService = ctx["incidents"]
    sent = await incidents.send_summaries()
    if sent:
        log.info("incident_summaries_sent", mails=sent)
    return sent


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging_from(settings)
    database = Database(settings.database.url, pool_min_size=1, pool_max_size=settings.worker.concurrency + 2)
    await database.connect()
    ctx["database"] = database
    # The worker's own small composition: the services its jobs call, wired to the same adapters.
    publisher = SaqEventPublisher(
        database.engine, ctx["worker"].queue, delivery_timeout=settings.worker.delivery_timeout_seconds
    )
    uow = PiccoloUnitOfWorkFactory(database.engine, publisher)
    ctx["carts"] = CartService(
        uow,
        PrometheusOperationTimer(),
        reservation_hold=timedelta(minutes=settings.shop.cart_reservation_minutes),
    )
    ctx["sessions"] = build_session_store(settings, database)
    ctx["image_storage"] = object_storage_from(settings.images, settings.app.data_dir)
    images = ProductImageService(uow, ctx["image_storage"], PillowImageCodec(max_pixels=settings.images.max_pixels))
    ctx["images"] = images
    stock_channel = RedisStockChannel(ctx["worker"].queue.redis, namespace=settings.worker.queue_name)
    ctx["subscribers"] = (
        *SUBSCRIBERS,
        product_thumbnails(images),
        replaced_pictures(images),
        live_stock(stock_channel),
        live_cart_expiry(stock_channel),
    )
    ctx["incidents"] = IncidentService(
        FlagService(uow, SqlDirectoryReader(database.engine)),
        AuthService(uow, hasher_for(settings.app.environment, threads=1)),
        build_email_sender(settings),
        settings.email.incident_recipients,
        RedisIncidentThrottle(
            ctx["worker"].queue.redis,
            namespace=settings.worker.queue_name,
            window_seconds=settings.email.incident_window_seconds,
            mails_per_minute=settings.email.incident_mails_per_minute,
        ),
    )


def build_session_store(settings: Settings, database: Database) -> PostgresSessionStore:
    return PostgresSessionStore(
        database.engine,
        idle_seconds=settings.session.idle_timeout_minutes * 60,
        absolute_seconds=settings.session.absolute_timeout_hours * 3600,
    )


def build_email_sender(settings: Settings) -> EmailSender:
    """SMTP when SMTP_HOST is set; otherwise .eml files under DATA_DIR/mail (development and tests)."""
    email = settings.email
    if email.smtp_host:
        return SmtpEmailSender(
            host=email.smtp_host,
            port=email.smtp_port,
            sender=email.sender,
            username=email.smtp_username,
            password=email.smtp_password,
            start_tls=email.smtp_starttls,
        )
    return FileEmailSender(settings.app.data_dir / "mail", email.sender)


async def shutdown(ctx: dict[str, Any]) -> None:
    database: Database | None = ctx.get("database")
    if database is not None:
        await database.disconnect()
    if "image_storage" in ctx:
        await ctx["image_storage"].close()


def every(seconds: int) -> str:
    """A cron expression for "every N seconds" (N in 1..30), or once a minute for 60 and above."""
    if seconds >= 60:
        return "* * * * *"
    return f"* * * * * */{min(30, max(1, seconds))}"


def build_settings() -> dict[str, Any]:
    from saq import CronJob

    settings = get_settings()
    # No breaker here: a worker has nothing to do without Redis, and SAQ retries on its own. Its
    # command timeout covers the blocking wait for the next job plus the usual command timeout.
    queue = build_queue(
        settings.redis.url,
        settings.worker.queue_name,
        connect_timeout=settings.redis.connect_timeout_seconds,
        command_timeout=DEQUEUE_WAIT_SECONDS + settings.redis.command_timeout_seconds,
    )
    return {
        "queue": queue,
        "dequeue_timeout": DEQUEUE_WAIT_SECONDS,
        "functions": [deliver_event, notify_incident, complete_thumbnails_job],
        "cron_jobs": [
            CronJob(sweep_outbox_job, cron=every(settings.worker.outbox_sweep_seconds), timeout=30),
            CronJob(expire_reservations_job, cron=every(settings.shop.expiry_sweep_seconds), timeout=60),
            CronJob(prune_sessions_job, cron="*/10 * * * *", timeout=60),
            CronJob(prune_idempotency_records_job, cron="*/10 * * * *", timeout=60),
            CronJob(send_incident_summaries_job, cron=every(INCIDENT_SUMMARY_SECONDS), timeout=60),
        ],
        "concurrency": settings.worker.concurrency,
        # A worker killed mid-job leaves the job "active"; the sweep retries it once its timeout has
        # passed. SAQ sweeps every 60 s by default, which would hold such an event back ~90 s.
        "timers": {"sweep": STUCK_JOB_SWEEP_SECONDS},
        "startup": startup,
        "shutdown": shutdown,
    }


def __getattr__(name: str) -> Any:
    # `saq app.tasks.worker.settings` reads this attribute; building it lazily keeps import side-effect free.
    if name == "settings":
        return build_settings()
    raise AttributeError(name)
