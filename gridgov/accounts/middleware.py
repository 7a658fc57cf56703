"""Web sessions end when idle too long or too old (GB/T 22239-2019: 登录连接超时自动退出)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from gridgov.core.rules import rule_value

from .rules import SESSION_IDLE_MINUTES, SESSION_MAX_HOURS

STARTED, SEEN = "gridgov_started", "gridgov_seen"
TOUCH_EVERY = 60  # seconds: the session is written at most once a minute, not on every request


def session_stamp(request: HttpRequest) -> None:
    """Mark a fresh sign-in (called when the user signs in)."""
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now


class SessionTimeoutMiddleware:
    """Signs out a session idle longer than ``accounts.session_idle_minutes`` or older than
    ``accounts.session_max_hours``; the next page then asks to sign in again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(STARTED)
            seen = request.session.get(SEEN)
            if started is None or seen is None:
                session_stamp(request)
            elif (
                now - seen > rule_value(SESSION_IDLE_MINUTES) * 60
                or now - started > rule_value(SESSION_MAX_HOURS) * 3600
            ):
                logout(request)
                request.session_expired = True  # type: ignore[attr-defined]
            elif now - seen >= TOUCH_EVERY:
                request.session[SEEN] = now
        return self.get_response(request)
