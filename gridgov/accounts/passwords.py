"""A password set by a manager must be changed before anything else (首次登录/重置后须改密码).

At sign-in the flag (``AccountState.must_change_password``) is copied into the session, so
pages do not read it on every request; a reset changes the password hash, which ends every
open session of the user (Django ties sessions to it), so the next sign-in reads it afresh.
Pages lead only to the change-password page until it is changed; the API answers 403 with a
clear message (``gridgov.api.auth``), for a session and for a token alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .models import AccountState

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SESSION_KEY = "gridgov_must_change_password"
# Paths a user who must change the password may still reach: signing out, the language switch,
# static files, and the public pages and interfaces that need no sign-in. The API refuses by
# itself, with a JSON answer.
_OPEN_PREFIXES = ("/static/", "/i18n/", "/p/", "/open311/", "/api/")


def must_change_password(user: User) -> bool:
    """Read from the database (sign-in, the token's statement sets it on the user)."""
    flag = getattr(user, "must_change_password", None)
    if flag is not None:
        return bool(flag)
    return AccountState.objects.filter(user=user, must_change_password=True).exists()


def session_must_change(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(SESSION_KEY))


def mark_session(request: HttpRequest | None, user: User) -> None:
    """Called when the user signs in (``user_logged_in``)."""
    if request is None or not hasattr(request, "session"):
        return
    if must_change_password(user):
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)


class PasswordChangeRequiredMiddleware:
    """Sends a signed-in user who must change the password to the change page first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and session_must_change(request):
            change = reverse("accounts:password_change")
            allowed = (change, reverse("web:logout"))
            if request.path not in allowed and not request.path.startswith(_OPEN_PREFIXES):
                return redirect(change)
        return self.get_response(request)
