"""Security headers on every response: pages, API, errors and 404s alike; subresources get the one that matters to them.

The Content-Security-Policy allows scripts and styles from this origin only: no inline script, no
inline style, no `eval` (so htmx runs with `allowEval: false`, see base.html), and no framing.

A stylesheet, a script or a raster picture (`SUBRESOURCE_TYPES`) is never a document: a browser
applies no CSP, frame or referrer policy it carries (the page's own ones govern what it may do), so
those responses get `X-Content-Type-Options: nosniff` only (and HSTS over HTTPS). On HTTP/1.1 the
document-only headers were ~360 bytes on each of a catalog view's sixteen subresource answers
(docs/performance.md, the catalog's first view). SVG stays a document type (it can hold script when
opened by itself), as does everything not listed.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.web.response_headers import encoded, header_value, raw_headers, set_default_headers

POLICY_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # blob: the admin's preview of a chosen picture before it is uploaded; data: the favicon, which
    # every page carries inline (base.html) — a data: picture runs no script and loads nothing.
    "img-src": "'self' blob: data:",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}


def content_security_policy(**widened: str) -> str:
    """The policy, with some directives' sources widened for one response (`style_src="'sha256-…'"`)."""
    directives = dict(POLICY_DIRECTIVES)
    for name, sources in widened.items():
        directive = name.replace("_", "-")
        directives[directive] = f"{directives[directive]} {sources}"
    return "; ".join(f"{name} {sources}" for name, sources in directives.items())


CONTENT_SECURITY_POLICY = content_security_policy()
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    ("x-frame-options", "DENY"),  # frame-ancestors for browsers that predate it
    ("x-content-type-options", "nosniff"),
    # Same-origin requests keep their Referer (and their Origin, which the CSRF check reads);
    # other sites learn nothing of a shopper's searches, orders or admin URLs.
    ("referrer-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)
DOCUMENT_ONLY = frozenset({"content-security-policy", "x-frame-options", "referrer-policy", "permissions-policy"})
SUBRESOURCE_TYPES = (
    b"text/css",
    b"text/javascript",
    b"application/javascript",
    b"image/webp",
    b"image/avif",
    b"image/jpeg",
    b"image/png",
    b"image/x-icon",
    b"image/vnd.microsoft.icon",
)
"""Content types that are only ever fetched by a page (`Content-Type` up to its parameters)."""
HSTS = ("strict-transport-security", "max-age=31536000; includeSubDomains")
"""Sent only over HTTPS: a browser ignores it over HTTP, and a development shop has no certificate."""
_ENCODED = encoded(SECURITY_HEADERS)
_ENCODED_HTTPS = encoded((*SECURITY_HEADERS, HSTS))
_SUBRESOURCE = encoded(h for h in SECURITY_HEADERS if h[0] not in DOCUMENT_ONLY)
_SUBRESOURCE_HTTPS = encoded((*(h for h in SECURITY_HEADERS if h[0] not in DOCUMENT_ONLY), HSTS))


def is_subresource(content_type: bytes | None) -> bool:
    return content_type is not None and content_type.split(b";", 1)[0].strip().lower() in SUBRESOURCE_TYPES


class SecurityHeadersMiddleware:
    """Adds the headers to each response start (fewer to a subresource), keeping any a handler set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        https = scope["scheme"] == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                if is_subresource(header_value(raw_headers(message), b"content-type")):
                    set_default_headers(message, _SUBRESOURCE_HTTPS if https else _SUBRESOURCE)
                else:
                    set_default_headers(message, _ENCODED_HTTPS if https else _ENCODED)
            await send(message)

        await self.app(scope, receive, send_with_headers)
