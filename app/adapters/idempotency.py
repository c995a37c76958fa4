"""Idempotency records in PostgreSQL, in the unit of work's transaction (app.services.idempotency).

A key is held with a transaction-scoped advisory lock: a second request with the key finds it
taken and is told to retry (409), instead of queueing behind the first; one that asks to wait
(the checkout form) queues on the lock for a bounded time, then finds the first one's answer.
The lock ends with the transaction, so a crashed request never leaves a key stuck.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from app.services.idempotency import (
    IN_FLIGHT_WAIT,
    RETENTION,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    IdempotentRequest,
    StoredResponse,
)


class PostgresIdempotencyRecords:
    def __init__(self, connection: asyncpg.Connection, tenant_id: UUID) -> None:
        self._connection = connection
        self._tenant_id = tenant_id
        self._answers: list[tuple[UUID, IdempotentRequest, Any]] = []

    async def claim(self, user_id: UUID, request: IdempotentRequest) -> StoredResponse | None:
        scope = f"idempotency:{self._tenant_id}:{user_id}:{request.key}"
        if request.wait:
            await self._wait_for(scope)
        elif not await self._connection.fetchval("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", scope):
            raise IdempotencyKeyInUse()
        row = await self._connection.fetchrow(
            """
            SELECT fingerprint, status, headers, body FROM idempotency_record
            WHERE tenant_id = $1 AND user_id = $2 AND key = $3 AND created_at > now() - $4::interval
            """,
            self._tenant_id,
            user_id,
            request.key,
            RETENTION,
        )
        if row is None:
            return None
        if row["fingerprint"] != request.fingerprint:
            raise IdempotencyKeyReused()
        return StoredResponse(row["status"], bytes(row["body"]), json.loads(row["headers"]))

    async def _wait_for(self, scope: str) -> None:
        """Take the key's lock, queueing behind its holder for at most IN_FLIGHT_WAIT.

        `lock_timeout` bounds the wait; it is set for this statement only (back to the server's default
        at once after), so the rest of the transaction, the cart's row lock among it, waits as it always does.
        """
        await self._connection.execute(f"SET LOCAL lock_timeout = '{int(IN_FLIGHT_WAIT.total_seconds() * 1000)}ms'")
        try:
            await self._connection.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", scope)
        except asyncpg.LockNotAvailableError:
            raise IdempotencyKeyInUse() from None  # the transaction is aborted: the unit of work rolls it back
        await self._connection.execute("SET LOCAL lock_timeout = DEFAULT")

    def remember(self, user_id: UUID, request: IdempotentRequest, result: Any) -> None:
        self._answers.append((user_id, request, result))

    async def write(self) -> None:
        """The answers remembered in this transaction, made now (the unit of work has saved its aggregates)."""
        for user_id, request, result in self._answers:
            await self._write(user_id, request, request.respond(result))
        self._answers.clear()

    async def _write(self, user_id: UUID, request: IdempotentRequest, response: StoredResponse) -> None:
        # An expired record not yet pruned is replaced: past the retention the key is new again.
        await self._connection.execute(
            """
            INSERT INTO idempotency_record (tenant_id, user_id, key, fingerprint, status, headers, body)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
            ON CONFLICT (tenant_id, user_id, key) DO UPDATE SET
                fingerprint = EXCLUDED.fingerprint, status = EXCLUDED.status, headers = EXCLUDED.headers,
                body = EXCLUDED.body, created_at = now()
            """,
            self._tenant_id,
            user_id,
            request.key,
            request.fingerprint,
            response.status,
            json.dumps(dict(response.headers)),
            response.body,
        )


async def prune_idempotency_records(connection: asyncpg.Connection, older_than: datetime) -> int:
    """Delete the records of the transaction's tenant created before `older_than`; how many."""
    result = await connection.execute("DELETE FROM idempotency_record WHERE created_at < $1", older_than)
    return int(result.split()[-1])
