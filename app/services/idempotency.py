"""Idempotency keys (draft-ietf-httpapi-idempotency-key-header-07): one effect per (tenant, user, key).

A use case that honours a key claims it first thing inside its unit of work and records the
response it answers with in that same transaction, so the record commits with the effect or
not at all: a refusal before the effect, a crash or a 5xx leaves no record and the key stays
usable. docs/patterns/idempotency-keys.md explains the design and the alternatives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from app.domain.errors import Conflict, ValidationError
from app.domain.users import UserContext

if TYPE_CHECKING:  # ports refers to IdempotencyRecords: a runtime import would be circular
    from app.services.ports import UnitOfWorkFactory

RETENTION = timedelta(hours=24)
"""How long a key's record is kept (and replayed); the prune job deletes older ones."""
IN_FLIGHT_RETRY_SECONDS = 1
"""What `Retry-After` suggests to a request whose key is still being processed."""
IN_FLIGHT_WAIT = timedelta(seconds=10)
"""How long a request that waits for its key (`IdempotentRequest.wait`) waits before it is refused as in use."""


@dataclass(frozen=True)
class StoredResponse:
    """What the first request was answered with, replayed to every repeat of it."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IdempotentRequest:
    key: str
    fingerprint: str
    """A digest of the request's method, path and body: a repeat must match it."""
    respond: Callable[[Any], StoredResponse]
    """How the interface answers the use case's result: stored with the effect, sent now and on replays."""
    wait: bool = False
    """While the first request with the key is still running, wait for it (up to IN_FLIGHT_WAIT) and
    replay its answer, instead of refusing at once with IdempotencyKeyInUse. An API client retries
    when told to; a browser shows only the answer to the latest submit, so a double-clicked form
    waits for the order rather than being told to retry."""


class IdempotencyKeyInUse(Conflict):
    """The first request with this key is still running (409, Retry-After)."""

    code = "idempotency_key_in_use"

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed; retry shortly")
        self.retry_after = IN_FLIGHT_RETRY_SECONDS


class IdempotencyKeyReused(ValidationError):
    """The key was used for a different request (422, as the draft says; Stripe answers 400)."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("Idempotency-Key", "This Idempotency-Key was already used for a different request")


class AlreadyAnswered(Exception):
    """The key's request was completed before: answer with what it was answered then."""

    def __init__(self, response: StoredResponse) -> None:
        super().__init__(response.status)
        self.response = response


class IdempotencyRecords(Protocol):
    """The records of the unit of work's transaction (the unit of work hands them out)."""

    async def claim(self, user_id: UUID, request: IdempotentRequest) -> StoredResponse | None:
        """Hold the key until the transaction ends; the stored response if it was completed before.

        Raises IdempotencyKeyInUse while another transaction holds it (with `request.wait`, once it
        has held it for IN_FLIGHT_WAIT), IdempotencyKeyReused when the stored request had another
        fingerprint.
        """
        ...

    def remember(self, user_id: UUID, request: IdempotentRequest, result: Any) -> None:
        """Store `request.respond(result)` as the key's answer when the unit of work commits, after its
        aggregates are saved: the answer shows their new versions (a changed cart's ETag)."""
        ...


class _HasRecords(Protocol):
    @property
    def idempotency(self) -> IdempotencyRecords: ...


async def claim_or_replay(uow: _HasRecords, user_id: UUID | None, request: IdempotentRequest | None) -> None:
    """First thing in a use case's unit of work: hold the key, or raise AlreadyAnswered with the earlier response.

    Without a key the unit of work's records are not touched (nor needed: fakes may have none). Keys are
    a logged-in user's: the system actor (no id) acts without one.
    """
    if request is None:
        return
    if user_id is None:
        raise ValueError("an Idempotency-Key is scoped to a user: the system actor cannot send one")
    earlier = await uow.idempotency.claim(user_id, request)
    if earlier is not None:
        raise AlreadyAnswered(earlier)


def remember_answer(uow: _HasRecords, user_id: UUID | None, request: IdempotentRequest | None, result: Any) -> None:
    """Last thing before commit: the answer to `result` is stored with the effect."""
    if request is None:
        return
    if user_id is None:
        raise ValueError("an Idempotency-Key is scoped to a user: the system actor cannot send one")
    uow.idempotency.remember(user_id, request, result)


class IdempotencyService:
    """A key's earlier answer, looked up before a conditional write checks its precondition.

    A PATCH or DELETE guarded by `If-Match` that succeeded has moved the version on: its retry (the
    answer was lost) would be refused 412 before its use case ever claims the key. So the interface
    asks first, in a short transaction of its own that writes nothing (the key's try-lock and the
    lookup, rolled back): completed → AlreadyAnswered (replayed), another fingerprint →
    IdempotencyKeyReused (422), still running → IdempotencyKeyInUse (409). Otherwise the request goes
    on and its use case claims the key in its own transaction as every other keyed call does, which
    settles a race with a copy sent at the same moment.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def replay_if_answered(self, user: UserContext, request: IdempotentRequest | None) -> None:
        if request is None:
            return
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, request)
        # left without commit: rolled back, and the key's lock released with it
