"""Security headers on every response: pages, API, static files, errors and 404s alike.

The Content-Security-Policy allows scripts and styles from this origin only: no inline script, no
inline style, no `eval` (so htmx runs with `allowEval: false`, see base.html), and no framing.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.web.response_headers import encoded, set_default_headers

POLICY_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' blob:",  # blob: the admin's preview of a chosen picture before it is uploaded
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
HSTS = ("strict-transport-security", "max-age=31536000; includeSubDomains")
"""Sent only over HTTPS: a browser ignores it over HTTP, and a development shop has no certificate."""
_ENCODED = encoded(SECURITY_HEADERS)
_ENCODED_HTTPS = encoded((*SECURITY_HEADERS, HSTS))


class SecurityHeadersMiddleware:
    """Adds the headers to each response start, keeping any a handler set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        headers_to_add = _ENCODED_HTTPS if scope["scheme"] == "https" else _ENCODED

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                set_default_headers(message, headers_to_add)
            await send(message)

        await self.app(scope, receive, send_with_headers)
