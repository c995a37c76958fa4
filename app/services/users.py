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
from app.domain.validation import validate_fields
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
        found = await self._reader.get_user(user.tenant_id, user_id)
        if found is None:
            raise UserNotFound(user_id)
        return found

    async def create_user(
        self, user: UserContext, *, username: object, password: object, role: object, email: object = ""
    ) -> User:
        """Every invalid field is reported at once; a taken username only once the others are valid."""
        _require_admin(user)
        values = validate_fields(
            username=lambda: validate_username(username),
            role=lambda: Role.parse(role),
            password=lambda: validate_password(password),
        )
        async with self._uow(user) as uow:
            if await uow.users.get_by_username(values["username"]) is not None:
                raise ValidationError("username", f"The username '{values['username']}' is taken")
            created = User.register(
                tenant_id=user.tenant_id,
                username=values["username"],
                password_hash=await self._hasher.hash(values["password"]),
                role=values["role"],
                email=email.strip() if isinstance(email, str) else "",
            )
            uow.users.add(created)
            await uow.commit()
        return created

    async def change_role(self, user: UserContext, user_id: UUID, role: object) -> User:
        """New role from the user's next request; their sessions get new ids (the privilege changed).

        The last admin stays one (LastAdmin). The admins' rows are locked before anything is read, so
        two admins demoting each other at once run one after the other and the second is refused.
        """
        new_role = Role.parse(role)
        _require_admin(user)
        async with self._uow(user) as uow:
            admins = await uow.users.admins_for_update()
            target = await uow.users.get(user_id)
            if target is None:
                raise UserNotFound(user_id)
            changed = target.role is not new_role
            target.change_role(new_role, admin_ids={admin.id for admin in admins})
            await uow.commit()
        if changed:
            await self._sessions.rotate_sessions_of(user.tenant_id, user_id)
        return target
