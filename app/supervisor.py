"""Runs the web processes and the worker, restarts any that dies, and stops them all on Ctrl-C or SIGTERM.

`make run` (app/cli.py) calls `supervise()` once the services are up; the fault tests run
`python -m app.supervisor`, the same code without the embedded services, migration or seeding.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from app.settings import PROJECT_ROOT, Settings

log = structlog.get_logger("app.supervisor")

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0
STABLE_AFTER_SECONDS = 10.0
"""A process that ran this long before it died is restarted after the first backoff again."""
STOP_TIMEOUT_SECONDS = 8.0
"""Time the children get to finish after SIGTERM before they are killed (Ctrl-C stops all within 10 s)."""
GRACEFUL_SHUTDOWN_SECONDS = 5
"""What uvicorn gives open connections when it stops; below STOP_TIMEOUT_SECONDS."""
POLL_SECONDS = 0.1

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None  # loaded before any fork


def die_with_parent() -> Callable[[], None]:
    """A `preexec_fn` that makes the child receive SIGTERM when this process dies, even by kill -9."""
    parent = os.getpid()

    def in_child() -> None:
        if _libc is None:
            return
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died between fork and prctl: nobody would signal us
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child


@dataclass
class Program:
    """One process to keep running: a name for the logs, its command, and file descriptors it inherits."""

    name: str
    argv: Sequence[str]
    pass_fds: tuple[int, ...] = ()


@dataclass
class _Child:
    program: Program
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: float = FIRST_BACKOFF_SECONDS
    restarts: int = 0


@dataclass
class Supervisor:
    programs: Sequence[Program]
    cwd: Path = PROJECT_ROOT
    on_exit: Callable[[int], None] = field(default=lambda pid: None)
    """Called with the pid of every child that ended (the metrics files of dead processes are merged)."""
    _stopping: bool = False

    def run(self) -> None:
        """Until SIGINT or SIGTERM: start every program, restart each that ends; then stop them all."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        children = [_Child(program) for program in self.programs]
        try:
            for child in children:
                self._start(child)
            while not self._stopping:
                for child in children:
                    self._tend(child)
                time.sleep(POLL_SECONDS)
        finally:
            self._stop_all(children)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _start(self, child: _Child) -> None:
        child.process = subprocess.Popen(
            child.program.argv,
            cwd=self.cwd,
            pass_fds=child.program.pass_fds,
            start_new_session=True,  # Ctrl-C reaches only the supervisor, which stops the children once
            preexec_fn=die_with_parent(),
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        log.info("process_started", process=child.program.name, pid=child.process.pid, restarts=child.restarts)

    def _tend(self, child: _Child) -> None:
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restarts += 1
                self._start(child)
            return
        assert child.process is not None
        code = child.process.poll()
        if code is None:
            return
        self.on_exit(child.process.pid)
        if now - child.started_at >= STABLE_AFTER_SECONDS:
            child.backoff = FIRST_BACKOFF_SECONDS
        child.restart_at = now + child.backoff
        log.error(
            "process_died",
            process=child.program.name,
            pid=child.process.pid,
            returncode=code,
            restart_in_seconds=child.backoff,
        )
        child.backoff = min(child.backoff * 2, MAX_BACKOFF_SECONDS)

    def _stop_all(self, children: Sequence[_Child]) -> None:
        running = [c.process for c in children if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("process_killed", pid=process.pid, after_seconds=STOP_TIMEOUT_SECONDS)
                process.kill()
                process.wait()
        for process in running:
            self.on_exit(process.pid)


def listening_socket(host: str, port: int) -> socket.socket:
    """The web port, bound once here and shared by every web process (see docs/operations.md)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def shop_programs(settings: Settings, web_socket: socket.socket) -> list[Program]:
    """N single-process web servers on the shared socket, and one SAQ worker."""
    python = sys.executable
    fd = web_socket.fileno()
    web = [
        python, "-m", "uvicorn", "--factory", "app.main:create_app", "--fd", str(fd),
        "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", str(GRACEFUL_SHUTDOWN_SECONDS),
        # uvicorn would take X-Forwarded-For from 127.0.0.1 on trust; app/web/client_address.py decides instead.
        "--no-proxy-headers",
        "--no-server-header",  # `Server: uvicorn` tells a browser nothing; 17 bytes on every response
    ]  # fmt: skip
    programs = [Program(f"web-{n}", web, pass_fds=(fd,)) for n in range(1, settings.app.web_processes + 1)]
    programs.append(Program("worker", [python, "-m", "saq", "app.tasks.worker.settings", "--quiet"]))
    return programs


def _mark_metrics_of_dead_process(pid: int) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def supervise(settings: Settings) -> None:
    """Serve HOST:PORT with WEB_PROCESSES web processes and one worker until SIGINT or SIGTERM."""
    with listening_socket(settings.app.host, settings.app.port) as web_socket:
        Supervisor(shop_programs(settings, web_socket), on_exit=_mark_metrics_of_dead_process).run()


def main() -> None:
    from app.log_config import configure_logging_from
    from app.settings import get_settings

    settings = get_settings()
    configure_logging_from(settings)
    supervise(settings)


if __name__ == "__main__":
    main()
