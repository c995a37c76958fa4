"""Hands incidents to the worker as SAQ jobs (the web process never sends mail itself), and the
worker's de-duplication state in Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from uuid import UUID

from redis.asyncio import Redis
from saq import Queue

from app.adapters.dashboard import RedisRecentErrors
from app.domain.incidents import Incident, IncidentWindow
from app.services.dashboard import RecentError

NOTIFY_JOB = "notify_incident"


class SaqIncidentReporter:
    def __init__(self, queue: Queue, recent_errors: RedisRecentErrors) -> None:
        self._queue = queue
        self._recent = recent_errors

    async def report(self, incident: Incident, tenant_id: UUID) -> None:
        await self._recent.record(
            RecentError(incident.occurred_at, incident.error_type, incident.method, incident.path, incident.request_id)
        )
        await self._queue.enqueue(
            NOTIFY_JOB, incident=incident.as_json(), tenant_id=str(tenant_id), timeout=30, retries=3, retry_delay=5.0
        )


# Under the throttle's namespace (the queue name, which deployments sharing a Redis keep apart):
WINDOW_KEY = "incident-window:"  # + fingerprint: a hash {first, count, mailed}
WINDOWS_KEY = "incident-windows"  # sorted set: fingerprint scored by the end of its window
MAILS_KEY = "incident-mails:"  # + minute since the epoch: mails sent in that minute

# Atomic across workers: the first increment of a window stores its first incident and its end.
_RECORD = """
local n = redis.call('HINCRBY', KEYS[1], 'count', 1)
if n == 1 then
  redis.call('HSET', KEYS[1], 'first', ARGV[1], 'mailed', '0')
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[4])
end
return n
"""
_MARK_MAILED = "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'mailed', '1') end"


class RedisIncidentThrottle:
    """The worker's de-duplication state in Redis, shared by every worker (the web processes never use it).

    A window whose summary job never ran expires on its own after ten windows.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        namespace: str,
        window_seconds: int,
        mails_per_minute: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._window_key = f"{namespace}:{WINDOW_KEY}"
        self._windows_key = f"{namespace}:{WINDOWS_KEY}"
        self._mails_key = f"{namespace}:{MAILS_KEY}"
        self.window_seconds = window_seconds
        self._mails_per_minute = mails_per_minute
        self._clock = clock

    async def record(self, incident: Incident) -> bool:
        if self.window_seconds <= 0:
            return True  # de-duplication off: every occurrence is a first
        fingerprint = incident.fingerprint
        count = await self._redis.eval(  # type: ignore[misc]
            _RECORD,
            2,
            self._window_key + fingerprint,
            self._windows_key,
            json.dumps(incident.as_json()),
            str(self._clock() + self.window_seconds),
            str(self.window_seconds * 10),
            fingerprint,
        )
        return int(count) == 1

    async def mark_mailed(self, incident: Incident) -> None:
        if self.window_seconds > 0:
            await self._redis.eval(_MARK_MAILED, 1, self._window_key + incident.fingerprint)  # type: ignore[misc]

    async def take_mail_slot(self) -> bool:
        key = f"{self._mails_key}{int(self._clock() // 60)}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, 120)
            sent, _ = await pipe.execute()
        return int(sent) <= self._mails_per_minute

    async def ended_windows(self) -> list[IncidentWindow]:
        ended = []
        for raw in await self._redis.zrangebyscore(self._windows_key, "-inf", self._clock()):
            fingerprint = raw.decode() if isinstance(raw, bytes) else raw
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hgetall(self._window_key + fingerprint)
                pipe.delete(self._window_key + fingerprint)
                pipe.zrem(self._windows_key, fingerprint)
                window, _, removed = await pipe.execute()
            if not removed or not window:
                continue  # another worker took it, or it expired
            fields = {(k.decode() if isinstance(k, bytes) else k): v for k, v in window.items()}
            ended.append(
                IncidentWindow(
                    first=Incident.from_json(json.loads(fields["first"])),
                    occurrences=int(fields["count"]),
                    first_mailed=fields["mailed"] in (b"1", "1"),
                )
            )
        return ended
