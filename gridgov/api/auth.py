"""Who is calling: a personal token (``Authorization: Bearer <token>``) or the web session.

Tokens are issued by ``gridgov.accounts.services.api_token_create`` and checked with
``api_token_authenticate`` (expired, revoked or unknown tokens → 401). A request that carries an
``Authorization`` header is judged by it alone, so a bad token never falls back to a session
cookie. The session is accepted with Django's CSRF check on unsafe methods, as for the web UI;
an anonymous request gets 401 whatever its method (the CSRF check only guards a signed-in session).

A user whose password was set by a manager (new account, reset) must change it on the web
first: until then every call answers 403 with a message saying so (``accounts.passwords``). A
deactivated or locked-out account's tokens are refused at once (401), like revoked ones.

``acting_user`` puts the authenticated user into the actor context for the audit log: the web
middleware marks /api/ requests with source "api" but only knows session users.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from gridgov.accounts.passwords import session_must_change
from gridgov.accounts.services import api_token_authenticate
from gridgov.core.apitools import auth_user
from gridgov.core.clientip import client_address
from gridgov.core.context import Source, actor_context

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class TokenAuth(HttpBearer):
    """Personal API token (接口令牌)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        if not token:
            return None
        user = api_token_authenticate(token)
        if user is not None and user.must_change_password:
            raise HttpError(403, must_change_message())
        return user


class SessionCsrfAuth(APIKeyCookie):
    """The web session; unsafe methods need the CSRF token (X-CSRFToken header)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any | None:
        if "authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF校验失败：请在 X-CSRFToken 请求头中提交 csrftoken"))
        if session_must_change(request):
            raise HttpError(403, must_change_message())
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        return None  # pragma: no cover  (``__call__`` decides)


def must_change_message() -> str:
    return _("须先修改密码：密码由管理员设置或重置，请在网页上登录并修改密码后再使用接口")


def acting_user(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run an operation with the API user as the actor of every audited change."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with actor_context(
            user=auth_user(request),
            source=Source.API,
            request_id=getattr(request, "request_id", None),
            ip=client_address(request),
        ):
            return view(request, *args, **kwargs)

    return wrapper
