"""Answers sent before Litestar's handler runs (no request object, no templates): plain bytes, one place."""

from __future__ import annotations

import json

from litestar.types import HTTPResponseStartEvent, Scope, Send

from app.web.api_versions import V1_DEPRECATION_HEADERS, is_api_path, requested_version

UNAVAILABLE_MESSAGE = "The shop is briefly unavailable. Please try again in a few seconds."
RETRY_AFTER_SECONDS = 5


def _page(title: str, message: str) -> bytes:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>{message}</p></body></html>"
    ).encode()


async def send_plain(
    scope: Scope, send: Send, status: int, *, api_body: dict[str, str], title: str, message: str, retry: bool = False
) -> None:
    """`api_body` as JSON on `/api/` paths (with v1's deprecation headers there), else a bare HTML page."""
    path = scope["path"]
    headers = [(b"cache-control", b"no-store")]
    if retry:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    if is_api_path(path):
        body = json.dumps(api_body).encode()
        headers.append((b"content-type", b"application/json"))
        if requested_version(path) == "v1":
            headers.extend((k.lower().encode(), v.encode()) for k, v in V1_DEPRECATION_HEADERS.items())
    else:
        body = _page(title, message)
        headers.append((b"content-type", b"text/html; charset=utf-8"))
    headers.append((b"content-length", str(len(body)).encode()))
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
