"""A tenant: one shop of the deployment, with its own catalog, accounts, carts and orders."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Tenant:
    id: UUID
    slug: str
    """One DNS label: the shop also answers on `<slug>.<base domain>` when a base domain is set."""
    name: str
    """Display name, shown in the page header."""
    hosts: tuple[str, ...] = ()
    """Host names (lower case, no port) the shop answers on."""
