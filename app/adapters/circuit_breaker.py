"""A circuit breaker: after repeated failures, refuse calls at once for a while instead of waiting on each.

closed → (FAILURES_TO_OPEN failures in a row) → open → (reset_seconds later) half-open: one trial
call goes through; its success closes the circuit, its failure opens it again for reset_seconds.
So while a dependency is down, callers pay its timeout about once per reset_seconds, not per call,
and once it is back the circuit closes by itself on the next trial.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

import structlog

log = structlog.get_logger(__name__)


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failures_to_open: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._failures_to_open = failures_to_open
        self._reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started_at: float | None = None
        self.times_opened = 0
        """Grows each time the circuit opens: what was let through before may be stale (e.g. a connection)."""

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self._trial_started_at is not None or self._clock() - self._opened_at >= self._reset_seconds:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def allow(self) -> bool:
        """Whether a call may go ahead now (in half-open, only one trial at a time)."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.OPEN:
            return False
        now = self._clock()
        if self._trial_started_at is not None and now - self._trial_started_at < self._reset_seconds:
            return False  # a trial is under way (one that never reported is replaced after reset_seconds)
        self._trial_started_at = now
        return True

    def record_success(self) -> None:
        if self._opened_at is not None:
            log.info("circuit_closed", dependency=self.name)
        self._failures = 0
        self._opened_at = None
        self._trial_started_at = None

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_started_at is not None or self._failures >= self._failures_to_open:
            if self._opened_at is None or self._trial_started_at is not None:
                log.warning("circuit_opened", dependency=self.name, failures=self._failures)
                self.times_opened += 1
            self._opened_at = self._clock()
            self._trial_started_at = None
