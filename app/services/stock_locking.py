"""How stock reservations guard the product rows: pessimistic row locks, or an optimistic version check.

The cart service reads the same for both: it loads products with `lock_rows=strategy.lock_rows`
and runs each unit of work through `strategy.run`. Pessimistic locks the rows (`SELECT … FOR
UPDATE`, in id order) and runs once; optimistic reads without a lock, lets the versioned UPDATE
refuse a lost race (StaleVersion) and runs the whole unit of work again, a bounded number of
times with jittered back-off, then refuses with StockContention (409, "try again").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from app.domain.errors import StaleVersion, StockContention

T = TypeVar("T")


class LockingStrategyName(StrEnum):
    PESSIMISTIC = "pessimistic"
    OPTIMISTIC = "optimistic"


class ContentionCounter(Protocol):
    """Counts what contention cost (Prometheus in the app)."""

    def conflict(self, strategy: str) -> None:
        """A unit of work lost a race on a product's version."""
        ...

    def retry(self, strategy: str) -> None: ...
    def refusal(self, strategy: str) -> None:
        """The retries ran out: the shopper was told to try again."""
        ...


class StockLocking(Protocol):
    name: str
    lock_rows: bool
    """Whether product rows are read `FOR UPDATE`."""

    async def run(self, unit: Callable[[], Awaitable[T]]) -> T:
        """Run one unit of work (a callable that opens, does and commits it) under this strategy."""
        ...


class PessimisticLocking:
    """Rows locked as they are read, in the one lock order: contenders queue, nobody retries."""

    name = LockingStrategyName.PESSIMISTIC.value
    lock_rows = True

    async def run(self, unit: Callable[[], Awaitable[T]]) -> T:
        return await unit()


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    """Units of work tried in all before StockContention (≥ 1)."""
    base_delay: float = 0.002
    """Seconds: the back-off before retry n is drawn from [0, base_delay · 2^(n-1)] ("full jitter")."""
    max_delay: float = 0.05
    """Seconds: no back-off is longer than this."""

    def delay(self, retry: int, draw: float) -> float:
        """The pause before retry `retry` (1-based), for `draw` taken uniformly from [0, 1)."""
        return draw * min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))


class OptimisticLocking:
    """Rows read without a lock; a lost race (a product's version moved) runs the unit of work again."""

    name = LockingStrategyName.OPTIMISTIC.value
    lock_rows = False

    def __init__(
        self,
        policy: RetryPolicy,
        counter: ContentionCounter,
        *,
        draw: Callable[[], float],
        sleep: Callable[[float], Awaitable[object]],
    ) -> None:
        if policy.attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._policy = policy
        self._counter = counter
        self._draw = draw
        self._sleep = sleep

    async def run(self, unit: Callable[[], Awaitable[T]]) -> T:
        attempt = 1
        while True:
            try:
                return await unit()
            except StaleVersion as conflict:
                # Only a product's version is raced for; a stale cart or anything else is not ours to retry.
                if conflict.aggregate != "product":
                    raise
                self._counter.conflict(self.name)
                if attempt == self._policy.attempts:
                    self._counter.refusal(self.name)
                    raise StockContention(conflict.aggregate_id) from conflict
            self._counter.retry(self.name)
            await self._sleep(self._policy.delay(attempt, self._draw()))
            attempt += 1


def stock_locking(
    name: str,
    policy: RetryPolicy,
    counter: ContentionCounter,
    *,
    draw: Callable[[], float],
    sleep: Callable[[float], Awaitable[object]],
) -> StockLocking:
    """The strategy the setting names."""
    if LockingStrategyName(name) is LockingStrategyName.PESSIMISTIC:
        return PessimisticLocking()
    return OptimisticLocking(policy, counter, draw=draw, sleep=sleep)
