"""Stock changes over Redis pub/sub: one channel per shop, `<namespace>:stock:<tenant_id>`, carrying
`{"product_id", "stock", "at"}`, or `{"cart_expired_for", "at"}` (a user id) when the expiry job emptied
that shopper's cart. The worker publishes; each web process pattern-subscribes once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from app.services.ports import LiveUpdatesUnavailable
from app.services.read_models import CartExpiry, LiveChange, StockChange

log = structlog.get_logger(__name__)

LIVE_UPDATE_PUBLISH_FAILURES_TOTAL = Counter(
    "live_update_publish_failures_total",
    "Stock changes that could not be published to Redis (best-effort: the pages show them on the next load).",
)


class RedisStockChannel:
    """Publishes and subscribes to stock changes. `namespace` keeps deployments sharing a Redis apart."""

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:stock:"

    def channel(self, tenant_id: UUID) -> str:
        return f"{self._prefix}{tenant_id}"

    async def publish(self, change: LiveChange) -> bool:
        if isinstance(change, CartExpiry):
            body: dict[str, Any] = {"cart_expired_for": str(change.user_id), "at": change.at}
        else:
            body = {"product_id": str(change.product_id), "stock": change.stock, "at": change.at}
        message = json.dumps(body)
        try:
            await self._redis.publish(self.channel(change.tenant_id), message)
        except (RedisError, OSError) as error:
            LIVE_UPDATE_PUBLISH_FAILURES_TOTAL.inc()
            log.warning("live_stock_publish_failed", error=type(error).__name__, message=message)
            return False
        return True

    async def open(self) -> RedisStockChanges:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.psubscribe(f"{self._prefix}*")
        except (RedisError, OSError) as error:
            await pubsub.aclose()
            raise LiveUpdatesUnavailable(str(error)) from error
        return RedisStockChanges(pubsub, self._prefix)


class RedisStockChanges:
    def __init__(self, pubsub: PubSub, prefix: str) -> None:
        self._pubsub = pubsub
        self._prefix = prefix

    async def __aiter__(self) -> AsyncIterator[LiveChange]:
        try:
            async for message in self._pubsub.listen():
                change = self._parse(message)
                if change is not None:
                    yield change
        except (RedisError, OSError) as error:
            raise LiveUpdatesUnavailable(str(error)) from error

    def _parse(self, message: dict[str, Any]) -> LiveChange | None:
        if message.get("type") != "pmessage":
            return None
        try:
            channel = message["channel"].decode()
            body = json.loads(message["data"])
            tenant_id = UUID(channel.removeprefix(self._prefix))
            if "cart_expired_for" in body:
                return CartExpiry(tenant_id=tenant_id, user_id=UUID(body["cart_expired_for"]), at=float(body["at"]))
            return StockChange(
                tenant_id=tenant_id,
                product_id=UUID(body["product_id"]),
                stock=int(body["stock"]),
                at=float(body["at"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError):
            log.warning("live_stock_message_ignored", channel=str(message.get("channel")))
            return None

    async def aclose(self) -> None:
        await self._pubsub.aclose()
