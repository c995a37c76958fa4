"""JSON API versions: which exist, which one a path asks for, and v1's deprecation headers.

v1 is frozen and deprecated (patterns.md §5): each of its responses says so with `Deprecation`
(RFC 9745: `@<unix seconds>`), `Sunset` (RFC 8594: an HTTP-date, never before the deprecation)
and a `Link` to the migration guide (rel `deprecation`)
and to v2 (rel `successor-version`, RFC 5829). The dates are fixed here so every process sends the same.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime

from litestar.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api/"
SUPPORTED_VERSIONS = ("v1", "v2")
LATEST_VERSION = "v2"
DEFAULT_VERSION = "v1"
"""What an unversioned `/api/…` path means: the original's clients call `/api/` without a version."""

V1_DEPRECATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
V1_SUNSET_AT = datetime(2027, 12, 1, tzinfo=UTC)
MIGRATION_GUIDE = "/docs/api/migration-v1-to-v2"

V1_DEPRECATION_HEADERS: dict[str, str] = {
    "Deprecation": f"@{int(V1_DEPRECATED_AT.timestamp())}",
    "Sunset": format_datetime(V1_SUNSET_AT, usegmt=True),
    "Link": f'<{MIGRATION_GUIDE}>; rel="deprecation", </api/{LATEST_VERSION}/>; rel="successor-version"',
}

_VERSIONED = re.compile(r"^/api/(v\d+)(?:/|$)")
_NOT_A_VERSION = ("/api/docs",)
"""Unversioned paths under `/api/` that are no v1 alias: the reference pages of every version."""


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def requested_version(path: str) -> str | None:
    """`vN` for `/api/vN/…`, the default version for any other `/api/…` path, None outside the API."""
    if not is_api_path(path):
        return None
    match = _VERSIONED.match(path)
    return match.group(1) if match else DEFAULT_VERSION


def speaks_problems(path: str) -> bool:
    """Whether refusals on this path are RFC 9457 problems: v2 and unknown versions (v1 keeps its shapes)."""
    version = requested_version(path)
    return version is not None and version != "v1"


def default_version_path(path: str) -> str:
    """The path an unversioned `/api/…` path stands for (`/api/products/` → `/api/v1/products/`); others as given."""
    if not path.startswith(API_PREFIX) or _VERSIONED.match(path) or path.startswith(_NOT_A_VERSION):
        return path
    return f"/api/{DEFAULT_VERSION}/{path.removeprefix(API_PREFIX)}"


class UnversionedApiPaths:
    """Routes an unversioned `/api/…` request to the default version's handlers.

    The original's clients call `/api/…`; v1 is mounted once, at `/api/v1`, and this layer (just
    outside Litestar's router) rewrites the path, so both spellings run the same handlers, with the
    same headers, errors and rate limits. Mounting the v1 routers twice instead doubled their
    handlers: each process (and each app a test builds) registered, copied and held 78 more.
    Only the routing sees the rewritten path: the request log and metrics name the v1 route.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]  # HTTP or WebSocket: Litestar sends lifespan events elsewhere
        routed = default_version_path(path)
        if routed is not path:
            scope["path"] = routed
        await self.app(scope, receive, send)
