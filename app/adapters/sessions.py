"""Server-side session storage in Redis (the web layer's SessionStore port).

Keys: `session:<id>` holds the JSON data with an idle TTL renewed on each load; `user-sessions:<user id>`
indexes a user's sessions; `session-rotate:<id>` asks the session to take a new id on its next request.
"""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import UUID

from redis.asyncio import Redis

_PREFIX = "session:"
_ROTATE_PREFIX = "session-rotate:"


class RedisSessionStore:
    def __init__(self, redis: Redis, *, idle_seconds: int, absolute_seconds: int) -> None:
        self._redis = redis
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds

    async def load(self, session_id: str) -> tuple[dict[str, Any] | None, bool]:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.getex(_PREFIX + session_id, ex=self.idle_seconds)
            pipe.getdel(_ROTATE_PREFIX + session_id)
            raw, rotate = await pipe.execute()
        if raw is None:
            return None, False
        data: dict[str, Any] = json.loads(raw)
        if time.time() - data.get("_created_at", 0) > self.absolute_seconds:
            await self.delete(session_id)
            return None, False
        return data, rotate is not None

    async def save(self, session_id: str, data: dict[str, Any]) -> None:
        data.setdefault("_created_at", time.time())
        await self._redis.set(_PREFIX + session_id, json.dumps(data), ex=self.idle_seconds)
        if user_id := data.get("user_id"):
            # Index sessions by user so a role change can rotate every session of that user.
            await self._redis.sadd(f"user-sessions:{user_id}", session_id)  # type: ignore[misc]
            await self._redis.expire(f"user-sessions:{user_id}", self.absolute_seconds)

    async def delete(self, session_id: str) -> None:
        await self._redis.delete(_PREFIX + session_id)

    async def rotate_sessions_of(self, user_id: UUID) -> int:
        """Flag every live session of the user: each takes a new id on its next request."""
        session_ids = [sid.decode() for sid in await self._redis.smembers(f"user-sessions:{user_id}")]  # type: ignore[misc]
        if session_ids:
            async with self._redis.pipeline(transaction=False) as pipe:
                for sid in session_ids:
                    pipe.set(_ROTATE_PREFIX + sid, "1", ex=self.idle_seconds)
                await pipe.execute()
        return len(session_ids)
