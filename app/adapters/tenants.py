"""The tenant directory (`tenant`, `tenant_host`): the shops of the deployment and their host names.

Written only by the owner role (`python -m app.cli tenant create`); the application role may read
it, because a request's shop is looked up by host before any tenant is set.
"""

from __future__ import annotations

import re
from uuid import uuid4

import asyncpg
from piccolo.engine.postgres import PostgresEngine

from app.adapters.database import DATABASE_UNAVAILABLE
from app.domain.tenants import Tenant
from app.services.tenants import TenantDirectoryUnavailable

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
"""One DNS label, so that `<slug>.<base domain>` is a host name."""
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


class TenantRefused(Exception):
    """A tenant that cannot be created as asked; the message says why, in words."""


async def create_tenant(owner_url: str, slug: str, name: str, hosts: list[str]) -> Tenant:
    slug = slug.strip().lower()
    name = name.strip()
    hosts = [host.strip().lower() for host in hosts]
    if not SLUG.match(slug):
        raise TenantRefused("The slug must be 1-63 lowercase letters, digits or hyphens (not at either end).")
    if not name or len(name) > 200:
        raise TenantRefused("The name must be 1-200 characters.")
    for host in hosts:
        if not HOST.match(host):
            raise TenantRefused(f"{host!r} is not a host name (no scheme, port or path: e.g. shop.example.com).")
    tenant = Tenant(id=uuid4(), slug=slug, name=name, hosts=tuple(dict.fromkeys(hosts)))
    connection = await asyncpg.connect(owner_url)
    try:
        async with connection.transaction():
            await connection.execute(
                "INSERT INTO tenant (id, slug, name) VALUES ($1, $2, $3)", tenant.id, tenant.slug, tenant.name
            )
            await connection.executemany(
                "INSERT INTO tenant_host (host, tenant_id) VALUES ($1, $2)", [(h, tenant.id) for h in tenant.hosts]
            )
    except asyncpg.UniqueViolationError as violation:
        taken = "host name" if violation.table_name == "tenant_host" else "slug"
        raise TenantRefused(f"Another tenant already has this {taken}.") from violation
    finally:
        await connection.close()
    return tenant


_DIRECTORY = """
SELECT t.id, t.slug, t.name,
       coalesce(array_agg(h.host ORDER BY h.host) FILTER (WHERE h.host IS NOT NULL), '{}') AS hosts
FROM tenant t LEFT JOIN tenant_host h ON h.tenant_id = t.id
GROUP BY t.id ORDER BY t.slug
"""


def _tenants(rows: list[asyncpg.Record]) -> list[Tenant]:
    return [Tenant(row["id"], row["slug"], row["name"], tuple(row["hosts"])) for row in rows]


async def list_tenants(url: str) -> list[Tenant]:
    connection = await asyncpg.connect(url)
    try:
        return _tenants(await connection.fetch(_DIRECTORY))
    finally:
        await connection.close()


class SqlTenantDirectory:
    """The whole directory in one query, on the app's pool (the TenantDirectory port).

    No tenant is set: `tenant` and `tenant_host` are not tenant-owned, and this lookup is what
    finds a request's tenant in the first place (one of the documented paths outside a tenant).
    """

    def __init__(self, engine: PostgresEngine) -> None:
        self._engine = engine

    async def all_tenants(self) -> list[Tenant]:
        if self._engine.pool is None:
            raise RuntimeError("the database pool is not started")
        try:
            async with self._engine.pool.acquire() as connection:
                return _tenants(await connection.fetch(_DIRECTORY))
        except DATABASE_UNAVAILABLE as exc:
            raise TenantDirectoryUnavailable(type(exc).__name__) from exc
