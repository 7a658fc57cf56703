"""Changes to linkers and links (联户人, 联户关系). Every one is atomic and audited, names its
acting user, and refuses what the rules refuse with the field and the reason.

A link is never edited in place: it ends (``link_end``) and another starts, so the register is
its own history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check, object_update
from gridgov.people.models import Household, Person

from .eligibility import capacity_of, exemption_of, kind_refusal
from .models import Link, Linker, LinkPlan, LinkSource
from .rules import SAME_MICROGRID

LINKER_EDITABLE = {"kind", "cannot_link", "cannot_link_reason", "phone_consent", "user"}


def _today() -> dt.date:
    return timezone.localdate()


@transaction.atomic
def linker_create(
    *,
    person: Person,
    kind: str,
    by: Any,
    user: Any = None,
    phone_consent: bool = False,
    cannot_link: bool = False,
    cannot_link_reason: str = "",
) -> Linker:
    """Name ``person`` a linker of ``kind``, placed where their household lives."""
    acting_user_check(by)
    with acting_as(by):
        if Linker.objects.filter(person=person).exists():
            raise ValidationError({"person": _("此人已是联户人")})
        refusal = kind_refusal(person, kind)
        if refusal:
            raise ValidationError({"kind": refusal})
        linker = Linker(
            person=person,
            kind=kind,
            user=user,
            grid_path=person.grid_path,
            phone_consent=phone_consent,
            phone_consent_at=timezone.now() if phone_consent else None,
            cannot_link=cannot_link,
            cannot_link_reason=cannot_link_reason.strip(),
        )
        linker.full_clean()
        linker.save()
        audit_record(action="create", instance=linker, after=snapshot(linker))
        return linker


@transaction.atomic
def linker_update(*, linker: Linker, data: dict[str, Any], by: Any) -> Linker:
    """Edit a linker's kind, account, consent or "cannot link" flag. Consent is timed."""
    acting_user_check(by)
    with acting_as(by):
        unknown = set(data) - LINKER_EDITABLE
        if unknown:
            raise ValidationError({f: _("不能在此修改") for f in unknown})
        data = dict(data)
        refusal = kind_refusal(linker.person, data["kind"]) if "kind" in data else ""
        if refusal:
            raise ValidationError({"kind": refusal})
        if "cannot_link_reason" in data:
            data["cannot_link_reason"] = str(data["cannot_link_reason"]).strip()
        if data.get("phone_consent") and not linker.phone_consent:
            data["phone_consent_at"] = timezone.now()
        elif "phone_consent" in data and not data["phone_consent"]:
            data["phone_consent_at"] = None
        return object_update(instance=linker, data=data)


def open_links_count(linker: Linker) -> int:
    return Link.objects.filter(linker=linker, end_on__isnull=True).count()


def link_checks(
    *,
    linker: Linker,
    household: Household,
    cross_grid_reason: str,
    on: dt.date,
    extra_load: int = 0,
) -> None:
    """Refuse a new link the rules forbid: an exempt linker, a linker at capacity, or a link
    across micro-grids without a recorded reason. Shared by the service and the import."""
    exempt = exemption_of(linker, on=on)
    if exempt:
        raise ValidationError({"linker": _("此人不作联户要求（%(r)s）") % {"r": exempt}})
    crosses = linker.grid_path != household.grid_path
    if rule_value(SAME_MICROGRID) and crosses and not cross_grid_reason.strip():
        raise ValidationError(
            {"cross_grid_reason": _("联户人不在该户所在微网格，须写明跨微网格原因")}
        )
    high = capacity_of(linker.kind).high
    if open_links_count(linker) + extra_load >= high:
        raise ValidationError(
            {
                "linker": _("%(name)s已联系%(n)d户，达到上限%(high)d户")
                % {
                    "name": linker.person.name,
                    "n": open_links_count(linker) + extra_load,
                    "high": high,
                }
            }
        )


@transaction.atomic
def link_create(
    *,
    linker: Linker,
    household: Household,
    by: Any,
    start_on: dt.date | None = None,
    source: str = LinkSource.MANUAL,
    pinned: bool = False,
    cross_grid_reason: str = "",
    plan: LinkPlan | None = None,
    replace: bool = False,
    end_reason: str = "",
) -> Link:
    """Link ``household`` to ``linker`` from ``start_on`` (today by default).

    A household already linked is refused unless ``replace``: then its link in force ends the day
    before (or the same day, when it started that day) with ``end_reason``."""
    acting_user_check(by)
    with acting_as(by):
        start_on = start_on or _today()
        # Lock the household's links and the linker's row: two cadres linking at once serialize.
        Linker.objects.select_for_update().filter(pk=linker.pk).first()
        current = (
            Link.objects.select_for_update()
            .filter(household=household, end_on__isnull=True)
            .first()
        )
        if current is not None and current.linker_id == linker.pk:
            raise ValidationError({"household": _("该户已由此人联系")})
        link_checks(
            linker=linker, household=household, cross_grid_reason=cross_grid_reason, on=start_on
        )
        if current is not None:
            if not replace:
                raise ValidationError({"household": _("该户已有联户人，请先结束原联户关系")})
            _end(
                current,
                end_on=max(current.start_on, start_on - dt.timedelta(days=1)),
                reason=end_reason or _("更换联户人"),
            )
        link = Link(
            linker=linker,
            household=household,
            grid_path=household.grid_path,
            start_on=start_on,
            source=source,
            pinned=pinned,
            cross_grid_reason=cross_grid_reason.strip(),
            plan=plan,
        )
        link.full_clean(validate_constraints=False)
        link.save()
        audit_record(action="create", instance=link, after=snapshot(link))
        return link


def _end(link: Link, *, end_on: dt.date, reason: str) -> Link:
    before = snapshot(link)
    link.end_on = end_on
    link.end_reason = reason.strip()[:200]
    link.save(update_fields=["end_on", "end_reason"])
    audit_record(
        action="update",
        instance=link,
        before={k: before[k] for k in ("end_on", "end_reason")},
        after={"end_on": link.end_on, "end_reason": link.end_reason},
    )
    return link


@transaction.atomic
def link_end(*, link: Link, reason: str, by: Any, end_on: dt.date | None = None) -> Link:
    """End a link in force on ``end_on`` (today by default), with a reason."""
    acting_user_check(by)
    with acting_as(by):
        link = Link.objects.select_for_update().get(pk=link.pk)
        if link.end_on is not None:
            raise ValidationError({"end_on": _("该联户关系已结束")})
        if not reason.strip():
            raise ValidationError({"reason": _("请写明结束原因")})
        end_on = end_on or _today()
        if end_on < link.start_on:
            raise ValidationError({"end_on": _("结束日期早于开始日期")})
        return _end(link, end_on=end_on, reason=reason)
