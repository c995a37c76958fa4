"""Prometheus timing of cross-aggregate operations (add, update, remove, submit, expire)."""

from __future__ import annotations

from prometheus_client import Histogram

OPERATION_DURATION_SECONDS = Histogram(
    "shop_operation_duration_seconds",
    "Duration of cross-aggregate shop operations, by operation and outcome (ok, error, replayed).",
    ["operation", "outcome"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


class PrometheusOperationTimer:
    def observe(self, operation: str, seconds: float, outcome: str) -> None:
        OPERATION_DURATION_SECONDS.labels(operation, outcome).observe(seconds)
