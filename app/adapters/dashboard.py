"""Dashboard readers: sales and stock in SQL, queue health from SAQ and the outbox, recent errors in Redis."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.engine.postgres import PostgresEngine
from redis.asyncio import Redis
from redis.exceptions import RedisError
from saq import Queue

from app.adapters.database import fetch
from app.adapters.outbox import DEAD_LETTER_SQL, MAX_PUBLISH_ATTEMPTS, REDELIVER_AFTER_SECONDS
from app.adapters.redis_client import RedisUnavailable
from app.services.dashboard import DailySales, LowStockItem, QueueHealth, RecentError, ReservingCart

RECENT_ERRORS_KEY = "recent-errors"
RECENT_ERRORS_KEPT = 50


class SqlDashboardReader:
    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    async def sales_by_day(self, tenant_id: UUID, days: int) -> list[DailySales]:
        rows = await fetch(
            self._engine,
            tenant_id,
            """
            SELECT d::date AS day, count(o.id)::int AS orders, coalesce(sum(o.total), 0)::numeric(12,2) AS revenue
            FROM generate_series((now() AT TIME ZONE 'UTC')::date - ($2::int - 1), (now() AT TIME ZONE 'UTC')::date,
                                 interval '1 day') AS d
            LEFT JOIN customer_order o
                   ON o.tenant_id = $1 AND (o.submitted_at AT TIME ZONE 'UTC')::date = d::date
            GROUP BY d ORDER BY d
            """,
            [tenant_id, days],
        )
        return [DailySales(row["day"], row["orders"], row["revenue"]) for row in rows]

    async def low_stock(self, tenant_id: UUID, threshold: int, limit: int) -> list[LowStockItem]:
        rows = await fetch(
            self._engine,
            tenant_id,
            "SELECT id, name, stock_quantity FROM product WHERE tenant_id = $1 AND deleted_at IS NULL "
            "AND stock_quantity <= $2 ORDER BY stock_quantity, name LIMIT $3",
            [tenant_id, threshold, limit],
        )
        return [LowStockItem(row["id"], row["name"], row["stock_quantity"]) for row in rows]

    async def reserving_carts(self, tenant_id: UUID, limit: int) -> list[ReservingCart]:
        rows = await fetch(
            self._engine,
            tenant_id,
            """
            SELECT c.id, u.username, sum(i.quantity)::int AS items, sum(i.quantity * i.unit_price) AS value,
                   c.last_activity_at
            FROM cart c JOIN cart_item i ON i.cart_id = c.id JOIN app_user u ON u.id = c.user_id
            WHERE c.tenant_id = $1
            GROUP BY c.id, u.username ORDER BY c.last_activity_at DESC LIMIT $2
            """,
            [tenant_id, limit],
        )
        return [
            ReservingCart(row["id"], row["username"], row["items"], row["value"], row["last_activity_at"])
            for row in rows
        ]


class SaqQueueHealth:
    def __init__(self, queue: Queue, engine: PostgresEngine) -> None:
        self._queue = queue
        self._engine = engine

    async def health(self, tenant_id: UUID) -> QueueHealth:
        [outbox] = await fetch(
            self._engine,
            tenant_id,
            """
            SELECT count(*) FILTER (WHERE published_at IS NULL)::int AS unpublished,
                   coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE published_at IS NULL)), 0)
                       AS lag,
                   count(*) FILTER (WHERE delivered_at IS NULL AND """
            + DEAD_LETTER_SQL
            + """)::int AS dead
            FROM outbox
            """,
            [MAX_PUBLISH_ATTEMPTS, REDELIVER_AFTER_SECONDS],
        )
        base: dict[str, Any] = {
            "outbox_unpublished": outbox["unpublished"],
            "outbox_lag_seconds": float(outbox["lag"]),
            "outbox_dead_letters": outbox["dead"],
        }
        try:
            info = await self._queue.info()
        except RedisError as exc:  # Redis down: show the outbox figures and say why the rest is missing
            reason = str(exc) if isinstance(exc, RedisUnavailable) else f"{type(exc).__name__}: {exc}"
            return QueueHealth(0, 0, 0, 0, 0, 0, 0, **base, error=reason[:200])
        stats: list[Any] = [worker.get("stats") or {} for worker in info["workers"].values()]
        return QueueHealth(
            workers=len(info["workers"]),
            queued=info["queued"],
            active=info["active"],
            scheduled=info["scheduled"],
            complete=sum(s.get("complete", 0) for s in stats),
            failed=sum(s.get("failed", 0) for s in stats),
            retried=sum(s.get("retried", 0) for s in stats),
            **base,
        )


class RedisRecentErrors:
    """The last unhandled errors (the incident reporter records each one)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def record(self, error: RecentError) -> None:
        entry = json.dumps(
            {
                "occurred_at": error.occurred_at.isoformat(),
                "error_type": error.error_type,
                "method": error.method,
                "path": error.path,
                "request_id": error.request_id,
            }
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(RECENT_ERRORS_KEY, entry)
            pipe.ltrim(RECENT_ERRORS_KEY, 0, RECENT_ERRORS_KEPT - 1)
            await pipe.execute()

    async def recent(self, limit: int) -> list[RecentError] | None:
        try:
            raw = await self._redis.lrange(RECENT_ERRORS_KEY, 0, limit - 1)  # type: ignore[misc]
        except RedisError:
            return None
        entries = [json.loads(item) for item in raw]
        return [
            RecentError(
                occurred_at=datetime.fromisoformat(e["occurred_at"]),
                error_type=e["error_type"],
                method=e["method"],
                path=e["path"],
                request_id=e["request_id"],
            )
            for e in entries
        ]
