"""HTTP metrics and the `/metrics` exposition.

Several web processes (and the worker) each write their samples to files under
PROMETHEUS_MULTIPROC_DIR; a scrape of any one process aggregates all of them, so figures
are right however many processes serve. Without that variable (a single process, tests)
the default registry is used.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

HTTP_REQUESTS_TOTAL = Counter(
    "http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time to answer a request (until the response is sent), by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method, route, str(status))
    HTTP_REQUESTS_TOTAL.labels(*labels).inc()
    HTTP_REQUEST_DURATION_SECONDS.labels(*labels).observe(seconds)


def render_metrics() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


RATE_LIMITED_REQUESTS_TOTAL = Counter(
    "rate_limited_requests_total",
    "Requests refused with 429 by a rate-limit policy.",
    ["policy"],
)
RATE_LIMIT_UNAVAILABLE_TOTAL = Counter(
    "rate_limit_unavailable_total",
    "Requests whose rate limit could not be checked in Redis, by policy and what was done (open, closed, local).",
    ["policy", "outcome"],
)
LOGIN_FAILURES_TOTAL = Counter(
    "login_failures_total",
    "Login attempts refused for a wrong username or password (rate-limited attempts are not checked, not counted).",
)
