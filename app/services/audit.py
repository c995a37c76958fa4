"""Browsing the audit log (admins only)."""

from __future__ import annotations

from app.domain.pagination import Page, PageRequest
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import AuditEntry, AuditFilter, AuditReader


class AuditService:
    def __init__(self, reader: AuditReader) -> None:
        self._reader = reader

    async def list_entries(self, user: UserContext, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        require(
            user, Capability.AUDIT_VIEW, action="view_audit_log", reason="Only administrators can read the audit log"
        )
        return await self._reader.list_entries(user.tenant_id, filters, page)
