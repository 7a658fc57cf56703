"""The authentication backend: Django's, with the sign-in lock-out of ``accounts.signin``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from gridgov.core.clientip import client_address

from .signin import signin_failure_record, signin_lock_remaining
from .usernames import normalize_username


def client_ip(request: Any) -> str:
    """The client's address, through the trusted proxies (``gridgov.core.clientip``)."""
    return client_address(request)


class ThrottledModelBackend(ModelBackend):
    """Refuses a locked-out account or address before checking the password, and counts every
    failed password. ``PermissionDenied`` stops Django from trying other backends."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        # The same form as at creation (the sign-in form does this too; the API may not).
        username = normalize_username(username)
        ip = client_ip(request)
        if signin_lock_remaining(username=username, ip=ip) is not None:
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            signin_failure_record(username=username, ip=ip)
        return user
