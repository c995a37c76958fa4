"""Browsing the audit log (admins only)."""

from __future__ import annotations

from datetime import datetime

from app.domain.pagination import MAX_PAGE_SIZE, Cursor, Page, PageRequest, Slice, Sort, keyset_slice
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import AuditReader
from app.services.read_models import AuditEntry, AuditFilter

AUDIT_SORT = Sort("occurred_at", descending=True, key_type=datetime)
"""The audit log in keyset pages: newest first, ties (events of one transaction) by event id."""


def _require_audit_access(user: UserContext) -> None:
    require(user, Capability.AUDIT_VIEW, action="view_audit_log", reason="Only administrators can read the audit log")


class AuditService:
    def __init__(self, reader: AuditReader) -> None:
        self._reader = reader

    async def list_entries(self, user: UserContext, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        _require_audit_access(user)
        return await self._reader.list_entries(user.tenant_id, filters, page)

    async def browse_entries(
        self, user: UserContext, filters: AuditFilter, after: Cursor | None = None, limit: int = 20
    ) -> Slice[AuditEntry]:
        """One keyset page of the entries that match, newest first, and the next page's cursor."""
        _require_audit_access(user)
        limit = min(MAX_PAGE_SIZE, max(1, limit))
        rows = await self._reader.browse_entries(user.tenant_id, filters, after, limit + 1)
        return keyset_slice(rows, limit, AUDIT_SORT, lambda entry: (entry.occurred_at, entry.event_id))
