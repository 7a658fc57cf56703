"""Filters of the lists of party organizations and party members."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.core.pages import ListFilterForm, search_field

from .models import MemberStatus, OrgKind


class OrgFilterForm(ListFilterForm):
    q = search_field(_("名称或组织代码"))
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("类型：全部")), *OrgKind.choices]
    )
    parent = forms.CharField(
        label=_("上级组织"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": _("上级组织代码")}),
    )


# Keys are those of selectors.MEMBER_TAGS (tests/test_filters.py).
MEMBER_TAG_CHOICES = [
    ("", _("标记：全部")),
    ("center_household", _("党员中心户")),
    ("mobile", _("流动党员")),
    ("lost_contact", _("失联")),
]


class MemberFilterForm(ListFilterForm):
    q = search_field(_("姓名"))
    status = forms.ChoiceField(
        label=_("党员类别"),
        required=False,
        choices=[("", _("党员类别：全部")), *MemberStatus.choices],
    )
    organization = forms.CharField(
        label=_("所在组织"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": _("组织代码")}),
    )
    tag = forms.ChoiceField(label=_("标记"), required=False, choices=MEMBER_TAG_CHOICES)
