from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # models cannot be imported before the app registry is ready
    from django.contrib.auth.models import User
    from django.http import HttpRequest


class AccountsConfig(AppConfig):
    name = "gridgov.accounts"
    label = "accounts"
    verbose_name = _("账户与权限")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from gridgov.core.audit import register_user_places
        from gridgov.core.permissions import register_holders_provider
        from gridgov.core.scoping import register_scope_provider
        from gridgov.core.selectors import register_users_within

        from . import checks  # noqa: F401  (registers its system checks)
        from .auditing import user_places, users_within
        from .scope import action_holders, user_scope_paths

        register_scope_provider(user_scope_paths)
        register_holders_provider(action_holders)
        register_user_places(user_places)
        register_users_within(users_within)
        user_logged_in.connect(_signed_in, dispatch_uid="gridgov.accounts.signed_in")
        user_logged_in.connect(_must_change, dispatch_uid="gridgov.accounts.must_change")


def _signed_in(sender: type[User], request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    from .backends import client_ip
    from .middleware import session_stamp
    from .signin import signin_success_record

    signin_success_record(user=user, ip=client_ip(request))
    if request is not None and hasattr(request, "session"):
        session_stamp(request)


def _must_change(sender: type[User], request: HttpRequest, user: User, **kwargs: Any) -> None:
    from .passwords import mark_session

    mark_session(request, user)


class GridgovAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the superusers-only site (``accounts.admin_site``)."""

    default = False  # named in INSTALLED_APPS; AccountsConfig stays this module's default
    default_site = "gridgov.accounts.admin_site.SuperuserAdminSite"
