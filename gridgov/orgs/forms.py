"""Filters of the lists of party organizations and party members."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.core.pages import ListFilterForm, search_field

from .models import MemberStatus, OrgKind


class OrgFilterForm(ListFilterForm):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("类型：全部")), *OrgKind.choices]
    )


class MemberFilterForm(ListFilterForm):
    q = search_field(_("姓名"))
    status = forms.ChoiceField(
        label=_("党员类别"),
        required=False,
        choices=[("", _("党员类别：全部")), *MemberStatus.choices],
    )
