"""A real S3-protocol server for the S3 adapter's tests: moto's standalone server, as a subprocess on a free port."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import free_port, log_tail, stop, wait_until


@contextmanager
def moto_server(log_path: Path) -> Iterator[str]:
    """Start `moto_server` on 127.0.0.1 and yield its endpoint URL; stopped on exit."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}:\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return True
        except urllib.error.HTTPError:
            return True  # it answers
        except OSError:
            return False

    try:
        wait_until(answers, "moto_server answers", timeout=30)
        yield endpoint
    finally:
        stop(process)
