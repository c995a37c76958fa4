"""Logging in and the accounts every install needs."""

from __future__ import annotations

from uuid import UUID

from app.domain.errors import InvalidCredentials, ValidationError
from app.domain.parsing import is_storable
from app.domain.users import Role, User, UserContext, validate_password, validate_username
from app.services.ports import PasswordHasher, UnitOfWorkFactory


class AuthService:
    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher) -> None:
        self._uow = uow
        self._hasher = hasher

    async def authenticate(self, tenant_id: UUID, username: object, password: object) -> UserContext:
        """The user's context, or InvalidCredentials whether the user is unknown or the password wrong."""
        if not isinstance(username, str) or not username.strip() or not isinstance(password, str) or not password:
            raise ValidationError("username", "Username and password are required")
        if not is_storable(username):
            raise InvalidCredentials()  # no stored username contains such characters
        system = UserContext.system(tenant_id)
        async with self._uow(system) as uow:
            user = await uow.users.get_by_username(username.strip())
            if user is None or not user.is_active:
                # Verifying anyway makes an unknown user and a wrong password cost the same time.
                await self._hasher.verify(self._hasher.unknown_user_hash, password)
                raise InvalidCredentials()
            if not await self._hasher.verify(user.password_hash, password):
                raise InvalidCredentials()
            if self._hasher.needs_rehash(user.password_hash):
                user.password_hash = await self._hasher.hash(password)
                await uow.commit()
            groups = await uow.groups.ids_of_user(user.id)
        return user.context(groups)

    async def current_user(self, tenant_id: UUID, user_id: UUID) -> UserContext | None:
        """Reload the user on every request, so a role change applies on the next one."""
        async with self._uow(UserContext.system(tenant_id)) as uow:
            user = await uow.users.get(user_id)
            if user is None or not user.is_active:
                return None
            groups = await uow.groups.ids_of_user(user_id)
        return user.context(groups)

    async def ensure_user(
        self,
        tenant_id: UUID,
        username: str,
        password: str,
        role: Role,
        *,
        email: str = "",
        enforce_password_policy: bool = True,
    ) -> bool:
        """Create the account unless one with that username exists; True when created.

        `enforce_password_policy=False` is for development demo accounts only (e.g. `eve`/`eve`).
        """
        system = UserContext.system(tenant_id)
        async with self._uow(system) as uow:
            if await uow.users.get_by_username(validate_username(username)) is not None:
                return False
            checked = validate_password(password) if enforce_password_policy else password
            password_hash = await self._hasher.hash(checked)
            user = User.register(
                tenant_id=tenant_id,
                username=username,
                password_hash=password_hash,
                role=role,
                email=email,
            )
            uow.users.add(user)
            await uow.commit()
        return True
