"""Signing in: failed attempts are counted, and an account or an address that fails too often
is locked out for a while (GB/T 22239-2019 8.1.4.1; numbers in ``accounts.rules``).

The lock is enforced by the authentication backend (``ThrottledModelBackend``), so it holds for
every sign-in form (the web page, Django's admin); the web form asks ``signin_lock_remaining``
first to say how long the lock lasts.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from gridgov.core.audit import audit_record
from gridgov.core.rules import rule_value

from .models import SignInFailure
from .rules import (
    SIGNIN_LOCKOUT_MINUTES,
    SIGNIN_MAX_FAILURES,
    SIGNIN_MAX_FAILURES_PER_IP,
    SIGNIN_WINDOW_MINUTES,
)


def _normal(username: str) -> str:
    return (username or "").strip().lower()[:150]


def signin_lock_remaining(*, username: str, ip: str = "") -> dt.timedelta | None:
    """How long ``username`` (or the address ``ip``) stays locked out, or None if it is not.

    Locked: at least ``signin_max_failures`` failures within ``signin_window_minutes`` of one
    another, the last less than ``signin_lockout_minutes`` ago. The address has its own, higher
    limit, against guessing passwords across many accounts.
    """
    now = timezone.now()
    lock = dt.timedelta(minutes=rule_value(SIGNIN_LOCKOUT_MINUTES))
    window = dt.timedelta(minutes=rule_value(SIGNIN_WINDOW_MINUTES))
    checks = [(SignInFailure.objects.filter(username=_normal(username)), SIGNIN_MAX_FAILURES)]
    if ip:
        checks.append((SignInFailure.objects.filter(ip=ip), SIGNIN_MAX_FAILURES_PER_IP))
    remaining = None
    for failures, limit_rule in checks:
        limit = int(rule_value(limit_rule))
        recent = list(
            failures.filter(at__gt=now - lock - window).order_by("-at").values_list("at", flat=True)
        )
        # The newest failure and the limit-th newest lie within one window: locked from then.
        if len(recent) >= limit and recent[0] - recent[limit - 1] <= window:
            left = recent[0] + lock - now
            if left > dt.timedelta(0) and (remaining is None or left > remaining):
                remaining = left
    return remaining


@transaction.atomic
def signin_failure_record(*, username: str, ip: str = "") -> None:
    """Count a failed sign-in; the failure that starts a lock-out is audited."""
    name = _normal(username)
    was_locked = signin_lock_remaining(username=name, ip=ip) is not None
    SignInFailure.objects.create(username=name, ip=ip)
    if not was_locked and signin_lock_remaining(username=name, ip=ip) is not None:
        audit_record(
            action="signin_locked",
            object_type="accounts.signin",
            object_id=name,
            object_repr=name,
            after={"ip": ip, "minutes": rule_value(SIGNIN_LOCKOUT_MINUTES)},
        )
    # Old failures count for nothing: keep the table small.
    horizon = timezone.now() - dt.timedelta(
        minutes=rule_value(SIGNIN_WINDOW_MINUTES) + rule_value(SIGNIN_LOCKOUT_MINUTES)
    )
    SignInFailure.objects.filter(at__lt=horizon).delete()


@transaction.atomic
def signin_success_record(*, user, ip: str = "") -> None:
    """A successful sign-in clears the account's failures and is audited."""
    SignInFailure.objects.filter(username=_normal(user.get_username())).delete()
    audit_record(
        action="signin",
        object_type="accounts.user",
        object_id=str(user.pk),
        object_repr=user.get_username(),
        after={"ip": ip},
    )
