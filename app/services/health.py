"""Readiness: are the things this process depends on reachable, and how fast do they answer?"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

Probe = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    duration_ms: float
    error: str | None = None


@dataclass(frozen=True)
class HealthReport:
    checks: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


class HealthService:
    def __init__(self, probes: Mapping[str, Probe], *, timeout_seconds: float = 2.0) -> None:
        self._probes = dict(probes)
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
            return CheckResult(name, False, _ms(started), reason[:300])
        return CheckResult(name, True, _ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
