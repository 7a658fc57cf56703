"""Forms of the important-matters pages (重要事项决策): the lists' filters, a new matter, a
meeting's record (paper counts, or one row per person of a small body's roll), the steps on a
matter's page, notices and opinions.

Forms check what a form can (required fields, choices, numbers); the law's rules (the sequence,
quorum, notice periods, personal data in notices) are the services', whose ``ValidationError``
the views put back on the fields with ``add_service_errors``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core.pages import FilterIdField, search_field
from gridgov.grid.models import GridNode
from gridgov.grid.pages import NodeFilterForm, node_option_label

from .models import (
    Attendance,
    MatterKind,
    MatterStatus,
    MeetingBody,
    NoticeKind,
    OpinionChannel,
    ReviewVerdict,
    Stage,
    Stance,
    Vote,
)
from .procedures import COUNTED_BODIES

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_field(label: Any, **kwargs: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        **kwargs,
    )


def _text(label: Any, *, required: bool = True, rows: int = 3, max_length: int = 2000) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
    )


def _count(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=1_000_000,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def now_local() -> dt.datetime:
    """Now, to the minute, in the deployment's time zone (a datetime-local's default)."""
    return timezone.localtime().replace(second=0, microsecond=0)


# -- Lists ------------------------------------------------------------------------------------


class MatterFilterForm(NodeFilterForm):
    """Filters of /decisions/: place, status, kind, number or words of the title."""

    field_order = ["q", "under", "status", "kind"]

    q = search_field(_("编号或事项名称"))
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("状态：全部")), *MatterStatus.choices],
    )
    kind = forms.ChoiceField(label=_("事权类别"), required=False)

    def __init__(self, *args: Any, kinds: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("类别：全部")),
            *kinds,
        ]


class NoticeFilterForm(NodeFilterForm):
    field_order = ["under", "kind"]

    kind = forms.ChoiceField(
        label=_("公开类别"), required=False, choices=[("", _("类别：全部")), *NoticeKind.choices]
    )


class TaskFilterForm(forms.Form):
    """Filters of a solicitation's households: micro-grid, answered or not, mine."""

    microgrid = forms.ChoiceField(label=_("微网格"), required=False)
    answered = forms.ChoiceField(
        label=_("答复"),
        required=False,
        choices=[("", _("答复：全部")), ("0", _("未答复")), ("1", _("已答复"))],
    )
    mine = forms.BooleanField(label=_("只看我联系的户"), required=False)

    def __init__(
        self, *args: Any, microgrids: Iterable[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["microgrid"]).choices = [
            ("", _("微网格：全部")),
            *((str(pk), name) for pk, name in microgrids),
        ]

    def value(self, name: str) -> Any:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or ""


# -- A new matter ------------------------------------------------------------------------------


class MatterForm(forms.Form):
    """A new important matter: its place (a village or group), its kind on the list, title,
    amount and content."""

    node = forms.ChoiceField(label=_("村或村民小组"))
    kind = forms.TypedChoiceField(label=_("事权类别"), coerce=int)
    title = forms.CharField(label=_("事项名称"), max_length=200)
    amount = forms.DecimalField(
        label=_("金额（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    description = _text(_("事项内容"), required=False, rows=4, max_length=5000)

    def __init__(
        self,
        *args: Any,
        places: Sequence[GridNode],
        kinds: Sequence[MatterKind],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.places = {node.code: node for node in places}
        self.kinds = {kind.pk: kind for kind in kinds}
        cast(forms.ChoiceField, self.fields["node"]).choices = [
            ("", _("请选择")),
            *((node.code, node_option_label(node)) for node in places),
        ]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("请选择")),
            *((kind.pk, f"{kind.name}（{kind.get_procedure_display()}）") for kind in kinds),
        ]

    def clean_node(self) -> GridNode:
        node = self.places.get(self.cleaned_data["node"])
        if node is None:
            raise forms.ValidationError(_("请选择您可以办理的村或村民小组"))
        return node

    def clean_kind(self) -> MatterKind:
        kind = self.kinds.get(self.cleaned_data["kind"])
        if kind is None:
            raise forms.ValidationError(_("请选择重要事权清单上的类别"))
        return kind


class SeedForm(forms.Form):
    county = forms.CharField(max_length=6, widget=forms.HiddenInput)


# -- Meetings ----------------------------------------------------------------------------------


def _body_choices(bodies: Iterable[str]) -> list[tuple[str, Any]]:
    return [(body, MeetingBody(body).label) for body in bodies]


class ScheduleForm(forms.Form):
    """Announce the meeting of the current stage (会议通知)."""

    body = forms.ChoiceField(label=_("会议类型"))
    held_at = _datetime_field(_("召开时间"))
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    notice_given_on = forms.DateField(
        label=_("通知日期"),
        required=False,
        widget=_date_widget(),
        help_text=_("不填为今天"),
    )

    def __init__(self, *args: Any, bodies: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["body"]).choices = _body_choices(bodies)


class MeetingForm(forms.Form):
    """The record of a meeting held: when, where, who chaired, the notice and the minutes; then
    either the paper counts (large bodies, or a show of hands) or one row per person on the
    roll of a small body (attendance, vote, the reason of an excuse)."""

    meeting = forms.IntegerField(required=False, widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.HiddenInput)
    mode = forms.CharField(required=False, widget=forms.HiddenInput)
    held_at = _datetime_field(_("召开时间"))
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    chair = forms.CharField(label=_("主持人"), max_length=50, required=False)
    notice_given_on = forms.DateField(label=_("通知日期"), required=False, widget=_date_widget())
    summary = _text(_("会议纪要"), required=False, rows=4, max_length=10000)

    COUNT_LABELS: Mapping[str, Any] = {
        "present_adults": _("到会村民（18岁以上）"),
        "present_household_reps": _("到会户代表"),
        "present": _("实到人数"),
        "yes": _("赞成"),
        "no": _("反对"),
        "abstain": _("弃权"),
        "excused": _("请假人数"),
    }

    def __init__(
        self,
        *args: Any,
        body: str,
        by_person: bool,
        people: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.by_person = by_person
        self.people = list(people)
        self.count_names: list[str] = []
        if not by_person:
            self.count_names = count_fields_for(body)
            for name in self.count_names:
                self.fields[name] = _count(self.COUNT_LABELS[name])
            return
        attendance = [(a.value, a.label) for a in Attendance]
        votes = [("", _("未表决")), *((v.value, v.label) for v in Vote)]
        for pid, name in self.people:
            self.fields[f"att_{pid}"] = forms.ChoiceField(
                label=name, choices=attendance, widget=forms.RadioSelect
            )
            self.fields[f"vote_{pid}"] = forms.ChoiceField(
                label=_("%(name)s的表决") % {"name": name},
                choices=votes,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"excuse_{pid}"] = forms.CharField(
                label=_("%(name)s的请假原因") % {"name": name},
                max_length=100,
                required=False,
            )

    @property
    def person_rows(self) -> list[tuple[int, str, Any, Any, Any]]:
        """(person id, name, attendance field, vote field, excuse field), for the table."""
        return [
            (pid, name, self[f"att_{pid}"], self[f"vote_{pid}"], self[f"excuse_{pid}"])
            for pid, name in self.people
        ]

    @property
    def count_bound_fields(self) -> list[Any]:
        return [self[name] for name in self.count_names]

    @property
    def head_bound_fields(self) -> list[Any]:
        return [self[name] for name in ("held_at", "place", "chair", "notice_given_on")]

    def counts(self) -> dict[str, int]:
        return {name: int(self.cleaned_data.get(name) or 0) for name in self.count_names}

    def attendance(self) -> dict[int, tuple[str, str, str]]:
        data = self.cleaned_data
        return {
            pid: (
                data.get(f"att_{pid}") or Attendance.ABSENT,
                data.get(f"vote_{pid}") or "",
                data.get(f"excuse_{pid}") or "",
            )
            for pid, _name in self.people
        }


def count_fields_for(body: str) -> list[str]:
    """The paper counts asked for a body: a place's meeting counts villagers and households'
    representatives; a discussion takes no vote."""
    if body == MeetingBody.DISCUSSION:
        return ["present_adults", "present_household_reps", "present", "excused"]
    if body in (MeetingBody.VILLAGERS, MeetingBody.GROUP):
        return [
            "present_adults",
            "present_household_reps",
            "present",
            "yes",
            "no",
            "abstain",
            "excused",
        ]
    return ["present", "yes", "no", "abstain", "excused"]


def by_person_default(body: str) -> bool:
    return body not in COUNTED_BODIES


class AmendForm(forms.Form):
    """A labelled correction of a closed meeting's record (更正)."""

    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    chair = forms.CharField(label=_("主持人"), max_length=50, required=False)
    summary = _text(_("会议纪要"), required=False, rows=4, max_length=10000)
    reason = forms.CharField(label=_("更正原因"), max_length=300)

    def changes(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in ("place", "chair", "summary")}


# -- Steps on a matter's page -------------------------------------------------------------------


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=200)


class OverrideRequestForm(forms.Form):
    meeting = forms.IntegerField(widget=forms.HiddenInput)
    reason = _text(_("特别通过的理由"), rows=2, max_length=300)


class OverrideConfirmForm(forms.Form):
    meeting = forms.IntegerField(widget=forms.HiddenInput)


class ResultForm(forms.Form):
    result_text = _text(_("实施结果"), rows=4, max_length=5000)


class SolicitationForm(forms.Form):
    question = _text(_("征求内容"), rows=3, max_length=2000)
    closes_on = forms.DateField(label=_("截止日期"), widget=_date_widget())


class ReviewForm(forms.Form):
    """The supervision committee's review of a stage held: sign-off, or an objection."""

    stage = forms.TypedChoiceField(label=_("环节"), coerce=int)
    verdict = forms.ChoiceField(
        label=_("监督意见"), choices=ReviewVerdict.choices, widget=forms.RadioSelect
    )
    reason = _text(_("意见内容"), required=False, rows=2, max_length=2000)

    def __init__(self, *args: Any, stages: Sequence[Stage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stages = {stage.pk: stage for stage in stages}
        cast(forms.ChoiceField, self.fields["stage"]).choices = [
            (stage.pk, stage.get_kind_display()) for stage in stages
        ]

    def clean_stage(self) -> Stage:
        stage = self.stages.get(self.cleaned_data["stage"])
        if stage is None:
            raise forms.ValidationError(_("请选择已进行的环节"))
        return stage


class AnswerForm(forms.Form):
    review = forms.IntegerField(widget=forms.HiddenInput)
    answer = _text(_("“两委”答复"), rows=2, max_length=2000)


# -- Notices and opinions -----------------------------------------------------------------------


class NoticeForm(forms.Form):
    """A notice of a village: a matter's decision or result (its place and kind fixed by the
    matter), or an ordinary or financial disclosure of a village the user chooses."""

    node = forms.ChoiceField(label=_("村"))
    kind = forms.ChoiceField(label=_("公开类别"))
    title = forms.CharField(label=_("标题"), max_length=200)
    body = _text(_("正文"), rows=8, max_length=20000)
    major = forms.BooleanField(label=_("涉及村民利益的重大事项（随时公开）"), required=False)
    period_days = forms.IntegerField(
        label=_("公示天数"),
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self,
        *args: Any,
        villages: Sequence[GridNode],
        kinds: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.villages = {node.code: node for node in villages}
        node_field = cast(forms.ChoiceField, self.fields["node"])
        node_field.choices = [(node.code, node.name) for node in villages]
        if len(villages) > 1:
            node_field.choices = [("", _("请选择")), *node_field.choices]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (kind, NoticeKind(kind).label) for kind in kinds
        ]
        if len(kinds) == 1:
            self.fields["kind"].widget = forms.HiddenInput()
        if set(kinds) <= {NoticeKind.DECISION, NoticeKind.RESULT}:
            del self.fields["major"]  # a matter's notices are major matters by law
        if len(villages) == 1 and len(kinds) == 1:
            self.fields["node"].widget = forms.HiddenInput()

    def clean_node(self) -> GridNode:
        node = self.villages.get(self.cleaned_data["node"])
        if node is None:
            raise forms.ValidationError(_("请选择您可以办理的村"))
        return node


class OpinionForm(forms.Form):
    stance = forms.ChoiceField(label=_("意见"), choices=Stance.choices, widget=forms.RadioSelect)
    text = _text(_("意见内容"), required=False, rows=3, max_length=500)
    channel = forms.ChoiceField(
        label=_("方式"), choices=OpinionChannel.choices, initial=OpinionChannel.VISIT
    )


__all__ = [
    "AmendForm",
    "AnswerForm",
    "FilterIdField",
    "MatterFilterForm",
    "MatterForm",
    "MeetingForm",
    "NoticeFilterForm",
    "NoticeForm",
    "OpinionForm",
    "OverrideConfirmForm",
    "OverrideRequestForm",
    "ResultForm",
    "ReviewForm",
    "ScheduleForm",
    "SeedForm",
    "SolicitationForm",
    "TaskFilterForm",
    "WithdrawForm",
]
