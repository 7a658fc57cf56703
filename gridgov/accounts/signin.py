"""Signing in: failed attempts are counted, and an account or an address that fails too often
is locked out for a while (GB/T 22239-2019 8.1.4.1; numbers in ``accounts.rules``).

Two locks, never a global one:

- **the account**: ``signin_max_failures`` failures of one username within
  ``signin_window_minutes`` lock that account (and only it) for ``signin_lockout_minutes``, from
  any address. Anybody who knows a username can lock it this way; that is the documented price
  of the standard's lock, and it does not spread to other accounts.
- **the address** (the client's, through ``GRIDGOV_TRUSTED_PROXIES``; an IPv6 client by its
  /64): ``signin_max_failures_per_ip`` failures within ``signin_address_window_minutes`` stop
  sign-ins from it for ``signin_address_lockout_minutes``, against guessing one password across
  many accounts. Short, because many people may share an address.

The lock is enforced by the authentication backend (``ThrottledModelBackend``), so it holds for
every sign-in form (the web page, Django's admin); the web form asks ``signin_lock_remaining``
first to say how long the lock lasts. Attempts refused by a lock are not counted, so a lock
ends on time.

Audited: every sign-in, every failure on an existing account (at most a lock's worth per
account, so an attack cannot flood the log), and each lock when it starts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gridgov.core.audit import audit_record, user_places
from gridgov.core.clientip import limit_key
from gridgov.core.rules import Rule, rule_value

from .models import SignInFailure
from .rules import (
    SIGNIN_ADDRESS_LOCKOUT_MINUTES,
    SIGNIN_ADDRESS_WINDOW_MINUTES,
    SIGNIN_LOCKOUT_MINUTES,
    SIGNIN_MAX_FAILURES,
    SIGNIN_MAX_FAILURES_PER_IP,
    SIGNIN_WINDOW_MINUTES,
)
from .usernames import normalize_username


def _normal(username: str) -> str:
    # As usernames are compared everywhere (accounts.usernames): "ＡＤＭＩＮ" counts for admin.
    return normalize_username(username).lower()[:150]


def _locked_for(
    failures: QuerySet[SignInFailure], *, limit: Rule, window: Rule, lock: Rule
) -> dt.timedelta | None:
    """How long a lock over ``failures`` lasts from now, or None: the newest failure and the
    limit-th newest lie within one window, and the newest is less than the lock's length ago."""
    now = timezone.now()
    span = dt.timedelta(minutes=rule_value(window))
    length = dt.timedelta(minutes=rule_value(lock))
    count = int(rule_value(limit))
    recent = list(
        failures.filter(at__gt=now - length - span)
        .order_by("-at")
        .values_list("at", flat=True)[:count]
    )
    if len(recent) >= count and recent[0] - recent[count - 1] <= span:
        left: dt.timedelta = recent[0] + length - now
        if left > dt.timedelta(0):
            return left
    return None


def account_lock_remaining(username: str) -> dt.timedelta | None:
    return _locked_for(
        SignInFailure.objects.filter(username=_normal(username)),
        limit=SIGNIN_MAX_FAILURES,
        window=SIGNIN_WINDOW_MINUTES,
        lock=SIGNIN_LOCKOUT_MINUTES,
    )


def address_lock_remaining(ip: str) -> dt.timedelta | None:
    key = limit_key(ip)
    if not key:
        return None
    return _locked_for(
        SignInFailure.objects.filter(ip=key),
        limit=SIGNIN_MAX_FAILURES_PER_IP,
        window=SIGNIN_ADDRESS_WINDOW_MINUTES,
        lock=SIGNIN_ADDRESS_LOCKOUT_MINUTES,
    )


def signin_lock_remaining(*, username: str, ip: str = "") -> dt.timedelta | None:
    """How long a sign-in as ``username`` from the address ``ip`` stays refused (the account's
    lock or the address's, whichever ends later), or None if it is not."""
    locks = [
        left for left in (account_lock_remaining(username), address_lock_remaining(ip)) if left
    ]
    return max(locks) if locks else None


def _account(username: str) -> Any:
    """The user the backend would have checked the password of, or None."""
    User = get_user_model()
    name = normalize_username(username)[:150]
    return User._default_manager.filter(**{User.USERNAME_FIELD: name}).first()


@transaction.atomic
def signin_failure_record(*, username: str, ip: str = "") -> None:
    """Count a failed sign-in; audit it when the account exists, and audit each lock it starts."""
    name, key = _normal(username), limit_key(ip)
    account_was_locked = account_lock_remaining(name) is not None
    address_was_locked = address_lock_remaining(ip) is not None
    SignInFailure.objects.create(username=name, ip=key)
    user = _account(username)
    subject: dict[str, Any] = (
        {"instance": user, "object_repr": user.get_username()}
        if user is not None
        else {"object_type": "accounts.signin", "object_id": name[:64], "object_repr": name}
    )
    if user is not None:
        audit_record(action="signin_failed", after={"ip": ip}, **subject)
    if not account_was_locked and account_lock_remaining(name) is not None:
        audit_record(
            action="signin_locked",
            after={"ip": ip, "lock": "account", "minutes": rule_value(SIGNIN_LOCKOUT_MINUTES)},
            **subject,
        )
    if key and not address_was_locked and address_lock_remaining(ip) is not None:
        audit_record(
            action="signin_locked",
            object_type="accounts.signin",
            object_id=key[:64],
            object_repr=ip,
            after={
                "ip": ip,
                "lock": "address",
                "minutes": rule_value(SIGNIN_ADDRESS_LOCKOUT_MINUTES),
                "usernames": _tried_from(key),
            },
            places=_places_of(_tried_from(key)),
        )
    _forget_old_failures()


def _tried_from(key: str) -> list[str]:
    """The usernames that failed from the address within its window."""
    since = timezone.now() - dt.timedelta(minutes=rule_value(SIGNIN_ADDRESS_WINDOW_MINUTES))
    names = SignInFailure.objects.filter(ip=key, at__gte=since).values_list("username", flat=True)
    return sorted(set(names))[:50]


def _places_of(usernames: list[str]) -> list[str]:
    """Where the accounts tried from an address hold roles: the auditors there see its lock."""
    User = get_user_model()
    field = f"{User.USERNAME_FIELD}__in"
    ids = User._default_manager.filter(**{field: usernames}).values_list("pk", flat=True)
    return [path for pk in ids for path in user_places(pk)]


def _forget_old_failures() -> None:
    """Old failures count for nothing: keep the table small."""
    longest = max(
        rule_value(SIGNIN_WINDOW_MINUTES) + rule_value(SIGNIN_LOCKOUT_MINUTES),
        rule_value(SIGNIN_ADDRESS_WINDOW_MINUTES) + rule_value(SIGNIN_ADDRESS_LOCKOUT_MINUTES),
    )
    SignInFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(minutes=longest)).delete()


@transaction.atomic
def signin_success_record(*, user: User, ip: str = "") -> None:
    """A successful sign-in clears the account's failures and is audited."""
    SignInFailure.objects.filter(username=_normal(user.get_username())).delete()
    audit_record(action="signin", instance=user, object_repr=user.get_username(), after={"ip": ip})
