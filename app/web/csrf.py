"""CSRF protection on every unsafe request, forms and HTMX alike (Django's masked-token scheme).

The secret lives in the `csrftoken` cookie (readable by JavaScript, SameSite=Lax). Pages embed
a *masked* token (a fresh random mask + the secret XOR-ed with it, 64 characters) in forms and in
`hx-headers`, masked once per response (every form of a page carries the same token); an unsafe
request must send one back in the `csrf_token` form field or the `X-CSRFToken` header. Masking
defeats BREACH-style compression attacks; the secret is rotated at login. A request with an
`Origin` header must also come from this site.

The JSON API follows API v1's rule: only requests of a logged-in session are checked (an
anonymous API client has no ambient credentials for an attacker to ride on).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.web.sessions import get_session

COOKIE_NAME = "csrftoken"
HEADER_NAME = "x-csrftoken"
FORM_FIELD = "csrf_token"
SECRET_LENGTH = 32
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_ALPHABET = string.ascii_letters + string.digits
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_UNBIASED_BELOW = 256 - 256 % len(_ALPHABET)  # bytes at or above it would favour the first letters
_STATE_KEY = "emporium_csrf"


class CsrfFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _new_secret() -> str:
    """SECRET_LENGTH characters drawn uniformly from the alphabet (rejection sampling over random bytes).

    One `secrets.token_bytes` call instead of one `secrets.choice` per character: the same
    randomness source (os.urandom), a fraction of the CPU.
    """
    chars: list[str] = []
    while len(chars) < SECRET_LENGTH:
        chars += [_ALPHABET[b % len(_ALPHABET)] for b in secrets.token_bytes(SECRET_LENGTH + 8) if b < _UNBIASED_BELOW]
    return "".join(chars[:SECRET_LENGTH])


def mask(secret: str) -> str:
    mask_ = _new_secret()
    n = len(_ALPHABET)
    return mask_ + "".join(_ALPHABET[(_INDEX[x] + _INDEX[y]) % n] for x, y in zip(secret, mask_, strict=True))


def unmask(token: str) -> str:
    mask_, cipher = token[:SECRET_LENGTH], token[SECRET_LENGTH:]
    return "".join(_ALPHABET[_INDEX[x] - _INDEX[y]] for x, y in zip(cipher, mask_, strict=True))


def _well_formed(value: str, length: int) -> bool:
    return len(value) == length and all(c in _ALPHABET for c in value)


def token_matches(token: str, secret: str) -> bool:
    """Accept the 64-char masked token or the bare 32-char secret (as API v1 clients send)."""
    if _well_formed(token, 2 * SECRET_LENGTH):
        token = unmask(token)
    elif not _well_formed(token, SECRET_LENGTH):
        return False
    return secrets.compare_digest(token, secret)


class _CsrfState:
    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self.send_cookie = False
        self._masked: str | None = None

    def token(self) -> str:
        """This response's masked token: masked once, so a page of many forms pays for one mask.

        BREACH needs the same token bytes in many responses; each response still gets its own mask.
        """
        if self.secret is None:
            self.secret = _new_secret()
            self.send_cookie = True
        if self._masked is None:
            self._masked = mask(self.secret)
        return self._masked

    def rotate(self) -> None:
        self.secret = _new_secret()
        self.send_cookie = True
        self._masked = None


def csrf_token(scope: Scope) -> str:
    """This response's masked token for a form or header (creates the secret on first use).

    Empty for requests that matched no route (a 404 page has no form to protect).
    """
    state: _CsrfState | None = scope["state"].get(_STATE_KEY)
    return state.token() if state is not None else ""


def rotate_csrf_secret(scope: Scope) -> None:
    """Called at login: tokens issued before it stop working."""
    state: _CsrfState = scope["state"][_STATE_KEY]
    state.rotate()


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, *, trusted_origins: frozenset[str], secure: bool) -> None:
        self.app = app
        self.trusted_origins = trusted_origins
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        secret = request.cookies.get(COOKIE_NAME)
        state = _CsrfState(secret if secret and _well_formed(secret, SECRET_LENGTH) else None)
        scope["state"][_STATE_KEY] = state

        if request.method not in SAFE_METHODS and self._must_check(scope):
            await self._check(request, state)  # raises CsrfFailure, answered by app.web.errors

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and state.send_cookie and state.secret:
                MutableScopeHeaders.from_message(message).add(
                    "set-cookie",
                    Cookie(
                        key=COOKIE_NAME,
                        value=state.secret,
                        max_age=31449600,
                        path="/",
                        httponly=False,
                        secure=self.secure,
                        samesite="lax",
                    ).to_header(header=""),
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    @staticmethod
    def _must_check(scope: Scope) -> bool:
        if scope["path"].startswith("/api/"):
            return "user_id" in get_session(scope)
        return True

    async def _check(self, request: Request[Any, Any, Any], state: _CsrfState) -> None:
        origin = request.headers.get("origin")
        if origin:  # "null" (sandboxed or privacy-stripped origins) matches nothing, as in Django
            own = f"{request.url.scheme}://{request.headers.get('host', '')}"
            if origin != own and origin not in self.trusted_origins:
                raise CsrfFailure(f"Origin checking failed - {origin} does not match any trusted origins.")
        if state.secret is None:
            raise CsrfFailure("CSRF cookie not set.")
        token = request.headers.get(HEADER_NAME)
        if token is None and request.content_type[0] in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            form = await request.form()
            value = form.get(FORM_FIELD)
            token = value if isinstance(value, str) else None
        if not token:
            raise CsrfFailure("CSRF token missing.")
        if not token_matches(token, state.secret):
            source = "from the 'X-Csrftoken' HTTP header" if request.headers.get(HEADER_NAME) else ""
            raise CsrfFailure(f"CSRF token {source} incorrect.".replace("  ", " "))
