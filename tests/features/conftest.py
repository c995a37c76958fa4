"""BDD fixtures: the real app over HTTP, a clean database per scenario."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from app.main import create_app
from app.settings import get_settings
from tests.integration.conftest import clean_tables


@pytest.fixture
def clean_database(services: dict[str, str]) -> None:
    async def truncate() -> None:
        connection = await asyncpg.connect(services["database_url"])
        await clean_tables(connection)
        await connection.close()

    asyncio.run(truncate())


@pytest.fixture
def http(clean_database: None) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=create_app(get_settings()), base_url="http://127.0.0.1:8000") as client:
        client.follow_redirects = False
        yield client
