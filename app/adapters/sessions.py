"""Server-side sessions in PostgreSQL (the web layer's SessionStore port).

- Rows are keyed by the SHA-256 of the cookie's token: a copy of the table opens no session.
- `load()` reads the session, its user, the user's groups and (for pages) the user's feature
  flags in one statement, the `session_context` function (migration 2026-12-02T05:40): a
  logged-in request knows who is asking for one round trip and no transaction of its own.
- Idle timeout: `last_seen_at` is renewed on use, but written only when the last touch is older
  than TOUCH_AFTER_SECONDS (a busy session costs one write a minute, not one per request).
- Row-level security keeps each tenant's rows apart: every statement runs in a transaction that
  first sets `app.tenant_id` to the request's tenant, so another shop's session id finds nothing.
  `prune_expired()` (a worker cron job, once per tenant) deletes dead rows.
- For the account page (services' SessionDirectory port), a session is named by its row id, the
  hash: it opens nothing, and a user can list and end only their own live sessions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
from piccolo.engine.postgres import PostgresEngine

from app.adapters.database import fetch_alone, in_tenant, retry_read_once
from app.domain.users import Role, UserContext
from app.services.read_models import SessionView, StoredSession

TOUCH_AFTER_SECONDS = 60
USER_AGENT_LENGTH = 512

_LOAD = "SELECT * FROM session_context($1, $2, $3, $4, $5, $6)"
"""Sets the tenant for its own (implicit) transaction, reads, renews `last_seen_at` when due."""

_LIVE = "last_seen_at > now() - make_interval(secs => $3) AND created_at > now() - make_interval(secs => $4)"


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class PostgresSessionStore:
    def __init__(self, engine: PostgresEngine, *, idle_seconds: int, absolute_seconds: int) -> None:
        self._engine = engine
        self.idle_seconds = idle_seconds
        self.absolute_seconds = absolute_seconds

    @asynccontextmanager
    async def _transaction(self, tenant_id: UUID) -> AsyncIterator[asyncpg.Connection]:
        if self._engine.pool is None:
            raise RuntimeError("the database pool is not started")
        async with self._engine.pool.acquire() as connection, in_tenant(connection, tenant_id):
            yield connection

    async def load(self, tenant_id: UUID, session_id: str, *, with_flags: bool = False) -> StoredSession | None:
        """The live session, its active user and groups; with `with_flags`, the user's enabled flags too."""
        key = _key(session_id)

        async def read() -> asyncpg.Record | None:
            args = (tenant_id, key, self.idle_seconds, self.absolute_seconds, TOUCH_AFTER_SECONDS, with_flags)
            rows = await fetch_alone(self._engine, _LOAD, args)
            return rows[0] if rows else None

        # Safe to repeat: the only write renews a timestamp.
        row = await retry_read_once(self._engine, read)
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row["data"])
        user = None
        if row["user_id"] is not None:
            user = UserContext(
                user_id=row["user_id"],
                username=row["username"],
                role=Role.ADMIN if row["role"] == Role.ADMIN else Role.CUSTOMER,
                tenant_id=tenant_id,
                group_ids=frozenset(row["group_ids"]),
            )
        flags = row["flags"]
        return StoredSession(
            data,
            must_rotate=row["rotate_requested"],
            user=user,
            user_read=True,
            enabled_flags=frozenset(flags) if flags is not None else None,
        )

    async def save(self, tenant_id: UUID, session_id: str, data: dict[str, Any], *, user_agent: str = "") -> None:
        """Insert or update the session; `user_agent` is the browser that began it (kept as first written)."""
        raw_user = data.get("user_id")
        async with self._transaction(tenant_id) as connection:
            await connection.execute(
                "INSERT INTO session (id, tenant_id, user_id, data, user_agent) VALUES ($1, $2, $3, $4::jsonb, $5) "
                "ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, user_id = EXCLUDED.user_id, "
                "last_seen_at = now()",
                _key(session_id),
                tenant_id,
                UUID(raw_user) if raw_user else None,
                json.dumps(data),
                user_agent[:USER_AGENT_LENGTH],
            )

    async def delete(self, tenant_id: UUID, session_id: str) -> None:
        async with self._transaction(tenant_id) as connection:
            await connection.execute("DELETE FROM session WHERE id = $1", _key(session_id))

    async def rotate_sessions_of(self, tenant_id: UUID, user_id: UUID) -> int:
        """Flag every live session of the user: each takes a new id on its next request."""
        async with self._transaction(tenant_id) as connection:
            status: str = await connection.execute(
                "UPDATE session SET rotate_requested = true WHERE user_id = $1", user_id
            )
        return int(status.split()[-1])

    async def sessions_of(self, tenant_id: UUID, user_id: UUID, current_session_id: str | None) -> list[SessionView]:
        """The user's live sessions, the current one first, then the most recently used."""
        current = _key(current_session_id) if current_session_id else None
        async with self._transaction(tenant_id) as connection:
            rows = await connection.fetch(
                "SELECT id, created_at, last_seen_at, user_agent, id = $2 AS is_current FROM session "
                f"WHERE user_id = $1 AND {_LIVE} ORDER BY id = $2 DESC, last_seen_at DESC, id",
                user_id,
                current or "",
                self.idle_seconds,
                self.absolute_seconds,
            )
        return [
            SessionView(
                ref=row["id"],
                created_at=row["created_at"],
                last_seen_at=row["last_seen_at"],
                user_agent=row["user_agent"],
                is_current=row["is_current"],
            )
            for row in rows
        ]

    async def end_session_of(self, tenant_id: UUID, user_id: UUID, ref: str, *, keep: str | None) -> bool:
        """Delete the user's session named `ref` unless it is `keep` (the asking one); False if there is none."""
        async with self._transaction(tenant_id) as connection:
            status: str = await connection.execute(
                "DELETE FROM session WHERE id = $1 AND user_id = $2 AND id <> $3",
                ref,
                user_id,
                _key(keep) if keep else "",
            )
        return status != "DELETE 0"

    async def end_other_sessions_of(self, tenant_id: UUID, user_id: UUID, *, keep: str | None) -> int:
        """Delete every session of the user but `keep`; returns how many."""
        async with self._transaction(tenant_id) as connection:
            status: str = await connection.execute(
                "DELETE FROM session WHERE user_id = $1 AND id <> $2", user_id, _key(keep) if keep else ""
            )
        return int(status.split()[-1])

    async def prune_expired(self, tenant_id: UUID) -> int:
        """Delete `tenant_id`'s sessions past their idle or absolute timeout; returns how many."""
        async with self._transaction(tenant_id) as connection:
            status: str = await connection.execute(
                "DELETE FROM session WHERE last_seen_at < now() - make_interval(secs => $1) "
                "OR created_at < now() - make_interval(secs => $2)",
                self.idle_seconds,
                self.absolute_seconds,
            )
        return int(status.split()[-1])
