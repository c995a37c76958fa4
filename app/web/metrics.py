"""HTTP metrics, the `/metrics` exposition, and who may read it.

Several web processes (and the worker) each write their samples to files under
PROMETHEUS_MULTIPROC_DIR; a scrape of any one process aggregates all of them, so figures
are right however many processes serve. Without that variable (a single process, tests)
the default registry is used.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
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


_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}
"""(method, route, status) → its counter and histogram children: `labels()` validates and locks on each call."""


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    key = (method, route, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        labels = (method, route, str(status))
        children = _REQUEST_CHILDREN[key] = (
            HTTP_REQUESTS_TOTAL.labels(*labels),
            HTTP_REQUEST_DURATION_SECONDS.labels(*labels),
        )
    children[0].inc()
    children[1].observe(seconds)


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
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@dataclass(frozen=True)
class MetricsAccess:
    """Scrapers from `allowed_networks`, or with the bearer `token`; everyone else sees a 404.

    The address is the socket's peer. A request that came through a proxy (it carries a forwarding
    header) is never let in by address: behind a proxy on the same host every client would look
    like loopback. Such a scraper uses the token.
    """

    allowed_networks: tuple[IPv4Network | IPv6Network, ...]
    token: str

    def allows(self, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        return self._has_token(connection.headers.get("authorization", "")) or self._from_allowed_address(connection)

    def _has_token(self, authorization: str) -> bool:
        scheme, _, credentials = authorization.partition(" ")
        if not self.token or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(credentials.strip().encode(), self.token.encode())

    def _from_allowed_address(self, connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
        if any(name in connection.headers for name in PROXY_HEADERS) or connection.client is None:
            return False
        try:
            address = ip_address(connection.client.host)
        except ValueError:  # not an IP address (a unix socket, a test client)
            return False
        return any(address in network for network in self.allowed_networks)


async def metrics_scraper_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of both metrics routes: a refused scrape is answered like a path that does not exist."""
    access: MetricsAccess = connection.app.state.metrics_access
    if not access.allows(connection):
        raise NotFoundException()
