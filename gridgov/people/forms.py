"""Filters of the lists of households and persons (GET forms: their fields go into the URL)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.pages import ListFilterForm, search_field

from .models import ResidenceType

# Keys are those of selectors.HOUSEHOLD_TAGS and selectors.PERSON_TAGS (tests/test_filters.py).
HOUSEHOLD_TAG_CHOICES = [
    ("", _("标签：全部")),
    ("dibao", _("低保户")),
    ("tekun", _("特困供养")),
    ("tuopin", _("脱贫户")),
    ("monitoring", _("防返贫监测户")),
    ("military", _("军烈属/优抚对象")),
    ("party", _("党员户")),
]


class HouseholdFilterForm(ListFilterForm):
    q = search_field(_("户编号或住址"))
    tag = forms.ChoiceField(label=_("标签"), required=False, choices=HOUSEHOLD_TAG_CHOICES)


PERSON_TAG_CHOICES = [
    ("", _("标签：全部")),
    ("party_member", pgettext_lazy("badge", "党员")),
    ("lives_alone", _("空巢/独居老人")),
    ("left_behind", _("留守人员")),
]


class PersonFilterForm(ListFilterForm):
    # A GET form: its fields go into the URL, so no citizen ID (that is the search page's POST).
    q = search_field(_("姓名"))
    residence_type = forms.ChoiceField(
        label=_("人口类型"),
        required=False,
        choices=[("", _("人口类型：全部")), *ResidenceType.choices],
    )
    household = forms.CharField(
        label=_("户编号"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"placeholder": _("户编号")}),
    )
    tag = forms.ChoiceField(label=_("标签"), required=False, choices=PERSON_TAG_CHOICES)
