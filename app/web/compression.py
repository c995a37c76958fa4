"""Gzip for text responses (HTML, CSS, JavaScript, JSON, SVG) that the client accepts it for.

Litestar's own `CompressionConfig` compresses every content type (images twice, event streams) and
sits inside the router, so 404/405 and the outer middlewares' answers would go out uncompressed;
this wraps the whole application instead (ADR 0013). A streamed body (static files, later server-sent
events if their type is listed) is compressed chunk by chunk with a sync flush, so nothing waits in
the compressor; text/event-stream is not listed and passes untouched.
"""

from __future__ import annotations

import zlib

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.web.response_headers import extend_header_value, header_value, raw_headers, remove_header, set_headers

COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/problem+json",
        "application/vnd.oai.openapi+json",
        "image/svg+xml",
    }
)
MINIMUM_SIZE = 512
"""Smaller bodies are sent as they are: gzip's header and checksum would eat most of the gain."""
COMPRESS_LEVEL = 6
"""zlib's default: level 9 costs about twice the CPU for under 1 % fewer bytes on the catalog page."""


def accepts_gzip(accept_encoding: str) -> bool:
    """`gzip` (or `*`) listed without `q=0`."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() not in ("gzip", "*"):
            continue
        quality = params.strip().removeprefix("q=")
        try:
            return not params.strip() or float(quality) > 0
        except ValueError:
            return False
    return False


def _is_compressible(message: Message) -> bool:
    content_type = b""
    for name, value in raw_headers(message):
        if name == b"content-encoding":
            return False
        if name == b"content-type" and not content_type:
            content_type = value
    return content_type.split(b";", 1)[0].strip().lower().decode("latin-1") in COMPRESSIBLE_TYPES


def _mark_compressed(message: Message) -> None:
    """The headers of the gzipped representation: its encoding, a weak ETag, no length yet."""
    set_headers(message, [(b"content-encoding", b"gzip")])
    etag = header_value(raw_headers(message), b"etag")
    if etag and not etag.startswith(b"W/"):
        set_headers(message, [(b"etag", b"W/" + etag)])  # another representation of the same content
    remove_header(message, b"content-length")


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, *, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        wanted = accepts_gzip(
            next((value.decode("latin-1") for key, value in scope["headers"] if key == b"accept-encoding"), "")
        )
        if scope["method"] == "HEAD":
            await self.app(scope, receive, self._head_sender(send, wanted=wanted))
            return
        start: Message | None = None
        compressor: zlib._Compress | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start, compressor
            if message["type"] == "http.response.start":
                if not _is_compressible(message):
                    await send(message)
                    return
                extend_header_value(message, b"vary", b"Accept-Encoding")  # also when this client gets it plain
                if not wanted:
                    await send(message)
                    return
                start = message  # held until the first body part shows whether compressing pays
                return
            if message["type"] != "http.response.body" or (start is None and compressor is None):
                await send(message)
                return
            body: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            if start is not None:
                held, start = start, None
                if not more and len(body) < self.minimum_size:
                    await send(held)
                    await send(message)
                    return
                compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31)  # 31: the gzip container
                _mark_compressed(held)
                if not more:
                    compressed = compressor.compress(body) + compressor.flush()
                    set_headers(held, [(b"content-length", str(len(compressed)).encode())])
                    await send(held)
                    await send({"type": "http.response.body", "body": compressed, "more_body": False})
                    return
                await send(held)
            assert compressor is not None
            chunk = compressor.compress(body) + compressor.flush(zlib.Z_FINISH if not more else zlib.Z_SYNC_FLUSH)
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

        await self.app(scope, receive, send_compressed)

    def _head_sender(self, send: Send, *, wanted: bool) -> Send:
        """HEAD answers with the headers GET would send (RFC 9110 §9.3.2), without compressing anything.

        The compressed length is not known without the body, so it is left out (a HEAD response may
        omit Content-Length); a body GET would send as it is (below `minimum_size`) keeps its headers.
        """

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_compressible(message):
                extend_header_value(message, b"vary", b"Accept-Encoding")
                length = header_value(raw_headers(message), b"content-length")
                if wanted and not (length is not None and length.isdigit() and int(length) < self.minimum_size):
                    _mark_compressed(message)
            await send(message)

        return send_head
