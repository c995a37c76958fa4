"""Idempotency records in PostgreSQL, in the unit of work's transaction (app.services.idempotency).

A key is held with a transaction-scoped advisory lock: a second request with the key finds it
taken and is told to retry (409), instead of queueing behind the first. The lock ends with the
transaction, so a crashed request never leaves a key stuck.
"""

from __future__ import annotations

import json
from datetime import datetime
from uuid import UUID

import asyncpg

from app.services.idempotency import (
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

    async def claim(self, user_id: UUID, request: IdempotentRequest) -> StoredResponse | None:
        scope = f"idempotency:{self._tenant_id}:{user_id}:{request.key}"
        held = await self._connection.fetchval("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))", scope)
        if not held:
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

    async def remember(self, user_id: UUID, request: IdempotentRequest, response: StoredResponse) -> None:
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
