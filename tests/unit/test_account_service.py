"""AccountService: only a logged-in user lists and ends sessions, and only their own."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from app.domain.errors import AuthenticationRequired
from app.domain.users import Role, SessionNotFound, UserContext
from app.services.account import AccountService
from app.services.ports import SessionView

TENANT = uuid4()


class InMemorySessions:
    """The SessionDirectory port over a dict of ref -> (tenant, user)."""

    def __init__(self, sessions: dict[str, tuple[UUID, UUID]]) -> None:
        self.sessions = sessions

    async def sessions_of(self, tenant_id: UUID, user_id: UUID, current_session_id: str | None) -> list[SessionView]:
        now = datetime.now(UTC)
        return [
            SessionView(ref, now, now, "", ref == current_session_id)
            for ref, owner in self.sessions.items()
            if owner == (tenant_id, user_id)
        ]

    async def end_session_of(self, tenant_id: UUID, user_id: UUID, ref: str, *, keep: str | None) -> bool:
        if ref == keep or self.sessions.get(ref) != (tenant_id, user_id):
            return False
        del self.sessions[ref]
        return True

    async def end_other_sessions_of(self, tenant_id: UUID, user_id: UUID, *, keep: str | None) -> int:
        others = [ref for ref, owner in self.sessions.items() if owner == (tenant_id, user_id) and ref != keep]
        for ref in others:
            del self.sessions[ref]
        return len(others)


def person(name: str) -> UserContext:
    return UserContext(user_id=uuid4(), username=name, role=Role.CUSTOMER, tenant_id=TENANT)


async def test_a_visitor_is_asked_to_log_in():
    account = AccountService(InMemorySessions({}))
    visitor = UserContext.anonymous(TENANT)

    with pytest.raises(AuthenticationRequired):
        await account.list_sessions(visitor, None)
    with pytest.raises(AuthenticationRequired):
        await account.end_other_sessions(visitor, None)


async def test_a_user_ends_their_other_session_but_not_someone_elses_or_the_asking_one():
    alice, bob = person("alice"), person("bob")
    assert alice.user_id and bob.user_id
    sessions = InMemorySessions(
        {"a1": (TENANT, alice.user_id), "a2": (TENANT, alice.user_id), "b1": (TENANT, bob.user_id)}
    )
    account = AccountService(sessions)

    await account.end_session(alice, "a2", current_session_id="a1")
    for ref in ("b1", "a1", "a2"):
        with pytest.raises(SessionNotFound):
            await account.end_session(alice, ref, current_session_id="a1")

    assert set(sessions.sessions) == {"a1", "b1"}
    assert [view.ref for view in await account.list_sessions(alice, "a1")] == ["a1"]
