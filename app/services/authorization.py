"""Authorization checks: services call these first, with the framework-free UserContext."""

from __future__ import annotations

from app.domain.errors import AuthenticationRequired, PermissionDenied
from app.domain.users import Capability, UserContext


def require_login(user: UserContext) -> None:
    if not user.is_authenticated:
        raise AuthenticationRequired()


def require(user: UserContext, capability: Capability, *, action: str, reason: str) -> None:
    """Refuse unless `user` holds `capability`; anonymous users are asked to log in first."""
    if user.can(capability):
        return
    require_login(user)
    raise PermissionDenied(action, reason)
