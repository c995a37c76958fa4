"""Gzip for text responses (HTML, CSS, JavaScript, JSON, SVG) that the client accepts it for; brotli for static files.

Litestar's own `CompressionConfig` compresses every content type (images twice, event streams) and
sits inside the router, so 404/405 and the outer middlewares' answers would go out uncompressed;
this wraps the whole application instead (ADR 0013). A streamed body (static files, later server-sent
events if their type is listed) is compressed chunk by chunk with a sync flush, so nothing waits in
the compressor; text/event-stream is not listed and passes untouched.

A response marked `immutable` (a static file under its content-hashed name: the same URL is always
the same bytes) of at most `BROTLI_MAXIMUM_SIZE` goes to a client that accepts brotli as brotli at
quality 11, compressed once per process in a thread and then served from memory by its path: htmx
is 15.3 KB so, 16.9 KB gzipped (ADR 0013). Everything else compressible (pages, fragments, API
answers) goes to such a client as brotli at `BROTLI_DYNAMIC_QUALITY`, streamed like gzip: the
catalog page is 4,790 bytes so against gzip's 5,785, for 0.58 ms of CPU against 0.49 ms
(docs/performance.md, the catalog's first view, third round). Other clients get gzip as before.
"""

from __future__ import annotations

import asyncio
import zlib

import brotli
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, Message, Receive, Scope, Send

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
BROTLI_QUALITY = 11
"""Brotli's best: 0.2 s of CPU for htmx, once per process; every later request is a dictionary lookup."""
BROTLI_DYNAMIC_QUALITY = 5
"""For what is compressed on every request: quality 4 saves a third as much, 6 no more for the same CPU."""
BROTLI_MAXIMUM_SIZE = 256 * 1024
"""Larger immutable files (Swagger UI's 1.7 MB bundle) are compressed as they stream, like a page: seconds at 11."""


def accepts(accept_encoding: str, wanted: str) -> bool:
    """`wanted` (or `*`) listed without `q=0`."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() not in (wanted, "*"):
            continue
        quality = params.strip().removeprefix("q=")
        try:
            return not params.strip() or float(quality) > 0
        except ValueError:
            return False
    return False


def accepts_gzip(accept_encoding: str) -> bool:
    """`gzip` (or `*`) listed without `q=0`."""
    return accepts(accept_encoding, "gzip")


def _is_compressible(message: Message) -> bool:
    content_type = b""
    for name, value in raw_headers(message):
        if name == b"content-encoding":
            return False
        if name == b"content-type" and not content_type:
            content_type = value
    return content_type.split(b";", 1)[0].strip().lower().decode("latin-1") in COMPRESSIBLE_TYPES


def _is_immutable(message: Message) -> bool:
    """A static file under its hashed name, small enough for brotli at its best quality."""
    headers = raw_headers(message)
    length = header_value(headers, b"content-length") or b""
    immutable = b"immutable" in (header_value(headers, b"cache-control") or b"")
    return immutable and length.isdigit() and int(length) <= BROTLI_MAXIMUM_SIZE


def _mark_compressed(message: Message, coding: bytes = b"gzip") -> None:
    """The headers of the compressed representation: its encoding, a weak ETag, no length yet."""
    set_headers(message, [(b"content-encoding", coding)])
    etag = header_value(raw_headers(message), b"etag")
    if etag and not etag.startswith(b"W/"):
        set_headers(message, [(b"etag", b"W/" + etag)])  # another representation of the same content
    remove_header(message, b"content-length")


class _Encoder:
    """One response's streaming compressor: gzip (zlib) or brotli, with a sync flush between parts."""

    def __init__(self, coding: bytes) -> None:
        self.coding = coding
        self._gzip = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31) if coding == b"gzip" else None  # 31: gzip
        self._brotli = brotli.Compressor(quality=BROTLI_DYNAMIC_QUALITY) if coding == b"br" else None

    def compress(self, body: bytes, *, last: bool) -> bytes:
        if self._gzip is not None:
            return self._gzip.compress(body) + self._gzip.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)
        assert self._brotli is not None
        out: bytes = self._brotli.process(body) + (self._brotli.finish() if last else self._brotli.flush())
        return out


def _brotli(body: bytes) -> bytes:
    return brotli.compress(body, quality=BROTLI_QUALITY) or b""  # brotli.py is unannotated; it returns bytes


class CompressionMiddleware:
    def __init__(self, app: ASGIApp, *, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self._brotli: dict[str, bytes] = {}
        """Immutable responses compressed with brotli, by path (a hashed name is always the same bytes)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        accept_encoding = next(
            (value.decode("latin-1") for key, value in scope["headers"] if key == b"accept-encoding"), ""
        )
        wanted, wants_brotli = accepts_gzip(accept_encoding), accepts(accept_encoding, "br")
        if scope["method"] == "HEAD":
            await self.app(scope, receive, self._head_sender(send, wanted=wanted, wants_brotli=wants_brotli))
            return
        start: Message | None = None
        compressor: _Encoder | None = None
        whole: list[bytes] | None = None  # an immutable body gathered for brotli, after its held start
        held_start: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start, compressor, whole, held_start
            if whole is not None:
                if message["type"] == "http.response.body":
                    whole.append(message.get("body", b""))
                    if not message.get("more_body", False) and held_start is not None:
                        await self._send_brotli(scope["path"], held_start, whole, send)
                return
            if message["type"] == "http.response.start":
                if not _is_compressible(message):
                    await send(message)
                    return
                extend_header_value(message, b"vary", b"Accept-Encoding")  # also when this client gets it plain
                if wants_brotli and _is_immutable(message):
                    held_start, whole = message, []
                    return
                if not (wanted or wants_brotli):
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
                compressor = _Encoder(b"br" if wants_brotli else b"gzip")
                _mark_compressed(held, compressor.coding)
                if not more:
                    compressed = compressor.compress(body, last=True)
                    set_headers(held, [(b"content-length", str(len(compressed)).encode())])
                    await send(held)
                    await send({"type": "http.response.body", "body": compressed, "more_body": False})
                    return
                await send(held)
            assert compressor is not None
            chunk = compressor.compress(body, last=not more)
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

        await self.app(scope, receive, send_compressed)

    async def _send_brotli(self, path: str, start: Message, parts: list[bytes], send: Send) -> None:
        """The whole body, brotli-compressed: from memory after the first time this process sent the path."""
        compressed = self._brotli.get(path)
        if compressed is None:
            compressed = self._brotli[path] = await asyncio.to_thread(_brotli, b"".join(parts))
        _mark_compressed(start, b"br")
        set_headers(start, [(b"content-length", str(len(compressed)).encode())])
        await send(start)
        await send(HTTPResponseBodyEvent(type="http.response.body", body=compressed, more_body=False))

    def _head_sender(self, send: Send, *, wanted: bool, wants_brotli: bool) -> Send:
        """HEAD answers with the headers GET would send (RFC 9110 §9.3.2), without compressing anything.

        The compressed length is not known without the body, so it is left out (a HEAD response may
        omit Content-Length); a body GET would send as it is (below `minimum_size`) keeps its headers.
        """

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.start" and _is_compressible(message):
                extend_header_value(message, b"vary", b"Accept-Encoding")
                length = header_value(raw_headers(message), b"content-length")
                if wants_brotli and _is_immutable(message):
                    _mark_compressed(message, b"br")
                elif (wanted or wants_brotli) and not (
                    length is not None and length.isdigit() and int(length) < self.minimum_size
                ):
                    _mark_compressed(message, b"br" if wants_brotli else b"gzip")
            await send(message)

        return send_head
