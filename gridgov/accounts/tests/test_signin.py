"""Signing in: lock-out after repeated failures (at the exact boundary), idle and absolute
session limits, Argon2 in production, and the audit of sign-ins."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, override_settings
from django.utils import timezone

from gridgov.accounts.models import SignInFailure
from gridgov.accounts.signin import signin_lock_remaining
from gridgov.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Test-123"


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_the_fifth_failure_locks_the_account_even_for_the_right_password(make_user):
    user = make_user()
    client = Client()
    for _ in range(4):
        assert sign_in(client, user.username, "wrong").status_code == 200
    assert signin_lock_remaining(username=user.username) is None  # 4 failures: not yet
    response = sign_in(client, user.username, "wrong")
    assert signin_lock_remaining(username=user.username) is not None  # the 5th locks
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "已暂时锁定" in response.content.decode()
    locks = AuditEntry.objects.filter(action="signin_locked", object_id=str(user.pk))
    assert [e.after["lock"] for e in locks] == ["account"]
    # Each failure on an existing account is audited; the refused right password is not one.
    assert AuditEntry.objects.filter(action="signin_failed", object_id=str(user.pk)).count() == 5
    # The backend refuses too, whatever form asks (Django's admin sign-in).
    assert authenticate(None, username=user.username, password=PASSWORD) is None


def test_the_lock_ends_after_its_minutes_and_a_success_clears_the_count(make_user):
    user = make_user()
    for _ in range(5):
        sign_in(Client(), user.username, "wrong")
    assert signin_lock_remaining(username=user.username) is not None
    # 30 minutes after the last failure the lock is over.
    SignInFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=30, seconds=1))
    assert signin_lock_remaining(username=user.username) is None
    client = Client()
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    assert not SignInFailure.objects.filter(username=user.username).exists()
    assert AuditEntry.objects.filter(action="signin", object_id=str(user.pk)).exists()


def test_failures_spread_wider_than_the_window_do_not_lock(make_user):
    user = make_user()
    now = timezone.now()
    for minutes in (40, 30, 20, 10):  # four old ones, 10 minutes apart
        SignInFailure.objects.create(
            username=user.username, ip="", at=now - dt.timedelta(minutes=minutes)
        )
    SignInFailure.objects.create(username=user.username, ip="", at=now)
    # The newest five span 40 minutes > the 15-minute window.
    assert signin_lock_remaining(username=user.username) is None


def test_usernames_are_counted_case_insensitively(make_user):
    user = make_user()
    for name in ["USER", "User", "user", "uSer", "usEr"]:
        sign_in(Client(), name + user.username[4:], "wrong")
    assert signin_lock_remaining(username=user.username) is not None


def test_one_address_guessing_across_accounts_is_stopped(make_user):
    users = [make_user() for _ in range(5)]
    for k in range(20):
        sign_in(Client(), users[k % 5].username, "wrong", ip="10.9.9.9")
    # Each account has only 4 failures, but the address has 20.
    assert signin_lock_remaining(username=users[0].username) is None
    assert signin_lock_remaining(username=users[0].username, ip="10.9.9.9") is not None
    response = sign_in(Client(), users[0].username, PASSWORD, ip="10.9.9.9")
    assert "已暂时锁定" in response.content.decode()
    assert sign_in(Client(), users[0].username, PASSWORD, ip="10.1.1.1").status_code == 302


def _aged(client: Client, *, started_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session["gridgov_started"] = now - started_ago
    session["gridgov_seen"] = now - seen_ago
    session.save()


@pytest.mark.parametrize(
    ("started_ago", "seen_ago", "signed_in"),
    [
        (3600, 30 * 60 - 5, True),  # idle just under 30 minutes
        (3600, 30 * 60 + 5, False),  # idle just over
        (12 * 3600 - 5, 60, True),  # busy, just under 12 hours old
        (12 * 3600 + 5, 60, False),  # busy, just over
    ],
)
def test_sessions_end_when_idle_or_too_old(make_user, started_ago, seen_ago, signed_in):
    user = make_user()
    client = Client()
    assert sign_in(client, user.username, PASSWORD).status_code == 302
    _aged(client, started_ago=started_ago, seen_ago=seen_ago)
    response = client.get("/roles/")
    if signed_in:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "/login/" in response["Location"]
        assert client.get("/roles/").status_code == 302  # signed out for good


def test_production_hashes_passwords_with_argon2():
    assert settings.PRODUCTION_PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTHENTICATION_BACKENDS == ["gridgov.accounts.backends.ThrottledModelBackend"]


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_argon2_hashes_and_checks():
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password("一个不错的密码-2026")
    assert encoded.startswith("argon2")
    assert check_password("一个不错的密码-2026", encoded)
