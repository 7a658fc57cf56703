"""Forms of the visits pages: record a visit in a few taps, turn it into a matter, record a
household event, enter an appraisal, and the lists' filters. The rules are the services'; the
forms only read the input."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Category
from gridgov.core.pages import FilterDateField
from gridgov.core.rules import rule_value
from gridgov.grid.pages import NodeFilterForm

from .models import EventKind, TaskReason, TaskStatus, VisitHelp, VisitKind, VisitOutcome
from .rules import APPRAISAL_SCALE, LATE_ENTRY_HOURS

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class VisitForm(forms.Form):
    """走访登记: the kind preset from the visitor, the help as checkboxes, the outcome, what was
    said, the point from "use my location", an optional photo."""

    field_order = [
        "outcome",
        "kind",
        "helps",
        "notes",
        "suggestions",
        "visited_at",
        "photo",
        "lat",
        "lng",
    ]

    outcome = forms.ChoiceField(
        label=_("结果"),
        choices=VisitOutcome.choices,
        initial=VisitOutcome.MET,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label=_("走访类型"), required=False, widget=forms.RadioSelect)
    helps = forms.MultipleChoiceField(
        label=_("传帮带"),
        required=False,
        choices=VisitHelp.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("情况记录"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
    )
    suggestions = forms.CharField(
        label=_("收集的意见建议"),
        required=False,
        max_length=5000,
        help_text=_("每行一条"),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 5000}),
    )
    visited_at = forms.DateTimeField(
        label=_("走访时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args: Any, kinds: list[str], default_kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "kind", [(k, VisitKind(k).label) for k in kinds])
        self.fields["kind"].initial = default_kind
        if len(kinds) == 1:
            self.fields["kind"].widget = forms.HiddenInput()
        self.fields["visited_at"].help_text = _(
            "空：现在。走访后超过%(h)s小时才登记的，标注为补记"
        ) % {"h": rule_value(LATE_ENTRY_HOURS)}


class VisitMatterForm(forms.Form):
    """转为民情事项: the need found on the visit, in one step."""

    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.none(), to_field_name="code"
    )
    title = forms.CharField(label=_("标题"), required=False, max_length=60)
    description = forms.CharField(
        label=_("内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Category.objects.filter(is_active=True).order_by("order", "code")


class HouseholdEventForm(forms.Form):
    household = forms.CharField(label=_("户编号"), max_length=32)
    kind = forms.ChoiceField(label=_("事件"), choices=EventKind.choices)
    occurred_on = forms.DateField(
        label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = timezone.localdate()


class AppraisalForm(forms.Form):
    """联户评议, entered by a cadre on the household's behalf."""

    household = forms.CharField(label=_("户编号"), max_length=32)
    period = forms.CharField(label=_("评议期"), max_length=8)
    score = forms.TypedChoiceField(label=_("评分"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, period: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = (int(v) for v in rule_value(APPRAISAL_SCALE))
        score = self.fields["score"]
        assert isinstance(score, forms.TypedChoiceField)
        score.choices = [(str(n), str(n)) for n in range(low, high + 1)]
        self.fields["period"].initial = period


class VisitFilterForm(NodeFilterForm):
    kind = forms.ChoiceField(label=_("走访类型"), required=False)
    outcome = forms.ChoiceField(label=_("结果"), required=False)
    late = forms.ChoiceField(
        label=_("补记"),
        required=False,
        choices=[("", _("补记：不限")), ("1", _("仅看补记")), ("0", _("按时登记"))],
    )
    start = FilterDateField(label=_("起"))
    end = FilterDateField(label=_("止"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "kind", [("", _("类型：全部")), *VisitKind.choices])
        _choices(self, "outcome", [("", _("结果：全部")), *VisitOutcome.choices])

    def date(self, name: str) -> dt.date | None:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        value = self.cleaned_data.get(name)
        return value if isinstance(value, dt.date) else None


class TaskFilterForm(NodeFilterForm):
    status = forms.ChoiceField(label=_("状态"), required=False)
    reason = forms.ChoiceField(label=_("原因"), required=False)
    overdue = forms.ChoiceField(
        label=_("逾期"), required=False, choices=[("", _("逾期：不限")), ("1", _("仅看逾期"))]
    )
    unassigned = forms.ChoiceField(
        label=_("联户人"),
        required=False,
        choices=[("", _("联户人：不限")), ("1", _("未分配"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "status", [("", _("状态：全部")), *TaskStatus.choices])
        _choices(self, "reason", [("", _("原因：全部")), *TaskReason.choices])


class ComplianceForm(forms.Form):
    node = forms.CharField(required=False, max_length=18, widget=forms.HiddenInput)
    start = FilterDateField(label=_("起"))
    end = FilterDateField(label=_("止"))
