"""Server-side sessions: an opaque cookie, the data on the server (PostgreSQL, app.adapters.sessions).

- The cookie holds only a random id (HttpOnly, SameSite=Lax, Secure outside development).
- Idle timeout: a session unused for SESSION_IDLE_MINUTES is absent; using it renews it.
- Absolute timeout: a session older than SESSION_ABSOLUTE_HOURS is absent however busy.
- `rotate()` gives the session a new id (the old one is deleted): called on login, so a session
  id seen before login is worthless after it (session fixation), and on the first request after
  an admin changed the user's role (the store flags every session of that user). `clear()` (logout)
  deletes the session: what the response stores next (its flash message) is under a new id.
- The store keeps the browser's User-Agent with a new session, for the account page's list.
- Health checks, metrics and static files never read the session: they must answer without
  the database (a load balancer asks /health/live while PostgreSQL is down).
- A session belongs to its shop (the tenant TenantMiddleware found): the store reads and writes
  it under that tenant, so a cookie from one shop presented to another is no session there.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any, Protocol
from uuid import UUID

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.users import UserContext
from app.services.read_models import StoredSession
from app.web.tenancy import SHOPLESS_PATHS, current_tenant

SESSION_STATE_KEY = "emporium_session"
FLAGLESS_PATHS = ("/api/",)
"""JSON only: no template asks for the user's feature flags, so they are not read with the session."""


class Session(MutableMapping[str, Any]):
    def __init__(self, session_id: str | None, data: dict[str, Any] | None = None) -> None:
        self.id = session_id
        self._data = data or {}
        self.modified = False
        self.rotated_from: str | None = None
        self.cleared = False
        self.persist = True
        self.user: UserContext | None = None
        """The session's active user as the store read it with the session (when `user_read`)."""
        self.user_read = False
        self.enabled_flags: frozenset[str] | None = None
        """The feature flags on for that user, when the store read them with the session."""
        self.user_agent = ""

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value
        self.modified = True

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self.modified = True

    def __iter__(self) -> Any:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def rotate(self) -> None:
        """Keep the data under a fresh id."""
        if self.id is not None and self.rotated_from is None:
            self.rotated_from = self.id
        self.id = None
        self.modified = True

    def clear(self) -> None:
        """Forget the data and the id: the old row is deleted, and anything stored after is a new session."""
        self._data = {}
        self.cleared = True
        self.rotate()

    def as_dict(self) -> dict[str, Any]:
        return dict(self._data)


class SessionStore(Protocol):
    """Where session data lives (app.adapters.sessions.PostgresSessionStore in the app)."""

    absolute_seconds: int

    async def load(self, tenant_id: UUID, session_id: str, *, with_flags: bool = False) -> StoredSession | None:
        """`tenant_id`'s session (None if absent, expired or another shop's), and its user if read alongside.

        `with_flags` asks for the user's enabled feature flags as well (a store may leave them unread).
        """
        ...

    async def save(self, tenant_id: UUID, session_id: str, data: dict[str, Any], *, user_agent: str = "") -> None: ...
    async def delete(self, tenant_id: UUID, session_id: str) -> None: ...


class SessionMiddleware:
    """Loads the session before the handler and stores it (and its cookie) as the response starts."""

    def __init__(self, app: ASGIApp, store: SessionStore, *, cookie_name: str, secure: bool) -> None:
        self.app = app
        self.store = store
        self.cookie_name = cookie_name
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        tenant = current_tenant(scope)
        if scope["path"].startswith(SHOPLESS_PATHS) or tenant is None:
            session = scope["state"][SESSION_STATE_KEY] = Session(None)
            session.persist = False
            await self.app(scope, receive, send)
            return
        tenant_id = tenant.id
        session_id = _cookie(scope, self.cookie_name)
        with_flags = not scope["path"].startswith(FLAGLESS_PATHS)
        stored = await self.store.load(tenant_id, session_id, with_flags=with_flags) if session_id else None
        if stored is None:
            session = Session(None)
        else:
            session = Session(session_id, stored.data)
            session.user, session.user_read = stored.user, stored.user_read
            session.enabled_flags = stored.enabled_flags
            if stored.must_rotate:
                session.rotate()  # the user's role changed since this session began
        session.user_agent = _header(scope, b"user-agent")
        scope["state"][SESSION_STATE_KEY] = session

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start" and session.modified and session.persist:
                await self._persist(tenant_id, session, message)
            await send(message)

        await self.app(scope, receive, send_with_session)

    async def _persist(self, tenant_id: UUID, session: Session, message: Message) -> None:
        headers = MutableScopeHeaders.from_message(message)
        if session.rotated_from:
            await self.store.delete(tenant_id, session.rotated_from)
        if session.cleared and not len(session):
            if session.id:
                await self.store.delete(tenant_id, session.id)
            headers.add("set-cookie", self._cookie("", max_age=0))
            return
        if session.id is None:
            session.id = secrets.token_urlsafe(32)
        await self.store.save(tenant_id, session.id, session.as_dict(), user_agent=session.user_agent)
        headers.add("set-cookie", self._cookie(session.id, max_age=self.store.absolute_seconds))

    def _cookie(self, value: str, *, max_age: int) -> str:
        return Cookie(
            key=self.cookie_name,
            value=value,
            max_age=max_age,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        ).to_header(header="")


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _, v = part.strip().partition("=")
                if k == name and v:
                    return v
    return None


def get_session(scope: Scope) -> Session:
    session: Session = scope["state"][SESSION_STATE_KEY]
    return session


def current_session_id(scope: Scope) -> str | None:
    """The id the request came with (kept until the response starts, even if it is being rotated)."""
    session = get_session(scope)
    return session.rotated_from or session.id
