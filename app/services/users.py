"""User administration: list, create, change role, group memberships (admins only)."""

from __future__ import annotations

from uuid import UUID

from app.domain.errors import ValidationError
from app.domain.users import (
    Capability,
    Role,
    User,
    UserContext,
    UserNotFound,
    validate_password,
    validate_username,
)
from app.services.authorization import require
from app.services.ports import (
    DirectoryReader,
    ManagedUserView,
    PasswordHasher,
    SessionRevoker,
    UnitOfWorkFactory,
)


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

    async def get_user(self, user: UserContext, user_id: UUID) -> ManagedUserView:
        _require_admin(user)
        for candidate in await self._reader.list_users(user.tenant_id):
            if candidate.id == user_id:
                return candidate
        raise UserNotFound(user_id)

    async def create_user(
        self, user: UserContext, *, username: object, password: object, role: object, email: object = ""
    ) -> User:
        _require_admin(user)
        name = validate_username(username)
        new_role = Role.parse(role)
        secret = validate_password(password)
        async with self._uow(user) as uow:
            if await uow.users.get_by_username(name) is not None:
                raise ValidationError("username", f"The username '{name}' is taken")
            created = User.register(
                tenant_id=user.tenant_id,
                username=name,
                password_hash=self._hasher.hash(secret),
                role=new_role,
                email=email.strip() if isinstance(email, str) else "",
            )
            uow.users.add(created)
            await uow.commit()
        return created

    async def change_role(self, user: UserContext, user_id: UUID, role: object) -> User:
        """New role from the user's next request; their sessions get new ids (the privilege changed)."""
        new_role = Role.parse(role)
        _require_admin(user)
        async with self._uow(user) as uow:
            target = await uow.users.get(user_id)
            if target is None:
                raise UserNotFound(user_id)
            changed = target.role is not new_role
            target.change_role(new_role)
            await uow.commit()
        if changed:
            await self._sessions.rotate_sessions_of(user_id)
        return target
