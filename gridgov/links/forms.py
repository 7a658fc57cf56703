"""Forms of the link register's pages: the register's filters, a new link, ending a link, a new
linker and a linker's edit.

Forms check what a form can (required fields, choices, the household and person in scope); the
rules of links (capacity, exemptions, the same micro-grid) are the services', whose
``ValidationError`` the views put back on the fields with ``add_service_errors``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core.pages import FilterIdField
from gridgov.grid.pages import NodeFilterForm
from gridgov.people.models import Household, Person

from .models import Linker, LinkerKind
from .permissions import MANAGE_LINKS

MAX_OPTIONS = 1000


class LinkFilterForm(NodeFilterForm):
    """Filters of /links/register/: place, linker, in force / ended / all, across grids, q."""

    field_order = ["q", "under", "state", "cross", "linker"]

    q = forms.CharField(
        label=_("查找"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("户编号或联户人姓名")}),
    )
    state = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("在联")), ("ended", _("已结束")), ("all", _("全部"))],
    )
    cross = forms.ChoiceField(
        label=_("跨微网格"),
        required=False,
        choices=[("", _("跨微网格：不限")), ("1", _("仅跨微网格")), ("0", _("不跨微网格"))],
    )
    linker = FilterIdField(label=_("联户人"), widget=forms.HiddenInput)

    def in_force(self) -> bool | None:
        return {"": True, "ended": False, "all": None}.get(self.value("state"), True)

    def cross_grid(self) -> bool | None:
        return {"1": True, "0": False}.get(self.value("cross"))


def _linker_label(linker: Linker) -> str:
    """Name (kind, households linked now, micro-grid): ``load`` and ``microgrid_name`` are set
    by the view when known."""
    parts = [str(linker.get_kind_display())]
    load = getattr(linker, "load", None)
    if load is not None:
        parts.append(str(_("%(n)d户") % {"n": load}))
    microgrid = getattr(linker, "microgrid_name", "")
    if microgrid:
        parts.append(microgrid)
    return f"{linker.person.name}（{'，'.join(parts)}）"


class LinkForm(forms.Form):
    """A new link: a household by its number, a linker in scope, from a day."""

    household = forms.CharField(
        label=_("户编号"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    linker = forms.TypedChoiceField(label=_("联户人"), coerce=int)
    start_on = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    pinned = forms.BooleanField(label=_("双向选择（联户方案保留此关系）"), required=False)
    cross_grid_reason = forms.CharField(
        label=_("跨微网格原因"),
        required=False,
        max_length=200,
        help_text=_("联户人不在该户所在微网格时填写"),
    )
    replace = forms.BooleanField(label=_("该户已有联户人时，结束原联户关系并更换"), required=False)

    def __init__(self, *args: Any, user: Any, linkers: Iterable[Linker], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.linker_objects = {linker.pk: linker for linker in linkers}
        cast(forms.ChoiceField, self.fields["linker"]).choices = [
            ("", _("请选择")),
            *((pk, _linker_label(linker)) for pk, linker in self.linker_objects.items()),
        ]
        self.fields["start_on"].initial = timezone.localdate()

    def clean_household(self) -> Household:
        number = self.cleaned_data["household"].strip()
        household: Household | None = (
            Household.objects.restrict(self.user, MANAGE_LINKS).filter(number=number).first()
        )
        if household is None:
            raise forms.ValidationError(_("没有这个户编号，或不在您的范围内"))
        return household

    def clean_linker(self) -> Linker:
        linker = self.linker_objects.get(self.cleaned_data["linker"])
        if linker is None:
            raise forms.ValidationError(_("请选择可联户的联户人"))
        return linker


class LinkEndForm(forms.Form):
    reason = forms.CharField(label=_("结束原因"), max_length=200)
    end_on = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class _AccountField(forms.CharField):
    """The sign-in name of the account a linker uses (empty: none)."""

    def clean(self, value: Any) -> Any:
        name = super().clean(value).strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username=name, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("没有这个登录账号"))
        return user


class LinkerEditForm(forms.Form):
    """What a cadre changes on a linker (``services.LINKER_EDITABLE``)."""

    kind = forms.ChoiceField(label=_("联户人类型"), choices=LinkerKind.choices)
    phone_consent = forms.BooleanField(
        label=_("本人同意在连心卡和公示牌上公开电话"), required=False
    )
    cannot_link = forms.BooleanField(label=_("不能联户"), required=False)
    cannot_link_reason = forms.CharField(label=_("不能联户原因"), required=False, max_length=200)
    user = _AccountField(
        label=_("登录账号"),
        required=False,
        max_length=150,
        help_text=_("联户人用此账号登录后，首页显示其联系的户"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("cannot_link") and not (data.get("cannot_link_reason") or "").strip():
            self.add_error("cannot_link_reason", _("不能联户须写明原因"))
        return data


class LinkerForm(LinkerEditForm):
    """A new linker: a person in scope (party members first), their kind and consent."""

    field_order = ["person", "kind", "phone_consent", "cannot_link", "cannot_link_reason", "user"]

    person = forms.TypedChoiceField(label=_("人员"), coerce=int)

    def __init__(self, *args: Any, user: Any, under: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acting = user
        self.candidates = person_candidates(user, under=under)
        members = [(p.pk, p.name) for p in self.candidates if p.is_party_member]
        others = [(p.pk, p.name) for p in self.candidates if not p.is_party_member]
        cast(forms.ChoiceField, self.fields["person"]).choices = [
            ("", _("请选择")),
            *([(str(_("党员")), members)] if members else []),
            *([(str(_("其他人员")), others)] if others else []),
        ]

    def clean_person(self) -> Person:
        person = (
            Person.objects.restrict(self.acting, MANAGE_LINKS)
            .filter(pk=self.cleaned_data["person"])
            .first()
        )
        if person is None:
            raise forms.ValidationError(_("没有这个人员，或不在您的范围内"))
        return person


def person_candidates(user: Any, *, under: str = "") -> list[Person]:
    """People in scope who are not linkers yet, party members first (at most MAX_OPTIONS)."""
    qs = Person.objects.restrict(user, MANAGE_LINKS).filter(linker__isnull=True)
    if under:
        qs = qs.within(under)
    return list(
        qs.only("id", "name", "is_party_member", "grid_path").order_by(
            "-is_party_member", "grid_path", "name", "id"
        )[:MAX_OPTIONS]
    )
