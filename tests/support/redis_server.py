"""A redis-server a test owns, started like the embedded one, to freeze, kill and bring back.

The shared test Redis stays up. This one has its own port and directory and the embedded server's
command line (append-only file fsynced every second), so a restart comes back with what Redis had
written, as the shop's own Redis would: `start()` again after `kill()` reuses port and file.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from app.devservices import redis_server_command
from tests.support.processes import free_port, wait_until

START_SECONDS = 15.0


@dataclass
class OwnedRedis:
    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or start again, on the same port and file) and wait until it answers."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(redis_server_command(self.directory, self.port), stdout=subprocess.DEVNULL)
        wait_until(self._answers, f"redis-server on port {self.port} answering", timeout=START_SECONDS)

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, but nothing is ever answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL (a frozen server too): connections are refused until `start()` runs again. Once is enough."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.kill()
        self.process.wait(5)

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server on port {self.port} exited with code {self.process.returncode}")
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


@contextmanager
def owned_redis(directory: Path) -> Iterator[OwnedRedis]:
    """A started OwnedRedis; killed when the block ends, whatever state the test left it in."""
    owned = OwnedRedis(directory)
    owned.start()
    try:
        yield owned
    finally:
        owned.kill()
