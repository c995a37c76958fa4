"""Idempotency records are kept for their retention and pruned by the worker's cron job, tenant by tenant."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import asyncpg

from app.services.idempotency import RETENTION
from app.settings import get_settings
from app.tasks.worker import build_settings, prune_idempotency_records_job


async def test_the_worker_prunes_records_past_their_retention_on_a_schedule(shop: Any, db: asyncpg.Connection):
    tenant, user = get_settings().app.default_tenant_id, uuid4()
    await db.execute(
        """
        INSERT INTO idempotency_record (tenant_id, user_id, key, fingerprint, status, body, created_at)
        VALUES ($1, $2, 'fresh', repeat('a', 64), 201, '', now()),
               ($1, $2, 'stale', repeat('a', 64), 201, '', now() - $3::interval)
        """,
        tenant,
        user,
        RETENTION + RETENTION / 24,
    )

    pruned = await prune_idempotency_records_job({"database": shop.database})

    assert pruned == 1
    assert [row["key"] for row in await db.fetch("SELECT key FROM idempotency_record")] == ["fresh"]
    assert prune_idempotency_records_job in [job.function for job in build_settings()["cron_jobs"]]
