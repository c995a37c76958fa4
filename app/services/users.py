"""User administration: list, create, change role, group memberships (admins only)."""

from __future__ import annotations

from uuid import UUID

from app.domain.errors import StaleVersion, ValidationError
from app.domain.pagination import MAX_PAGE_SIZE, Cursor, Slice, Sort, keyset_slice
from app.domain.users import (
    Capability,
    Role,
    User,
    UserContext,
    UserNotFound,
    validate_email,
    validate_password,
    validate_username,
)
from app.domain.validation import validate_fields
from app.services.authorization import require
from app.services.idempotency import IdempotentRequest, claim_or_replay, remember_answer
from app.services.ports import DirectoryReader, PasswordHasher, SessionRevoker, UnitOfWorkFactory
from app.services.read_models import ManagedUserView

USER_SORT = Sort("username")
"""The user list in keyset pages: by username, bytewise, ties (none: usernames are unique) by id."""


def _require_admin(user: UserContext) -> None:
    require(user, Capability.USERS_MANAGE, action="Admin access required", reason="Insufficient permissions")


class UserAdminService:
    def __init__(
        self, uow: UnitOfWorkFactory, reader: DirectoryReader, hasher: PasswordHasher, sessions: SessionRevoker
    ) -> None:
        self._uow = uow
        self._reader = reader
        self._hasher = hasher
        self._sessions = sessions

    async def list_users(self, user: UserContext) -> list[ManagedUserView]:
        _require_admin(user)
        return await self._reader.list_users(user.tenant_id)

    async def browse_users(
        self, user: UserContext, search: str = "", after: Cursor | None = None, limit: int = 20
    ) -> Slice[ManagedUserView]:
        """One keyset page of the shop's users by username, those whose username or email contains `search`."""
        _require_admin(user)
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        rows = await self._reader.browse_users(user.tenant_id, search, after, limit + 1)
        return keyset_slice(rows, limit, USER_SORT, lambda row: (row.username, row.id))

    async def get_user(self, user: UserContext, user_id: UUID) -> ManagedUserView:
        _require_admin(user)
        found = await self._reader.get_user(user.tenant_id, user_id)
        if found is None:
            raise UserNotFound(user_id)
        return found

    async def create_user(
        self,
        user: UserContext,
        *,
        username: object,
        password: object,
        role: object,
        email: object = "",
        idempotency: IdempotentRequest | None = None,
    ) -> User:
        """Every invalid field is reported at once; a taken username only once the others are valid.

        With `idempotency` (API v2), the key's record commits with the new user (app.services.idempotency).
        """
        _require_admin(user)
        values = validate_fields(
            username=lambda: validate_username(username),
            role=lambda: Role.parse(role),
            password=lambda: validate_password(password),
            email=lambda: validate_email(email),
        )
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            if await uow.users.get_by_username(values["username"]) is not None:
                raise ValidationError("username", f"The username '{values['username']}' is taken")
            created = User.register(
                tenant_id=user.tenant_id,
                username=values["username"],
                password_hash=await self._hasher.hash(values["password"]),
                role=values["role"],
                email=values["email"],
            )
            uow.users.add(created)
            remember_answer(uow, user.user_id, idempotency, created)
            await uow.commit()
        return created

    async def change_role(
        self,
        user: UserContext,
        user_id: UUID,
        role: object,
        *,
        expected_version: int | None = None,
        idempotency: IdempotentRequest | None = None,
    ) -> User:
        """New role from the user's next request; their sessions get new ids (the privilege changed).

        The last admin stays one (LastAdmin). The admins' rows are locked before anything is read, so
        two admins demoting each other at once run one after the other and the second is refused.
        With `expected_version`, a user changed since that version is left as it is (StaleVersion).
        With `idempotency`, the key (claimed before the version check) and its record commit with the change.
        """
        new_role = Role.parse(role)
        _require_admin(user)
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            admins = await uow.users.admins_for_update()
            target = await uow.users.get(user_id)
            if target is None:
                raise UserNotFound(user_id)
            if expected_version is not None and target.version != expected_version:
                raise StaleVersion("user", user_id)
            changed = target.role is not new_role
            target.change_role(new_role, admin_ids={admin.id for admin in admins})
            remember_answer(uow, user.user_id, idempotency, target)
            await uow.commit()
        if changed:
            await self._sessions.rotate_sessions_of(user.tenant_id, user_id)
        return target
