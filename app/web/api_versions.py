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
