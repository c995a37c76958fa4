"""Which shop a request is for: its Host header (or, for the API, a tenant slug) → the tenant.

The whole directory is kept in memory and reloaded when older than `ttl_seconds`, so a request
costs no query in steady state; a tenant added with `app.cli tenant create` answers within that time.
When a reload fails the copy in hand is kept (shops keep answering while the database restarts).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from app.domain.tenants import Tenant
from app.services.ports import TenantDirectory


class TenantDirectoryUnavailable(Exception):
    """The directory could not be read (its database is unreachable)."""


def host_name(host_header: str) -> str:
    """`Shop.Example.com:8000` → `shop.example.com`; `[::1]:8000` → `::1` (case-insensitive, no port)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.partition(":")[0].rstrip(".")


class TenantResolver:
    def __init__(
        self,
        directory: TenantDirectory,
        *,
        base_domain: str = "",
        ttl_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._directory = directory
        self._base_suffix = f".{base_domain.strip().lower().strip('.')}" if base_domain.strip(". ") else ""
        self._ttl = ttl_seconds
        self._clock = clock
        self._by_host: dict[str, Tenant] = {}
        self._by_slug: dict[str, Tenant] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    async def for_host(self, host_header: str) -> Tenant | None:
        """The tenant with this exact host name, else the one whose slug is `<slug>.<base domain>`."""
        await self._fresh()
        host = host_name(host_header)
        if (tenant := self._by_host.get(host)) is not None:
            return tenant
        if self._base_suffix and host.endswith(self._base_suffix):
            return self._by_slug.get(host.removesuffix(self._base_suffix))
        return None

    async def for_slug(self, slug: str) -> Tenant | None:
        await self._fresh()
        return self._by_slug.get(slug.strip().lower())

    def forget(self) -> None:
        """Reload on the next lookup (after a tenant was added in this process, e.g. by a test)."""
        self._loaded_at = None

    async def _fresh(self) -> None:
        if self._loaded_at is not None and self._clock() - self._loaded_at < self._ttl:
            return
        async with self._lock:  # one reload, however many requests find the copy stale at once
            if self._loaded_at is not None and self._clock() - self._loaded_at < self._ttl:
                return
            try:
                tenants = await self._directory.all_tenants()
            except TenantDirectoryUnavailable:
                if self._loaded_at is None:
                    raise
                return  # keep the copy in hand; the next lookup tries again
            self._by_host = {host: tenant for tenant in tenants for host in tenant.hosts}
            self._by_slug = {tenant.slug: tenant for tenant in tenants}
            self._loaded_at = self._clock()
