"""Django's admin (/admin/) is for the server's superusers only.

A county administrator manages users and roles through gridgov's own pages and API, where every
act is checked against their scope and rank and audited in the chain (``accounts.services``).
The admin can set any flag and any password, so nobody but a superuser (made by
``createsuperuser`` or ``firstadmin --superuser`` on the server) enters it: not staff users,
not users with Django permissions, not a county administrator.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def is_admin_user(user: User | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_active and user.is_superuser)


class SuperuserAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("请输入超级管理员的账号和密码。后台只对超级管理员开放。"),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if not is_admin_user(user):
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class SuperuserAdminSite(admin.AdminSite):
    site_header = _("网格治理平台 · 系统后台")
    site_title = _("网格治理平台后台")
    login_form = SuperuserAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return is_admin_user(getattr(request, "user", None))
