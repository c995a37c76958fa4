"""Prometheus timing of cross-aggregate operations (add, update, remove, submit, expire) and what contention cost."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

OPERATION_DURATION_SECONDS = Histogram(
    "shop_operation_duration_seconds",
    "Duration of cross-aggregate shop operations, by operation and outcome (ok, error, replayed).",
    ["operation", "outcome"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
STOCK_CONFLICTS = Counter(
    "shop_stock_conflicts",
    "Units of work that lost a race for a product's version (optimistic stock locking), by strategy.",
    ["strategy"],
)
STOCK_RETRIES = Counter(
    "shop_stock_retries",
    "Units of work run again after such a conflict, by strategy.",
    ["strategy"],
)
STOCK_CONTENTION_REFUSALS = Counter(
    "shop_stock_contention_refusals",
    "Operations refused with 409 'try again' once the retries ran out, by strategy.",
    ["strategy"],
)
DEADLOCKS = Counter(
    "shop_deadlocks",
    "Transactions PostgreSQL aborted as a deadlock victim (the fixed lock order should keep this at 0).",
)


class PrometheusOperationTimer:
    def observe(self, operation: str, seconds: float, outcome: str) -> None:
        OPERATION_DURATION_SECONDS.labels(operation, outcome).observe(seconds)


class PrometheusContentionCounter:
    def conflict(self, strategy: str) -> None:
        STOCK_CONFLICTS.labels(strategy).inc()

    def retry(self, strategy: str) -> None:
        STOCK_RETRIES.labels(strategy).inc()

    def refusal(self, strategy: str) -> None:
        STOCK_CONTENTION_REFUSALS.labels(strategy).inc()
