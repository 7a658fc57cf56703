"""Whether an account is locked out, as cheaply as an API request needs it.

The lock-out itself is decided by ``accounts.signin`` (failures of the account within a window).
An API request reads, in the statement that finds its token, only whether the account has any
failure recent enough to matter (almost never); only then does it ask ``signin`` for the exact
answer. A token of a locked account is refused like a revoked one: a lock-out stops whoever
holds the password, and whoever holds a token of the account as well.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone

from gridgov.core.rules import rule_value

from .models import SignInFailure
from .rules import SIGNIN_LOCKOUT_MINUTES, SIGNIN_WINDOW_MINUTES

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def recent_failures(username_ref: str) -> Exists:
    """An annotation: the account named by ``username_ref`` (a field path of the outer query)
    failed to sign in recently enough to be locked now."""
    horizon = timezone.now() - dt.timedelta(
        minutes=rule_value(SIGNIN_WINDOW_MINUTES) + rule_value(SIGNIN_LOCKOUT_MINUTES)
    )
    return Exists(
        SignInFailure.objects.filter(username=Lower(OuterRef(username_ref)), at__gt=horizon)
    )


def account_locked(user: User) -> bool:
    """The sign-in lock-out of ``user``'s account (not of any address) is in force."""
    from .signin import signin_lock_remaining

    return signin_lock_remaining(username=user.get_username()) is not None
