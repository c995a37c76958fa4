"""Who the client is: the socket's peer, or, behind a trusted proxy, the rightmost address no trusted proxy added.

`Forwarded` (RFC 7239) and `X-Forwarded-For` are believed only when the peer is in TRUSTED_PROXIES,
and then read from the right: each trusted hop vouches for the one before it, so the first
untrusted address is the client, and whatever a client wrote further left is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from litestar.types import Scope

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

UNKNOWN_CLIENT = "unknown"
"""The address of a request with no peer (a test client, a Unix socket): all such requests share one limit."""

_STATE_KEY = "emporium_client_address"


def trusted_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES' CIDRs (a bare address is a /32 or /128); a typo stops the start, not a request."""
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def parse_address(text: str) -> IPAddress | None:
    """An address from a header element: `203.0.113.7`, `203.0.113.7:4711`, `[2001:db8::1]:4711`, quoted or not."""
    value = text.strip().strip('"').strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # IPv4 with a port; a bare IPv6 address has several colons
        value = value.partition(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None  # "unknown", an obfuscated identifier ("_hidden") or garbage


def forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The `for=` hops, left (origin) to right (nearest), of every `Forwarded` field, else of `X-Forwarded-For`."""
    forwarded = [value.decode("latin-1") for key, value in headers if key == b"forwarded"]
    if forwarded:
        hops = []
        for element in ",".join(forwarded).split(","):
            for pair in element.split(";"):
                name, _, value = pair.partition("=")
                if name.strip().lower() == "for":
                    hops.append(value)
        return hops
    x_forwarded = [value.decode("latin-1") for key, value in headers if key == b"x-forwarded-for"]
    return [hop for hop in ",".join(x_forwarded).split(",") if hop.strip()]


def resolve_client(peer: str | None, hops: Sequence[str], trusted: Sequence[IPNetwork]) -> str:
    """The client's address given the socket's `peer` and the forwarded `hops` (see the module docstring)."""
    nearest = parse_address(peer) if peer else None
    if nearest is None:
        return peer or UNKNOWN_CLIENT
    for hop in reversed(hops):
        if not any(nearest in network for network in trusted):
            break
        address = parse_address(hop)
        if address is None:
            break  # a trusted proxy forwarded something that is not an address: it is the last hop we know
        nearest = address
    return str(nearest)


def client_address(scope: Scope, trusted: Sequence[IPNetwork]) -> str:
    """This request's client address, worked out once per request."""
    state = scope["state"]
    if _STATE_KEY not in state:
        client = scope.get("client")
        peer = client[0] if client else None
        state[_STATE_KEY] = resolve_client(peer, forwarded_for(scope["headers"]), trusted) if trusted else _peer(peer)
    address: str = state[_STATE_KEY]
    return address


@lru_cache(maxsize=4096)
def _peer(peer: str | None) -> str:
    """Without trusted proxies the client is the peer, normalised (parsed once per address, not per request)."""
    return resolve_client(peer, (), ())
