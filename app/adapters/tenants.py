"""The tenant directory (`tenant`, `tenant_host`): the shops of the deployment and their host names.

Written only by the owner role (`python -m app.cli tenant create`); the application role may read
it, because a request's shop is looked up by host before any tenant is set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
"""One DNS label, so that `<slug>.<base domain>` is a host name."""
HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")


class TenantRefused(Exception):
    """A tenant that cannot be created as asked; the message says why, in words."""


@dataclass(frozen=True)
class TenantEntry:
    id: UUID
    slug: str
    name: str
    hosts: tuple[str, ...]


async def create_tenant(owner_url: str, slug: str, name: str, hosts: list[str]) -> TenantEntry:
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
    tenant = TenantEntry(id=uuid4(), slug=slug, name=name, hosts=tuple(dict.fromkeys(hosts)))
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


async def list_tenants(url: str) -> list[TenantEntry]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            """
            SELECT t.id, t.slug, t.name, coalesce(array_agg(h.host ORDER BY h.host) FILTER (WHERE h.host IS NOT NULL),
                                                  '{}') AS hosts
            FROM tenant t LEFT JOIN tenant_host h ON h.tenant_id = t.id
            GROUP BY t.id ORDER BY t.slug
            """
        )
    finally:
        await connection.close()
    return [TenantEntry(row["id"], row["slug"], row["name"], tuple(row["hosts"])) for row in rows]
