"""A user's own account: the sessions they are logged in with, and ending the ones they do not trust."""

from __future__ import annotations

import re
from uuid import UUID

from app.domain.users import SessionNotFound, UserContext
from app.services.authorization import require_login
from app.services.ports import SessionDirectory
from app.services.read_models import SessionView

SESSION_REF = re.compile(r"[0-9a-f]{64}")
"""What a session is named by on the account page: its row id, a SHA-256 in hex."""


class AccountService:
    def __init__(self, sessions: SessionDirectory) -> None:
        self._sessions = sessions

    async def list_sessions(self, user: UserContext, current_session_id: str | None) -> list[SessionView]:
        """The user's live sessions, the one asking first (`is_current`)."""
        return await self._sessions.sessions_of(user.tenant_id, _account_of(user), current_session_id)

    async def end_session(self, user: UserContext, ref: str, current_session_id: str | None) -> None:
        """End another of the user's sessions: that browser is logged out on its next request.

        The asking session is not ended here (logging out does that); neither is anyone else's:
        both are SessionNotFound, like a session that has ended already.
        """
        account = _account_of(user)
        if not SESSION_REF.fullmatch(ref):  # no session has this name; nor may it reach the database (NUL)
            raise SessionNotFound()
        if not await self._sessions.end_session_of(user.tenant_id, account, ref, keep=current_session_id):
            raise SessionNotFound()

    async def end_other_sessions(self, user: UserContext, current_session_id: str | None) -> int:
        """End every session of the user but the asking one; returns how many ended."""
        return await self._sessions.end_other_sessions_of(user.tenant_id, _account_of(user), keep=current_session_id)


def _account_of(user: UserContext) -> UUID:
    require_login(user)
    assert user.user_id is not None  # require_login refused anonymous users
    return user.user_id
