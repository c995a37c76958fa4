"""The client address: the socket's peer unless a trusted proxy forwarded the request (rightmost untrusted hop)."""

from __future__ import annotations

import pytest

from app.web.client_address import UNKNOWN_CLIENT, forwarded_for, parse_address, resolve_client, trusted_networks

PROXIES = trusted_networks(["10.0.0.0/8", "2001:db8:cafe::/48", "192.0.2.1"])


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards() -> None:
    assert resolve_client("203.0.113.9", ["198.51.100.1"], ()) == "203.0.113.9"


def test_an_untrusted_peers_forwarded_header_is_ignored() -> None:
    assert resolve_client("203.0.113.9", ["198.51.100.1"], PROXIES) == "203.0.113.9"


def test_a_trusted_proxy_names_the_client() -> None:
    assert resolve_client("10.1.2.3", ["198.51.100.1"], PROXIES) == "198.51.100.1"


def test_what_a_client_wrote_left_of_the_first_untrusted_hop_is_ignored() -> None:
    # The client sent "X-Forwarded-For: 1.1.1.1"; its proxy appended the real address, then another proxy.
    hops = ["1.1.1.1", "198.51.100.7", "10.9.9.9"]
    assert resolve_client("10.1.2.3", hops, PROXIES) == "198.51.100.7"


def test_when_every_hop_is_trusted_the_leftmost_is_the_client() -> None:
    assert resolve_client("10.1.2.3", ["10.0.0.5", "10.0.0.6"], PROXIES) == "10.0.0.5"


def test_a_trusted_proxy_forwarding_something_not_an_address_is_itself_the_client() -> None:
    assert resolve_client("10.1.2.3", ["unknown"], PROXIES) == "10.1.2.3"
    assert resolve_client("10.1.2.3", ["198.51.100.1", "_hidden"], PROXIES) == "10.1.2.3"


def test_a_request_without_a_peer_address_shares_the_unknown_clients_limit() -> None:
    assert resolve_client(None, ["198.51.100.1"], PROXIES) == UNKNOWN_CLIENT
    assert resolve_client("testclient", [], PROXIES) == "testclient"


def test_ipv6_proxies_and_clients() -> None:
    assert resolve_client("2001:db8:cafe::1", ['"[2001:db8:beef::7]:4711"'], PROXIES) == "2001:db8:beef::7"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7:4711 ", "203.0.113.7"),
        ('"[2001:db8::1]:4711"', "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("unknown", None),
        ("_obfuscated", None),
        ("999.1.1.1", None),
    ],
)
def test_an_address_is_read_with_or_without_port_quotes_and_brackets(text: str, address: str | None) -> None:
    parsed = parse_address(text)
    assert (str(parsed) if parsed else None) == address


def test_forwarded_is_preferred_to_x_forwarded_for_and_read_across_fields() -> None:
    headers = [
        (b"x-forwarded-for", b"9.9.9.9"),
        (b"forwarded", b'for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8::1]:4711"'),
        (b"forwarded", b"For=198.51.100.17"),
    ]
    assert forwarded_for(headers) == ["192.0.2.60", '"[2001:db8::1]:4711"', "198.51.100.17"]


def test_x_forwarded_for_lines_are_joined_in_order() -> None:
    headers = [(b"x-forwarded-for", b"1.1.1.1, 2.2.2.2"), (b"x-forwarded-for", b"3.3.3.3")]
    assert [hop.strip() for hop in forwarded_for(headers)] == ["1.1.1.1", "2.2.2.2", "3.3.3.3"]


def test_a_bare_trusted_address_is_one_host() -> None:
    assert [str(network) for network in trusted_networks(["192.0.2.1", " 10.0.0.0/8 ", ""])] == [
        "192.0.2.1/32",
        "10.0.0.0/8",
    ]
