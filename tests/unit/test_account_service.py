"""AccountService: only a logged-in user lists and ends sessions, and only their own."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from app.domain.errors import AuthenticationRequired
from app.domain.users import Role, SessionNotFound, UserContext
from app.services.account import AccountService
from app.services.read_models import SessionView

TENANT = uuid4()
A1, A2, B1 = (hashlib.sha256(name.encode()).hexdigest() for name in ("a1", "a2", "b1"))


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
    sessions = InMemorySessions({A1: (TENANT, alice.user_id), A2: (TENANT, alice.user_id), B1: (TENANT, bob.user_id)})
    account = AccountService(sessions)

    await account.end_session(alice, A2, current_session_id=A1)
    for ref in (B1, A1, A2):
        with pytest.raises(SessionNotFound):
            await account.end_session(alice, ref, current_session_id=A1)

    assert set(sessions.sessions) == {A1, B1}
    assert [view.ref for view in await account.list_sessions(alice, A1)] == [A1]


@pytest.mark.parametrize("ref", ["", "\x00", A1.upper(), A1 + "0", "a1", "../" + A1])
async def test_a_ref_that_names_no_session_is_not_found_without_asking_the_store(ref: str):
    alice = person("alice")
    assert alice.user_id
    sessions = InMemorySessions({ref: (TENANT, alice.user_id)})  # a store would find it: the name is refused first

    with pytest.raises(SessionNotFound):
        await AccountService(sessions).end_session(alice, ref, current_session_id=None)
    assert ref in sessions.sessions
