"""Fault tests: the real supervised shop (tests/faults/harness.py) on the session's test database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.harness import Shop, running_shop


@pytest.fixture
def shop(services: dict[str, str], tmp_path: Path) -> Iterator[Shop]:
    with running_shop(services, tmp_path) as running:
        yield running
