"""/metrics is right however many web processes serve: every scrape sees every process's requests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_process_server(services: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: a failed start kills the workers too
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            # The whole group: uvicorn's worker processes hold the stderr pipe, and reading it would
            # wait for them forever if only the master were killed (a slow start on a loaded machine).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(15)
            raise AssertionError(
                f"server did not start: {server.stderr.read().decode()[-2000:] if server.stderr else ''}"
            )
        time.sleep(0.1)
    yield base, metrics_dir
    server.terminate()
    server.wait(15)


def live_count(text: str) -> float:
    match = re.search(r'http_requests_total\{method="GET",route="/health/live",status="200"\} (\S+)', text)
    return float(match.group(1)) if match else 0.0


def test_every_scrape_counts_requests_served_by_all_processes(two_process_server: tuple[str, Path]) -> None:
    base, metrics_dir = two_process_server
    before = live_count(httpx.get(f"{base}/metrics").text)
    for _ in range(60):  # a fresh connection each time, so the kernel spreads them over both processes
        assert httpx.get(f"{base}/health/live", headers={"Connection": "close"}).status_code == 200

    pids = {m.group(1) for f in metrics_dir.iterdir() if (m := re.match(r"counter_(\d+)\.db", f.name))}
    assert len(pids) >= 2, "all requests landed on one process; the test proves nothing"
    scrapes = [live_count(httpx.get(f"{base}/metrics", headers={"Connection": "close"}).text) for _ in range(6)]
    assert all(count - before == 60 for count in scrapes), scrapes
