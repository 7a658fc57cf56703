"""Forms of the steps of a matter's lifecycle: one small form per action of the transition
table (``cases.transitions``), with the choices the detail page offers (assignees,
departments, duplicates). The rules stay in ``cases.services``; see ``forms``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from gridgov.core.rules import rule_value

from .forms import text_field
from .models import Matter, Satisfaction
from .rules import (
    EXTENSION_MAX_WORKDAYS,
)


@dataclass
class ActionChoices:
    """What the select fields of the step forms offer, computed once per page by the view."""

    assignees: Mapping[int, Any] = field(default_factory=dict)  # user pk → user
    assignee_labels: list[tuple[int, str]] = field(default_factory=list)
    departments: Mapping[int, Any] = field(default_factory=dict)  # pk → Department
    duplicates: Mapping[str, Matter] = field(default_factory=dict)  # number → Matter
    duplicate_labels: list[tuple[str, str]] = field(default_factory=list)


class ActionForm(forms.Form):
    """A step's fields are named as the service's parameters, so that its errors land on them."""

    def __init__(self, *args: Any, action: str, choices: ActionChoices, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{action}_%s")  # several forms on one page
        super().__init__(*args, **kwargs)
        self.action = action
        self.choices = choices

    def params(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AssignForm(ActionForm):
    assignee = forms.TypedChoiceField(label=_("承办人"), coerce=int)
    note = text_field(_("说明（内部）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("— 请选择 —")), *self.choices.assignee_labels]

    def params(self) -> dict[str, Any]:
        return {
            **self.cleaned_data,
            "assignee": self.choices.assignees[self.cleaned_data["assignee"]],
        }


class EmptyForm(ActionForm):
    """签收, 归档: nothing to fill in."""


class ReasonForm(ActionForm):
    reason = text_field(_("理由"))


class NoteForm(ActionForm):
    public_note = text_field(_("办理进展（群众可见）"))
    note = text_field(_("内部说明"), required=False)


class SettleForm(ActionForm):
    answer = text_field(_("答复群众（群众可见）"), rows=3)
    note = text_field(_("内部说明"), required=False)


class DeclineForm(ActionForm):
    answer = text_field(_("不予受理的理由（群众可见）"), rows=3)


class ReviewForm(ActionForm):
    satisfaction = forms.ChoiceField(
        label=_("评价"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = text_field(_("意见"), required=False, max_length=500)


class TransferForm(ActionForm):
    department = forms.TypedChoiceField(label=_("转办部门"), coerce=int)
    reason = text_field(_("理由"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", _("— 请选择 —")),
            *((pk, d.name) for pk, d in self.choices.departments.items()),
        ]

    def params(self) -> dict[str, Any]:
        pk = self.cleaned_data["department"]
        return {**self.cleaned_data, "department": self.choices.departments[pk]}


class ExtensionRequestForm(ActionForm):
    workdays = forms.IntegerField(label=_("延期工作日数"), min_value=1)
    reason = text_field(_("理由"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = rule_value(EXTENSION_MAX_WORKDAYS)
        self.fields["workdays"].max_value = limit
        self.fields["workdays"].validators.append(MaxValueValidator(limit))
        self.fields["workdays"].widget.attrs.update({"min": 1, "max": limit})
        self.fields["workdays"].help_text = _("最多%(n)s个工作日，须上级批准") % {"n": limit}


class DecideForm(ActionForm):
    note = text_field(_("说明"), required=False)


class SuperviseForm(ActionForm):
    note = text_field(_("督办意见"))


class MergeForm(ActionForm):
    into = forms.ChoiceField(label=_("合并到"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = self.choices.duplicate_labels

    def params(self) -> dict[str, Any]:
        return {"into": self.choices.duplicates[self.cleaned_data["into"]]}


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "assign": AssignForm,
    "sign": EmptyForm,
    "return": ReasonForm,
    "note": NoteForm,
    "settle": SettleForm,
    "decline": DeclineForm,
    "review": ReviewForm,
    "reopen": ReasonForm,
    "archive": EmptyForm,
    "escalate": ReasonForm,
    "transfer": TransferForm,
    "request_extension": ExtensionRequestForm,
    "approve_extension": DecideForm,
    "reject_extension": DecideForm,
    "supervise": SuperviseForm,
    "merge": MergeForm,
}


def action_form(action: str, choices: ActionChoices, data: Any = None) -> ActionForm:
    return ACTION_FORMS[action](data, action=action, choices=choices)


# ---------------------------------------------------------------------------------------------
# Resident's steps on the tracking page
