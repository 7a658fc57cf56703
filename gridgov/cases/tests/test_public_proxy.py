"""The public report form's limit behind reverse proxies (issue 12 §4): per client address
(through trusted proxies only; an IPv6 client by its /64), never per proxy."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from gridgov.cases.models import Matter, source_fingerprint
from gridgov.cases.rules import PUBLIC_REPORTS_PER_HOUR
from gridgov.core.rules import rule_value

pytestmark = pytest.mark.django_db

LIMIT = rule_value(PUBLIC_REPORTS_PER_HOUR)
PROXY = "10.0.0.1"


def report(village: str, *, peer: str, forwarded: str | None = None) -> int:
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    data = {"category": "environment", "description": "村口垃圾三天没人清运", "village": village}
    return Client().post("/p/report/", data, **extra).status_code


def test_the_limit_is_a_named_rule():
    assert LIMIT == 10


@override_settings(GRIDGOV_TRUSTED_PROXIES=[PROXY, "10.0.0.2"])
def test_through_a_trusted_proxy_each_client_has_its_own_limit(grid):
    for _ in range(LIMIT):
        assert report(grid.village.code, peer=PROXY, forwarded="198.51.100.1") == 302
    assert report(grid.village.code, peer=PROXY, forwarded="198.51.100.1") == 429
    # Another resident behind the same proxy, and one behind a chain of two.
    assert report(grid.village.code, peer=PROXY, forwarded="198.51.100.2") == 302
    chain = "198.51.100.3, " + PROXY
    assert report(grid.village.code, peer="10.0.0.2", forwarded=chain) == 302
    # The first client is still held back through the chain.
    chain = "198.51.100.1, " + PROXY
    assert report(grid.village.code, peer="10.0.0.2", forwarded=chain) == 429
    assert Matter.objects.count() == LIMIT + 2
    # Each report is counted on its client (a keyed hash of it), none on the proxy.
    hashes = set(Matter.objects.values_list("source_hash", flat=True))
    assert hashes == {source_fingerprint(f"198.51.100.{k}") for k in (1, 2, 3)}


@override_settings(GRIDGOV_TRUSTED_PROXIES=[PROXY])
def test_a_spoofed_header_from_an_untrusted_peer_does_not_reset_the_limit(grid):
    for k in range(LIMIT):
        assert report(grid.village.code, peer="203.0.113.9", forwarded=f"192.0.2.{k}") == 302
    assert report(grid.village.code, peer="203.0.113.9", forwarded="192.0.2.99") == 429
    # The forged addresses were not charged: a real client with one of them is free.
    assert report(grid.village.code, peer="192.0.2.1") == 302


def test_an_ipv6_client_is_limited_by_its_64(grid):
    for k in range(LIMIT):
        assert report(grid.village.code, peer=f"2001:db8:5:5::{k + 1:x}") == 302
    assert report(grid.village.code, peer="2001:db8:5:5::abcd") == 429
    assert report(grid.village.code, peer="2001:db8:5:6::1") == 302
