"""Sign-in lock-out behind reverse proxies (issue 12 §4): the lock of an account never spreads
to another account, an address lock is per client (through trusted proxies only) and short,
and a spoofed X-Forwarded-For from an untrusted peer changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from gridgov.accounts.models import SignInFailure
from gridgov.accounts.rules import (
    SIGNIN_ADDRESS_LOCKOUT_MINUTES,
    SIGNIN_ADDRESS_WINDOW_MINUTES,
    SIGNIN_MAX_FAILURES,
    SIGNIN_MAX_FAILURES_PER_IP,
)
from gridgov.accounts.signin import address_lock_remaining, signin_lock_remaining
from gridgov.core.models import AuditEntry
from gridgov.core.rules import rule_value

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Test-123"
PROXY = "10.0.0.1"
EDGE = "10.0.0.2"  # a second proxy in front of PROXY
PER_IP = rule_value(SIGNIN_MAX_FAILURES_PER_IP)


def sign_in(username: str, password: str, *, peer: str, forwarded: str | None = None):
    client = Client()
    extra: dict[str, Any] = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post("/login/", {"username": username, "password": password}, **extra)
    return response, "_auth_user_id" in client.session


def test_the_named_rules_keep_the_address_lock_short():
    assert rule_value(SIGNIN_MAX_FAILURES) == 5
    assert rule_value(SIGNIN_MAX_FAILURES_PER_IP) == 20
    assert rule_value(SIGNIN_ADDRESS_WINDOW_MINUTES) == 5
    assert rule_value(SIGNIN_ADDRESS_LOCKOUT_MINUTES) == 5


def test_an_account_lock_does_not_spread_to_other_accounts(make_user):
    victim, other = make_user(), make_user()
    for k in range(rule_value(SIGNIN_MAX_FAILURES)):
        sign_in(victim.username, "wrong", peer=f"198.51.100.{k + 1}")
    # Locked from every address, even with the right password...
    assert sign_in(victim.username, PASSWORD, peer="203.0.113.50")[1] is False
    # ...and nobody else is, not even from the addresses the failures came from.
    assert sign_in(other.username, PASSWORD, peer="198.51.100.1")[1] is True


@override_settings(GRIDGOV_TRUSTED_PROXIES=[PROXY, EDGE])
def test_through_a_trusted_proxy_two_clients_are_two_addresses(make_user):
    users = [make_user() for _ in range(6)]
    for k in range(PER_IP):  # spread over accounts: no account reaches its own limit
        sign_in(users[k % 5].username, "wrong", peer=PROXY, forwarded="198.51.100.7")
    assert address_lock_remaining("198.51.100.7") is not None
    assert address_lock_remaining(PROXY) is None
    # The guessing client is stopped, even with a right password...
    assert sign_in(users[5].username, PASSWORD, peer=PROXY, forwarded="198.51.100.7")[1] is False
    # ...another client behind the same proxy is not.
    assert sign_in(users[5].username, PASSWORD, peer=PROXY, forwarded="198.51.100.8")[1] is True
    # Through a chain of two trusted proxies, the client is the address before them.
    chain = "198.51.100.7, " + PROXY
    assert sign_in(users[0].username, PASSWORD, peer=EDGE, forwarded=chain)[1] is False
    chain = "198.51.100.9, " + PROXY
    assert sign_in(users[0].username, PASSWORD, peer=EDGE, forwarded=chain)[1] is True
    lock = AuditEntry.objects.get(action="signin_locked", after__lock="address")
    assert lock.after["ip"] == "198.51.100.7"


@override_settings(GRIDGOV_TRUSTED_PROXIES=[PROXY])
def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(make_user):
    users = [make_user() for _ in range(6)]
    for k in range(PER_IP):  # a new forged address on every attempt
        sign_in(users[k % 5].username, "wrong", peer="203.0.113.66", forwarded=f"192.0.2.{k}")
    assert set(SignInFailure.objects.values_list("ip", flat=True)) == {"203.0.113.66"}
    assert address_lock_remaining("203.0.113.66") is not None
    # Forging yet another address does not get the guesser in.
    forged = sign_in(users[5].username, PASSWORD, peer="203.0.113.66", forwarded="192.0.2.200")
    assert forged[1] is False
    # Nor can a forged header put the lock on somebody else's address.
    assert address_lock_remaining("192.0.2.1") is None


def test_behind_an_unconfigured_proxy_everybody_is_held_out_only_briefly(make_user):
    """Without GRIDGOV_TRUSTED_PROXIES every client is the proxy: the address lock then stops
    all of them, so it ends after signin_address_lockout_minutes, not the account's 30."""
    users = [make_user() for _ in range(6)]
    for k in range(PER_IP):
        sign_in(users[k % 5].username, "wrong", peer=PROXY, forwarded=f"198.51.100.{k}")
    left = signin_lock_remaining(username=users[5].username, ip=PROXY)
    assert left is not None and left <= dt.timedelta(minutes=5)
    # No account is locked: a minute past the address lock, everyone signs in.
    minutes = rule_value(SIGNIN_ADDRESS_LOCKOUT_MINUTES)
    SignInFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=minutes, seconds=1))
    assert sign_in(users[5].username, PASSWORD, peer=PROXY)[1] is True
    assert sign_in(users[0].username, PASSWORD, peer=PROXY)[1] is True


@pytest.mark.parametrize(("seconds_ago", "locked"), [(5 * 60 - 2, True), (5 * 60 + 2, False)])
def test_the_address_lock_lasts_exactly_its_minutes(seconds_ago, locked):
    at = timezone.now() - dt.timedelta(seconds=seconds_ago)
    SignInFailure.objects.bulk_create(
        [SignInFailure(username=f"u{k}", ip="198.51.100.5", at=at) for k in range(PER_IP)]
    )
    assert (address_lock_remaining("198.51.100.5") is not None) is locked


@pytest.mark.parametrize(("spread", "locked"), [(4 * 60 + 59, True), (5 * 60 + 1, False)])
def test_the_address_window_is_five_minutes(spread, locked):
    now = timezone.now()
    rows = [SignInFailure(username="u", ip="198.51.100.6", at=now - dt.timedelta(seconds=spread))]
    rows += [SignInFailure(username="u", ip="198.51.100.6", at=now) for _ in range(PER_IP - 1)]
    SignInFailure.objects.bulk_create(rows)
    assert (address_lock_remaining("198.51.100.6") is not None) is locked


def test_an_ipv6_client_is_counted_by_its_64(make_user):
    users = [make_user() for _ in range(6)]
    for k in range(PER_IP):  # a new address of the same /64 on every attempt
        sign_in(users[k % 5].username, "wrong", peer=f"2001:db8:7:7::{k + 1:x}")
    assert sign_in(users[5].username, PASSWORD, peer="2001:db8:7:7::ffff")[1] is False
    assert sign_in(users[5].username, PASSWORD, peer="2001:db8:7:8::1")[1] is True
