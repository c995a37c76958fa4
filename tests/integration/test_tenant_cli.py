"""`python -m app.cli tenant create | list`, run as a person would, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=60
    )


async def test_a_tenant_is_created_with_its_host_names_and_listed(db: asyncpg.Connection):
    created = cli("tenant", "create", "outlet", "--name", "Emporium Outlet", "--host", "outlet.localhost")
    assert created.returncode == 0, created.stderr
    assert "tenant outlet created" in created.stdout

    row = await db.fetchrow("SELECT id, name FROM tenant WHERE slug = 'outlet'")
    assert row["name"] == "Emporium Outlet"
    assert await db.fetchval("SELECT tenant_id FROM tenant_host WHERE host = 'outlet.localhost'") == row["id"]
    listed = cli("tenant", "list")
    assert listed.returncode == 0, listed.stderr
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert ["outlet", str(row["id"]), "Emporium Outlet", "outlet.localhost"] in lines
    assert ["default", "00000000-0000-4000-8000-000000000001", "Emporium", "127.0.0.1 localhost"] in lines


async def test_a_taken_slug_or_host_or_a_malformed_one_is_refused_in_words(db: asyncpg.Connection):
    assert cli("tenant", "create", "outlet", "--name", "Outlet", "--host", "outlet.localhost").returncode == 0
    for args, reason in (
        (("outlet", "--name", "Again"), "already has this slug"),
        (("other", "--name", "Other", "--host", "OUTLET.localhost"), "already has this host name"),
        (("Not A Slug", "--name", "Bad"), "The slug must be"),
        (("fine", "--name", "Fine", "--host", "http://fine.example:8000/"), "is not a host name"),
    ):
        refused = cli("tenant", "create", *args)
        assert refused.returncode != 0
        assert reason in refused.stderr
        assert "Traceback" not in refused.stderr
    assert await db.fetchval("SELECT count(*) FROM tenant") == 2
