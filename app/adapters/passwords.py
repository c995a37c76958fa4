"""argon2id password hashing on a bounded thread pool, so a burst of logins never blocks the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from prometheus_client import Gauge

T = TypeVar("T")

PASSWORD_HASHING_QUEUED = Gauge(
    "password_hashing_queued",
    "Password hashes and verifications waiting for a hashing thread.",
    multiprocess_mode="livesum",
)
PASSWORD_HASHING_RUNNING = Gauge(
    "password_hashing_running",
    "Password hashes and verifications running on a hashing thread.",
    multiprocess_mode="livesum",
)


def production_hasher() -> Argon2Hasher:
    """argon2-cffi's defaults (RFC 9106 low-memory: m=64 MiB, t=3, p=4) exceed OWASP's m=19 MiB, t=2, p=1."""
    return Argon2Hasher(type=Type.ID)


def test_hasher() -> Argon2Hasher:
    """The smallest argon2id allows: a test suite creates and checks hundreds of passwords."""
    return Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)


def hasher_for(environment: str, *, threads: int) -> Argon2PasswordHasher:
    """Production parameters everywhere except the test suite (APP_ENV=test)."""
    return Argon2PasswordHasher(test_hasher() if environment == "test" else production_hasher(), threads=threads)


class Argon2PasswordHasher:
    def __init__(self, hasher: Argon2Hasher | None = None, *, threads: int = 2) -> None:
        self._hasher = hasher or production_hasher()
        # argon2-cffi releases the GIL while hashing, so threads run in parallel with the event loop.
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        # Computed once here, before serving: an unknown user is checked against it at full cost.
        self.unknown_user_hash = self._hasher.hash("not-a-real-password")

    async def hash(self, password: str) -> str:
        return await self._run(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def _run(self, work: Callable[..., T], *args: str) -> T:
        PASSWORD_HASHING_QUEUED.inc()
        began = False

        def started() -> T:
            nonlocal began
            began = True
            PASSWORD_HASHING_QUEUED.dec()
            PASSWORD_HASHING_RUNNING.inc()
            try:
                return work(*args)
            finally:
                PASSWORD_HASHING_RUNNING.dec()

        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, started)
        except asyncio.CancelledError:
            if not began:  # cancelled while waiting: the thread never took it off the queue
                PASSWORD_HASHING_QUEUED.dec()
            raise
