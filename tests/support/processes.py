"""Running the shop's real processes from a test: a free port, readiness, log tails, a bounded stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

READY_TIMEOUT_SECONDS = 30
WAIT_SECONDS = 60.0
"""Longest wait for a condition (a restart, the outbox draining); generous, it only bounds a broken run."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) or "(empty log)"


def wait_until_ready(url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    """Until `url`/health/ready answers 200; fails with the log's tail if the server exits or takes too long."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"The web server exited with code {server.returncode} before it was ready.\n"
                f"--- {log_path} ---\n{log_tail(log_path)}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health/ready", timeout=2) as response:
                if response.status == 200:
                    return
                last_error = f"status {response.status}"
        except urllib.error.HTTPError as error:
            last_error = f"status {error.code}"
        except OSError as error:
            last_error = str(error)
        time.sleep(0.1)  # polling a subprocess, not waiting inside a test
    raise RuntimeError(
        f"{url}/health/ready was not 200 within {READY_TIMEOUT_SECONDS} s ({last_error}).\n"
        f"--- {log_path} ---\n{log_tail(log_path)}"
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Ctrl-C, as a person would; killed if it has not ended within `timeout` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
    """Poll `condition` until it returns something truthy; fail saying `what` did not happen."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.05)  # polling other processes
    return value
