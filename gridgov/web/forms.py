"""Forms of the web UI: list filters (GET) and the import upload."""

from __future__ import annotations

import math

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.backends import client_ip
from gridgov.accounts.signin import signin_lock_remaining
from gridgov.dataio.schemas import SCHEMAS
from gridgov.orgs.models import MemberStatus, OrgKind
from gridgov.people.models import ResidenceType

HOUSEHOLD_TAG_CHOICES = [
    ("", _("标签：全部")),
    ("dibao", _("低保户")),
    ("tekun", _("特困供养")),
    ("tuopin", _("脱贫户")),
    ("monitoring", _("防返贫监测户")),
    ("military", _("军烈属/优抚对象")),
    ("party", _("党员户")),
]

# The schemas' titles, marked here so that they are translated on the import page.
KIND_LABELS = {
    "grid": _("网格"),
    "party_orgs": _("党组织"),
    "bodies": _("自治组织"),
    "households": _("户"),
    "persons": _("人员"),
    "party_members": _("党员"),
    "memberships": _("组织成员"),
    "grid_posts": _("网格岗位"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind) or SCHEMAS[kind].title)


def _search(placeholder: str) -> forms.CharField:
    return forms.CharField(
        label=_("查找"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": placeholder}),
    )


class ListFilterForm(forms.Form):
    """Filters every list shares: the grid node to look under."""

    under = forms.CharField(required=False, max_length=18, widget=forms.HiddenInput)

    def value(self, name: str) -> str:
        """The cleaned value, or empty when the field is missing or invalid (filters are lax)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or ""


class HouseholdFilterForm(ListFilterForm):
    q = _search(_("户编号或住址"))
    tag = forms.ChoiceField(label=_("标签"), required=False, choices=HOUSEHOLD_TAG_CHOICES)


class PersonFilterForm(ListFilterForm):
    # A GET form: its fields go into the URL, so no citizen ID (that is the search page's POST).
    q = _search(_("姓名"))
    residence_type = forms.ChoiceField(
        label=_("人口类型"),
        required=False,
        choices=[("", _("人口类型：全部")), *ResidenceType.choices],
    )


class OrgFilterForm(ListFilterForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("类型：全部")), *OrgKind.choices]
    )


class MemberFilterForm(ListFilterForm):
    q = _search(_("姓名"))
    status = forms.ChoiceField(
        label=_("党员类别"),
        required=False,
        choices=[("", _("党员类别：全部")), *MemberStatus.choices],
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"))
    file = forms.FileField(
        label=_("文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8）文件，第一行为表头，与模板一致"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("试导入：只检查，不保存"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, kind_label(k)) for k in SCHEMAS]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只接受 .xlsx 或 .csv 文件"))
        limit = settings.GRIDGOV_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件太大（%(size)s），上限为%(limit)s")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload


class LoginForm(AuthenticationForm):
    """The sign-in form, with hints for phones (no autocapitalize of user names), that says
    when an account or address is locked out after repeated failures (accounts.signin)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocomplete": "username", "autofocus": True}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean(self):
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
