"""The real SAQ worker, built the way `saq app.tasks.worker.settings` builds it, running inside a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from saq import Worker

from app.settings import get_settings
from app.tasks.worker import build_settings


@asynccontextmanager
async def running_worker(monkeypatch: pytest.MonkeyPatch, **environment: str) -> AsyncIterator[Worker]:
    """Run the production worker (its functions, cron jobs, startup) with `environment` set while it lives.

    The worker reads its settings when it starts, so the variables stay set until it has stopped;
    the cached settings are dropped on both sides so the rest of the run sees its own.
    """
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    worker = Worker(**build_settings())
    running = asyncio.create_task(worker.start())
    try:
        yield worker
    finally:
        await worker.stop()
        running.cancel()
        monkeypatch.undo()
        get_settings.cache_clear()
