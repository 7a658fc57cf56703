"""Forms of the matters pages: the list filters, intake by staff and by residents, one small form
per step of the lifecycle, and the period of the measures.

Forms check what a form can (required fields, choices, numbers); the rules of a matter (plain
text, photo types and sizes, coordinates inside China, who may do what) are the services'
(``cases.intake``, ``cases.services``), whose ``ValidationError`` the views put back on these
forms' fields with ``add_service_errors``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core.rules import rule_value
from gridgov.grid.models import GridLevel, GridNode
from gridgov.grid.pages import NodeFilterForm, node_option_label

from .models import Category, Channel, Satisfaction, Status
from .rules import (
    DESCRIPTION_MAX_CHARS,
    PHOTO_MAX_BYTES,
    PHOTO_MAX_COUNT,
)

# Where the services name a place, the forms show it: the coordinates and the "no location"
# error of routing belong to the place fields.
PLACE_KEYS = ("lat", "lng", "location")


def add_service_errors(form: forms.Form, exc: ValidationError, *, place_field: str = "") -> None:
    """Put a service's ``ValidationError`` on the form's fields (others above the form)."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, messages in exc.message_dict.items():
        target = key if key in form.fields else None
        if target is None and key in PLACE_KEYS and place_field:
            target = place_field
        for message in messages:
            form.add_error(target, message)


def text_field(label: str, *, required: bool = True, rows: int = 2, max_length: int = 1000, **kw):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
        **kw,
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; their content is checked by ``cases.intake.photo_type``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        """The files as a list; how many, how big and of what type is the intake's to say."""
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(f, initial) for f in files if f]


def photos_help() -> str:
    return str(_("最多%(n)s张，每张不超过%(size)s，JPEG、PNG或WebP格式")) % {
        "n": rule_value(PHOTO_MAX_COUNT),
        "size": filesizeformat(rule_value(PHOTO_MAX_BYTES)),
    }


# ---------------------------------------------------------------------------------------------
# The list


class MatterFilterForm(NodeFilterForm):
    """Filters of /matters/: place (``under``), status (or all open), category, overdue, mine."""

    field_order = ["q", "under", "status", "category", "overdue", "mine"]

    q = forms.CharField(
        label=_("查找"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("编号或内容")}),
    )
    status = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    overdue = forms.ChoiceField(
        label=_("逾期"), required=False, choices=[("", _("逾期：不限")), ("1", _("仅看逾期"))]
    )
    mine = forms.ChoiceField(
        label=_("承办人"),
        required=False,
        choices=[("", _("承办人：不限")), ("1", _("分派给我的"))],
    )

    def __init__(self, *args: Any, nodes: Iterable[GridNode] = (), **kwargs: Any) -> None:
        super().__init__(*args, nodes=nodes, **kwargs)
        self.fields["status"].choices = [
            ("", _("状态：全部")),
            ("open", _("未办结")),
            *Status.choices,
        ]
        self.fields["category"].choices = [
            ("", _("类别：全部")),
            *Category.objects.order_by("order", "code").values_list("code", "name"),
        ]


# ---------------------------------------------------------------------------------------------
# Intake


def _category_field(**kwargs: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=None,
        error_messages={
            "required": _("请选择事项类别"),
            "invalid_choice": _("未知的事项类别，请从列表中选择"),
        },
        **kwargs,
    )


class _IntakeFields(forms.Form):
    description = forms.CharField(
        label=_("内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请写下要反映的问题")},
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("详细地点"), required=False, max_length=200)
    reporter_name = forms.CharField(label=_("姓名"), required=False, max_length=50)
    reporter_phone = forms.CharField(
        label=_("电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    anonymous = forms.BooleanField(label=_("匿名反映（不留姓名和电话）"), required=False)
    photos = PhotosField(label=_("照片"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = rule_value(DESCRIPTION_MAX_CHARS)
        self.fields["description"].widget.attrs["maxlength"] = limit
        self.fields["photos"].help_text = photos_help()

    def clean(self) -> dict:
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("lat", _("经纬度须同时提供"))
        return data


class StaffIntakeForm(_IntakeFields):
    """登记: a grid worker, linked party member or cadre records a matter; the place is a
    household, a grid node, or a point, all within the user's scope (the view checks the point's
    micro-grid after routing)."""

    category = _category_field()
    household = forms.CharField(
        label=_("户编号"),
        required=False,
        max_length=32,
        help_text=_("知道户编号时填写，按户所在微网格办理"),
    )
    place = forms.ChoiceField(label=_("所在网格"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)
    lng = forms.FloatField(label=_("经度"), required=False)
    channel = forms.ChoiceField(
        label=_("来源"),
        choices=[(Channel.STAFF, Channel.STAFF.label), (Channel.VISIT, Channel.VISIT.label)],
        initial=Channel.STAFF,
    )

    field_order = [
        "category",
        "description",
        "household",
        "place",
        "lat",
        "lng",
        "address",
        "channel",
        "reporter_name",
        "reporter_phone",
        "anonymous",
        "photos",
    ]

    def __init__(self, *args: Any, places: Iterable[GridNode] = (), households=None, **kw: Any):
        super().__init__(*args, **kw)
        self.households = households  # the user's households for report_matter (a queryset)
        self.fields["place"].choices = [("", _("— 按户或坐标定位 —"))] + [
            (n.code, node_option_label(n)) for n in places
        ]
        self.fields["lat"].widget = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
        self.fields["lng"].widget = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})

    def clean_household(self):
        number = self.cleaned_data.get("household", "").strip()
        if not number:
            return None
        found = self.households.filter(number=number).select_related("microgrid").first()
        if found is None:
            raise ValidationError(_("户编号%(n)s不存在或不在您的范围内") % {"n": number})
        return found

    def clean(self) -> dict:
        data = super().clean()
        located = data.get("household") or data.get("place") or data.get("lat") is not None
        if not located and not data.get("address") and not self.errors:
            self.add_error("place", _("请填写户编号、选择所在网格或填写坐标、地点之一"))
        return data


class PublicReportForm(_IntakeFields):
    """群众自报: the phone-first form of /p/report/."""

    category = forms.ChoiceField(
        label=_("反映什么问题"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择事项类别"),
            "invalid_choice": _("未知的事项类别，请从列表中选择"),
        },
    )
    village = forms.ChoiceField(label=_("所在村（社区）"), required=False)
    group = forms.CharField(label=_("村民小组"), required=False, max_length=18, widget=forms.Select)

    field_order = [
        "category",
        "description",
        "village",
        "group",
        "lat",
        "lng",
        "address",
        "reporter_name",
        "reporter_phone",
        "anonymous",
        "photos",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = list(Category.objects.filter(is_active=True))
        self.fields["category"].choices = [(c.code, c.name) for c in self.categories]
        villages = GridNode.objects.filter(level=GridLevel.VILLAGE).select_related("parent")
        by_town: dict[str, list[tuple[str, str]]] = {}
        for village in villages.order_by("code"):
            town = village.parent.name if village.parent else ""
            by_town.setdefault(town, []).append((village.code, village.name))
        self.fields["village"].choices = [("", _("— 请选择 —")), *by_town.items()]
        # Choosing a village loads its groups (htmx); without scripts the group stays optional.
        self.fields["village"].widget.attrs.update(
            {
                "hx-get": reverse("public:groups"),
                "hx-target": "#id_group",
                "hx-trigger": "change",
            }
        )
        self.fields["group"].widget.choices = group_choices(self.data.get("village", ""))

    def clean_category(self) -> Category:
        code = self.cleaned_data["category"]
        return next(c for c in self.categories if c.code == code)

    def clean_group(self) -> GridNode | None:
        code = self.cleaned_data.get("group", "")
        village = self.cleaned_data.get("village", "")
        if not code:
            return None
        node = GridNode.objects.filter(code=code, level=GridLevel.GROUP).first()
        if node is None or not village or not code.startswith(village):
            raise ValidationError(_("所选村民小组不属于所选的村（社区）"))
        return node

    def clean(self) -> dict:
        data = super().clean()
        has_point = data.get("lat") is not None and data.get("lng") is not None
        if not data.get("village") and not has_point and "lat" not in self.errors:
            self.add_error("village", _("请选择所在村（社区），或点击“使用我的位置”"))
        return data

    def place(self) -> GridNode | None:
        """The chosen group, else the chosen village."""
        group = self.cleaned_data.get("group")
        if group is not None:
            return group
        code = self.cleaned_data.get("village")
        return GridNode.objects.filter(code=code).first() if code else None


def group_choices(village_code: str) -> list[tuple[str, str]]:
    choices = [("", _("— 不清楚可不选 —"))]
    if village_code and village_code.isdigit() and len(village_code) == 12:
        choices += list(
            GridNode.objects.filter(parent__code=village_code, level=GridLevel.GROUP)
            .order_by("code")
            .values_list("code", "name")
        )
    return choices


# ---------------------------------------------------------------------------------------------
# One form per step of the lifecycle


class PublicReviewForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果满意吗？"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意、基本满意或不满意")},
    )
    comment = text_field(_("意见（可不填）"), required=False, max_length=500, rows=3)


class PublicReopenForm(forms.Form):
    reason = text_field(
        _("哪里还没有解决？"),
        rows=3,
        error_messages={"required": _("请写明申请重办的理由")},
    )


# ---------------------------------------------------------------------------------------------
# Measures


class Period:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


class MeasuresForm(forms.Form):
    node = forms.CharField(label=_("网格"), required=False, max_length=18, widget=forms.Select)
    period = forms.ChoiceField(
        label=_("期间"),
        required=False,
        choices=[
            (Period.MONTH, _("本月")),
            (Period.QUARTER, _("本季度")),
            (Period.YEAR, _("本年")),
            (Period.CUSTOM, _("自定义")),
        ],
    )
    start = forms.DateField(
        label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("到"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, nodes: Iterable[GridNode] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].widget.choices = [(n.code, node_option_label(n)) for n in nodes]

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        period = data.get("period") or Period.MONTH
        if period == Period.CUSTOM:
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                if "start" not in self.errors and "end" not in self.errors:
                    self.add_error("start", _("自定义期间须填写起止日期"))
                return data
            if end < start:
                self.add_error("end", _("截止日期不能早于起始日期"))
                return data
        elif period == Period.YEAR:
            start, end = today.replace(month=1, day=1), today
        elif period == Period.QUARTER:
            start, end = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1), today
        else:
            start, end = today.replace(day=1), today
        data["period"], data["start"], data["end"] = period, start, end
        return data

    def dates(self) -> tuple[dt.date, dt.date]:
        """(first day, last day), both included; this month when the form is not valid."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        today = timezone.localdate()
        return today.replace(day=1), today
