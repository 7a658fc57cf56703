"""The client's address behind reverse proxies: X-Forwarded-For is read only from a trusted
peer, from the right, skipping trusted hops; a spoofed or malformed header never makes one
client pass for another."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings

from gridgov.core.clientip import client_address, limit_key, parse_address

PROXIES = ["10.0.0.1", "10.1.0.0/16", "fd00::/8"]


def request(peer: str, *forwarded: str):
    meta: dict[str, Any] = {"REMOTE_ADDR": peer}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = ", ".join(forwarded)
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"
    assert client_address(request("10.0.0.1", "198.51.100.1")) == "10.0.0.1"


@override_settings(GRIDGOV_TRUSTED_PROXIES=PROXIES)
@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        # An untrusted peer that sends the header is itself the client (spoofing ignored).
        ("203.0.113.7", ["198.51.100.1"], "203.0.113.7"),
        # One trusted proxy: the address it appended.
        ("10.0.0.1", ["198.51.100.1"], "198.51.100.1"),
        # The client wrote a header of its own; the proxy appended the real address.
        ("10.0.0.1", ["1.1.1.1", "198.51.100.1"], "198.51.100.1"),
        # Two trusted proxies in a chain: the first untrusted address from the right.
        ("10.0.0.1", ["1.1.1.1", "198.51.100.2", "10.1.4.5"], "198.51.100.2"),
        # Everything trusted: the leftmost address read.
        ("10.0.0.1", ["10.1.2.3"], "10.1.2.3"),
        # A trusted proxy without the header: the proxy.
        ("10.0.0.1", [], "10.0.0.1"),
        # Ports, IPv6 and IPv4 mapped into IPv6.
        ("10.0.0.1", ["198.51.100.3:5123"], "198.51.100.3"),
        ("10.0.0.1", ["[2001:db8::7]:443"], "2001:db8::7"),
        ("fd00::1", ["2001:DB8:0:0::8"], "2001:db8::8"),
        ("::ffff:10.0.0.1", ["::ffff:198.51.100.4"], "198.51.100.4"),
        # Malformed entries stop the walk at the last address known for sure.
        ("10.0.0.1", ["198.51.100.1", "unknown"], "10.0.0.1"),
        ("10.0.0.1", ["198.51.100.1", "not an ip", "10.1.0.9"], "10.1.0.9"),
        ("10.0.0.1", ["<script>", ""], "10.0.0.1"),
        ("10.0.0.1", ["fe80::1%eth0"], "10.0.0.1"),
        ("10.0.0.1", ["1" * 500], "10.0.0.1"),
    ],
)
def test_forwarded_for_is_read_from_the_right_through_trusted_hops(peer, forwarded, client):
    assert client_address(request(peer, *forwarded)) == client


@override_settings(GRIDGOV_TRUSTED_PROXIES=PROXIES)
def test_several_headers_and_empty_hops():
    req = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1,, 198.51.100.9 ,"
    )
    assert client_address(req) == "198.51.100.9"


def test_a_peer_that_is_not_an_address_is_kept_as_text():
    assert client_address(request("")) == ""
    assert client_address(None) == ""


def test_parse_address_refuses_anything_but_an_address():
    assert parse_address("198.51.100.1") is not None
    for bad in ["", "x", "1.2.3", "1.2.3.4.5", "[::1", "_hidden", "300.1.1.1"]:
        assert parse_address(bad) is None, bad


def test_limits_count_an_ipv6_client_by_its_64():
    assert limit_key("2001:db8:1:2:aaaa::1") == limit_key("2001:db8:1:2:bbbb::9")
    assert limit_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("198.51.100.1") == "198.51.100.1"


@override_settings(GRIDGOV_TRUSTED_PROXIES=["10.0.0.1", "10.0.0.300/8"])
def test_a_mistyped_setting_is_named_at_start_and_never_ignored():
    errors = [e for e in run_checks() if e.id == "core.E001"]
    assert errors and "10.0.0.300/8" in errors[0].msg
    with pytest.raises(ImproperlyConfigured):
        client_address(request("10.0.0.1", "198.51.100.1"))
