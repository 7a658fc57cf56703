"""Forms of the user and role pages (用户与角色) and of one's own password."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .backends import client_ip
from .roles import Role
from .signin import signin_lock_remaining

_CODE = {"inputmode": "numeric", "autocomplete": "off", "placeholder": _("网格代码")}


def node_code_field(**kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=_("网格代码"),
        max_length=18,
        min_length=6,
        widget=forms.TextInput(attrs=_CODE),
        help_text=_("县6位、镇9位、村12位、组15位、微网格18位"),
        **kwargs,
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("查找"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("账号或姓名")}),
    )
    role = forms.ChoiceField(
        label=_("角色"), required=False, choices=[("", _("角色：全部")), *Role.choices]
    )
    node = forms.CharField(
        label=_("网格"),
        required=False,
        max_length=18,
        widget=forms.TextInput(attrs={**_CODE, "placeholder": _("网格代码：全部")}),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("状态：全部")), ("active", _("在用")), ("inactive", _("已停用"))],
    )


class UserCreateForm(forms.Form):
    username = forms.CharField(
        label=_("账号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        help_text=_("英文字母、数字和 _ . - @，登录时使用"),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=150)
    node = node_code_field()
    # No role chosen in advance: the highest one would be a careless default.
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("请选择角色")), *Role.choices])


class AssignmentForm(forms.Form):
    node = node_code_field()
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)


class OwnPasswordForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("再输入一次新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("两次输入的新密码不一致"))
        return data


class LoginForm(AuthenticationForm):
    """The sign-in form, with hints for phones (no autocapitalize of user names), that says
    when an account or address is locked out after repeated failures (accounts.signin)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocomplete": "username", "autofocus": True}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        left = signin_lock_remaining(username=username, ip=client_ip(self.request))
        if left is not None:
            minutes = max(1, math.ceil(left.total_seconds() / 60))
            raise forms.ValidationError(
                _("登录失败次数过多，已暂时锁定。请%(m)d分钟后再试，或联系管理员。")
                % {"m": minutes},
                code="locked",
            )
        return super().clean()
