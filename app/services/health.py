"""Readiness: are the things this process depends on reachable, and how fast do they answer?

A failing required check (PostgreSQL) makes the process not ready; a failing optional one (Redis)
only degrades it: the check says `warn` and the process still takes traffic.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Set
from dataclasses import dataclass

Probe = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    error: str | None = None
    optional: bool = False

    @property
    def status(self) -> str:
        """pass, warn (an optional dependency failed) or fail."""
        if self.ok:
            return "pass"
        return "warn" if self.optional else "fail"


@dataclass(frozen=True)
class HealthReport:
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        """Ready to take traffic: every required dependency answered."""
        return all(check.ok or check.optional for check in self.checks)

    @property
    def status(self) -> str:
        statuses = {check.status for check in self.checks}
        return "fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass"


class HealthService:
    def __init__(
        self, probes: Mapping[str, Probe], *, optional: Set[str] = frozenset(), timeout_seconds: float = 2.0
    ) -> None:
        self._probes = dict(probes)
        self._optional = frozenset(optional)
        self._timeout = timeout_seconds

    async def readiness(self) -> HealthReport:
        results = await asyncio.gather(*(self._run(name, probe) for name, probe in self._probes.items()))
        return HealthReport(checks=tuple(results))

    async def _run(self, name: str, probe: Probe) -> CheckResult:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(probe(), timeout=self._timeout)
        except Exception as exc:  # any failure means "not ready"; the reason goes in the report
            reason = "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            return CheckResult(name, False, _ms(started), reason[:300], optional=name in self._optional)
        return CheckResult(name, True, _ms(started), optional=name in self._optional)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
