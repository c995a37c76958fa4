"""Response header edits on an ASGI `http.response.start` message, in one pass over its raw headers.

Every middleware that adds a header on the way out (security headers, the request id, v1's
deprecation headers, the RateLimit fields, compression's Vary and Content-Encoding) uses these
instead of Litestar's `MutableScopeHeaders`, whose every `get`, `set` and `setdefault` decodes and
lower-cases each header of the message again: with about fifteen headers and a dozen edits per
response, that was about a tenth of a JSON list request's CPU (bench/inprocess.py's profile).

Names are lower-case bytes (ASGI's convention; Litestar and uvicorn send them so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

RawHeaders = list[tuple[bytes, bytes]]


def encoded(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> tuple[tuple[bytes, bytes], ...]:
    """Header pairs as a message carries them: lower-case latin-1 names, latin-1 values."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in items)


def raw_headers(message: Any) -> RawHeaders:
    """The message's header list, made a mutable list in place if it was another sequence."""
    headers = message.get("headers")
    if not isinstance(headers, list):
        headers = message["headers"] = list(headers or ())
    return headers


def header_value(headers: RawHeaders, name: bytes) -> bytes | None:
    """The first value of `name`, or None."""
    for key, value in headers:
        if key == name:
            return value
    return None


def set_headers(message: Any, items: Iterable[tuple[bytes, bytes]]) -> None:
    """Each pair replaces every header of its name (as `MutableScopeHeaders[name] = value`)."""
    headers = raw_headers(message)
    items = tuple(items)
    names = {name for name, _ in items}
    if any(key in names for key, _ in headers):
        headers[:] = [header for header in headers if header[0] not in names]
    headers.extend(items)


def set_default_headers(message: Any, items: Iterable[tuple[bytes, bytes]]) -> None:
    """Each pair is added unless the message has a header of its name (as `setdefault`)."""
    headers = raw_headers(message)
    present = {key for key, _ in headers}
    headers.extend(item for item in items if item[0] not in present)


def extend_header_value(message: Any, name: bytes, value: bytes) -> None:
    """Append `value` to a comma-separated header (`Vary`), creating it if absent."""
    existing = header_value(raw_headers(message), name)
    set_headers(message, [(name, existing + b"," + value if existing is not None else value)])


def remove_header(message: Any, name: bytes) -> None:
    headers = raw_headers(message)
    headers[:] = [header for header in headers if header[0] != name]


IMMUTABLE_UNUSED = frozenset({b"etag", b"last-modified", b"content-disposition", b"x-request-id"})
"""What a browser never uses on an `immutable` subresource: no revalidation (so no validators), no
download name (it is shown inline), no request id (a 200 of a fixed file has nothing to trace)."""


def is_immutable_success(message: Any) -> bool:
    """A 200 whose `Cache-Control` says `immutable`: a hashed static file or a stored picture."""
    cache_control = header_value(raw_headers(message), b"cache-control") or b""
    return message.get("status") == 200 and b"immutable" in cache_control


def drop_unused_on_immutable(message: Any) -> None:
    """Takes IMMUTABLE_UNUSED off an immutable 200 (docs/performance.md, the catalog's first view, third round)."""
    headers = raw_headers(message)
    headers[:] = [header for header in headers if header[0] not in IMMUTABLE_UNUSED]
