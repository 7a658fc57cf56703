"""Visits (走访) and what follows from them: the late-entry label (补记), recall tasks, the
residents' matter a need found on a visit becomes, household events (四必到) and appraisals
(联户评议). Every change is atomic, audited and names its acting user.

A visit keeps the server's time of recording (``recorded_at``) beside the time the visitor
gives (``visited_at``): a visit recorded more than ``links.visit.late_entry_hours`` after it
took place is a late entry, labelled wherever it is listed, never silently back-dated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import user_assignments, user_may
from gridgov.cases.intake import PlaceOutOfScope, matter_create, photo_type
from gridgov.cases.models import Category, Channel, Matter
from gridgov.core.audit import audit_record, snapshot
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check
from gridgov.people.models import Household

from .models import (
    Appraisal,
    CardToken,
    EventKind,
    HouseholdEvent,
    Link,
    Linker,
    LinkerKind,
    TaskReason,
    TaskStatus,
    Visit,
    VisitHelp,
    VisitKind,
    VisitOutcome,
    VisitTask,
)
from .periods import appraisal_period, appraisal_period_bounds, period_bounds
from .permissions import MANAGE_LINKS, RECORD_VISIT
from .rules import (
    APPRAISAL_SCALE,
    EVENT_DEADLINE_DAYS,
    LATE_ENTRY_HOURS,
    RECALL_DAYS,
    VISIT_FREQUENCY,
)

# 一亲三心 (003): the kind of visit each role makes. County (and city) cadres 返乡走亲, town
# cadres 驻村联心, village cadres 入网知心, members and the others who link households 联户交心.
ROLE_VISIT_KIND: dict[str, str] = {
    Role.COUNTY_ADMIN: VisitKind.RETURN_HOME,
    Role.TOWN_CADRE: VisitKind.TOWN_STAY,
    Role.VILLAGE_CADRE: VisitKind.VILLAGE_GRID,
    Role.SUPERVISOR: VisitKind.VILLAGE_GRID,
    Role.GROUP_LEADER: VisitKind.LINK_TALK,
    Role.GRID_WORKER: VisitKind.LINK_TALK,
    Role.LINKED_MEMBER: VisitKind.LINK_TALK,
}
LINKER_VISIT_KIND: dict[str, str] = {
    LinkerKind.VILLAGE_CADRE: VisitKind.VILLAGE_GRID,
}
_KIND_ORDER = list(VisitKind.values)


def linker_of(user: Any) -> Linker | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return Linker.objects.filter(user_id=user.pk).select_related("person").first()


def visit_kinds_for(user: Any, *, linker: Linker | None = None) -> tuple[str, list[str]]:
    """(the default kind, the kinds that fit) for a visit by ``user`` (一亲三心): from the kind
    of linker they are and the roles they hold. Superusers and the server may record any."""
    linker = linker if linker is not None else linker_of(user)
    kinds: list[str] = []
    if linker is not None:
        kinds.append(LINKER_VISIT_KIND.get(linker.kind, VisitKind.LINK_TALK))
    roles = sorted(
        {role for _code, role in user_assignments(user)} if user is not None else set(),
        key=lambda r: list(Role.values).index(r) if r in Role.values else 99,
    )
    for role in roles:
        kind = ROLE_VISIT_KIND.get(role)
        if kind and kind not in kinds:
            kinds.append(kind)
    if user is None or getattr(user, "is_superuser", False):
        for kind in _KIND_ORDER:
            if kind not in kinds:
                kinds.append(kind)
    if not kinds:
        return "", []
    return kinds[0], sorted(kinds, key=_KIND_ORDER.index)


def link_in_force(household: Household) -> Link | None:
    return (
        Link.objects.filter(household=household, end_on__isnull=True)
        .select_related("linker__person")
        .first()
    )


def frequency_of(kind: str) -> dict[str, Any]:
    table: dict[str, dict[str, Any]] = rule_value(VISIT_FREQUENCY)
    return table.get(kind) or table.get("other") or {"per": "quarter", "each_household": 1}


def _check_point(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None):
        raise ValidationError({"lat": _("经纬度须同时填写")})
    if lat is not None and not -90 <= lat <= 90:
        raise ValidationError({"lat": _("纬度须在-90到90之间")})
    if lng is not None and not -180 <= lng <= 180:
        raise ValidationError({"lng": _("经度须在-180到180之间")})


def _check_helps(helps: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(helps))
    unknown = [h for h in chosen if h not in VisitHelp.values]
    if unknown:
        raise ValidationError({"helps": _("未知的帮带内容：%(h)s") % {"h": "、".join(unknown)}})
    return [h for h in VisitHelp.values if h in chosen]


def _require_scope(by: Any, action: str, path: str) -> None:
    if by is not None and not user_may(by, action, path):
        raise PermissionDenied(_("该户不在您负责的网格内"))


def _audit_create(instance: Any) -> None:
    audit_record(action="create", instance=instance, after=_snapshot(instance))


def _snapshot(instance: Any) -> dict[str, Any]:
    """``core.audit.snapshot``, with a file field logged by its stored name."""
    files = [f for f in instance._meta.concrete_fields if isinstance(f, models.FileField)]
    if not files:
        return snapshot(instance)
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.FileField):
            value = value.name or ""
        elif isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        data[field.attname] = value
    return data


def is_late(*, visited_at: dt.datetime, recorded_at: dt.datetime) -> bool:
    """补记: recorded more than ``links.visit.late_entry_hours`` after the visit (exactly that
    many hours is still on time)."""
    return recorded_at - visited_at > dt.timedelta(hours=float(rule_value(LATE_ENTRY_HOURS)))


@transaction.atomic
def visit_record(
    *,
    household: Household,
    by: Any,
    kind: str = "",
    outcome: str,
    helps: Iterable[str] = (),
    notes: str = "",
    suggestions: str = "",
    suggestions_count: int | None = None,
    visited_at: dt.datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    photo: UploadedFile | None = None,
) -> Visit:
    """Record a visit to ``household`` by the user ``by``.

    ``kind`` defaults to the visitor's (``visit_kinds_for``) and must fit them. Not at home: a
    recall task due in ``links.visit.recall_days``. Met: the household's open tasks held by the
    visitor (or by nobody) are done. ``suggestions_count`` defaults to the number of non-empty
    lines of ``suggestions``."""
    acting_user_check(by)
    if by is None:
        raise ValidationError({"visitor": _("走访须有走访人")})
    with acting_as(by):
        _require_scope(by, RECORD_VISIT, household.grid_path)
        recorded_at = timezone.now()
        visited_at = visited_at or recorded_at
        if timezone.is_naive(visited_at):
            visited_at = timezone.make_aware(visited_at)
        if visited_at > recorded_at:
            raise ValidationError({"visited_at": _("走访时间不能晚于现在")})
        linker = linker_of(by)
        default_kind, kinds = visit_kinds_for(by, linker=linker)
        kind = kind or default_kind
        if kind not in VisitKind.values:
            raise ValidationError({"kind": _("未知的走访类型")})
        if kind not in kinds:
            raise ValidationError(
                {
                    "kind": _("“%(k)s”不适合您的身份，可选：%(ok)s")
                    % {
                        "k": VisitKind(kind).label,
                        "ok": "、".join(str(VisitKind(k).label) for k in kinds) or "-",
                    }
                }
            )
        if outcome not in VisitOutcome.values:
            raise ValidationError({"outcome": _("请选择走访结果")})
        _check_point(lat, lng)
        suggestions = suggestions.strip()
        if suggestions_count is None:
            suggestions_count = len([line for line in suggestions.splitlines() if line.strip()])
        if suggestions_count < 0:
            raise ValidationError({"suggestions_count": _("条数不能为负")})
        if photo is not None:
            try:
                photo_type(photo)
            except ValidationError as exc:
                raise ValidationError(
                    {"photo": exc.message_dict.get("photos", exc.messages)}
                ) from None
        visit = Visit(
            household=household,
            grid_path=household.grid_path,
            visitor=by,
            linker=linker,
            kind=kind,
            visited_at=visited_at,
            recorded_at=recorded_at,
            late_entry=is_late(visited_at=visited_at, recorded_at=recorded_at),
            outcome=outcome,
            helps=_check_helps(helps),
            notes=notes.strip(),
            suggestions=suggestions,
            suggestions_count=suggestions_count,
            lat=lat,
            lng=lng,
        )
        if photo is not None:
            visit.photo = photo
        visit.full_clean(exclude=["photo"])
        visit.save()
        if outcome == VisitOutcome.NOT_HOME:
            holder = linker
            if holder is None:
                current = link_in_force(household)
                holder = current.linker if current is not None else None
            task = VisitTask(
                household=household,
                grid_path=household.grid_path,
                linker=holder,
                reason=TaskReason.RECALL,
                due_on=timezone.localtime(visited_at).date()
                + dt.timedelta(days=int(rule_value(RECALL_DAYS))),
            )
            task.save()
            _audit_create(task)
        else:
            closed = _close_tasks(visit)
            if closed:
                visit.task = closed[0]
                visit.save(update_fields=["task"])
        _audit_create(visit)
        return visit


def _close_tasks(visit: Visit) -> list[VisitTask]:
    """The household's open tasks this met visit fulfils: held by the visitor's linker record
    or by nobody; a routine task only by a visit in its period, an event task only by a visit
    on or after the event."""
    holders = Q(linker__isnull=True)
    if visit.linker_id is not None:
        holders |= Q(linker_id=visit.linker_id)
    day = timezone.localtime(visit.visited_at).date()
    closed: list[VisitTask] = []
    tasks = (
        VisitTask.objects.select_for_update(of=("self",))
        .select_related("event", "linker")
        .filter(holders, household_id=visit.household_id, status=TaskStatus.OPEN)
        .order_by("due_on", "id")
    )
    for task in tasks:
        if task.reason == TaskReason.EVENT and task.event and task.event.occurred_on > day:
            continue
        if task.reason == TaskReason.ROUTINE:
            per = frequency_of(task.linker.kind if task.linker else "other").get("per", "quarter")
            if day < period_bounds(task.due_on, per)[0]:
                continue
        task.status = TaskStatus.DONE
        task.closed_at = visit.recorded_at
        task.save(update_fields=["status", "closed_at"])
        audit_record(
            action="update",
            instance=task,
            before={"status": TaskStatus.OPEN},
            after={"status": TaskStatus.DONE, "visit": visit.pk},
        )
        closed.append(task)
    return closed


@transaction.atomic
def visit_to_matter(
    *, visit: Visit, by: Any, category: Category, title: str = "", description: str
) -> Matter:
    """A need found on a visit becomes a residents' matter (民情事项) in one step, through the
    cases app's intake (channel 走访), routed to the household, and linked to the visit."""
    acting_user_check(by)
    with acting_as(by):
        visit = (
            Visit.objects.select_for_update()
            .select_related("household__microgrid")
            .get(pk=visit.pk)
        )
        if visit.matter_id is not None:
            raise ValidationError({"matter": _("该走访已转为民情事项")})
        title = title.strip()
        text = description.strip()
        if title and text:
            text = f"{title}：{text}"
        elif title:
            text = title
        try:
            matter = matter_create(
                category=category,
                description=text,
                channel=Channel.VISIT,
                reporter_user=by,
                household=visit.household,
                lat=visit.lat,
                lng=visit.lng,
                acting_user=by,
                attributes={"visit": visit.pk},
            )
        except PlaceOutOfScope as exc:
            raise PermissionDenied(exc.args[0]) from None
        visit.matter = matter
        visit.save(update_fields=["matter"])
        audit_record(
            action="update",
            instance=visit,
            before={"matter_id": None},
            after={"matter_id": matter.pk},
        )
        return matter


@transaction.atomic
def household_event_record(
    *,
    household: Household,
    kind: str,
    occurred_on: dt.date,
    note: str = "",
    by: Any,
) -> HouseholdEvent:
    """Record an event (四必到) and give the household's linker in force a visit task due
    ``links.visit.event_deadline_days[kind]`` days after it; a household without a linker gets
    a task held by nobody, for its micro-grid (shown as unassigned)."""
    acting_user_check(by)
    with acting_as(by):
        _require_scope(by, RECORD_VISIT, household.grid_path)
        return _event_create(
            household=household, kind=kind, occurred_on=occurred_on, note=note, by=by
        )


def _event_create(
    *, household: Household, kind: str, occurred_on: dt.date, note: str, by: Any
) -> HouseholdEvent:
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("未知的事件类型")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("发生日期不能晚于今天")})
    event = HouseholdEvent(
        household=household,
        grid_path=household.grid_path,
        kind=kind,
        occurred_on=occurred_on,
        note=note.strip(),
        recorded_at=timezone.now(),
        recorded_by=by,
    )
    event.full_clean()
    event.save()
    _audit_create(event)
    days: dict[str, int] = rule_value(EVENT_DEADLINE_DAYS)
    current = link_in_force(household)
    task = VisitTask(
        household=household,
        grid_path=household.grid_path,
        linker=current.linker if current is not None else None,
        reason=TaskReason.EVENT,
        event=event,
        due_on=occurred_on + dt.timedelta(days=int(days.get(kind, 7))),
    )
    task.save()
    _audit_create(task)
    return event


def household_changed(*, household: Household, before: dict[str, Any], by: Any) -> None:
    """``people.services.HOUSEHOLD_CHANGE_HOOKS``: a household newly 低保 or newly under
    防返贫监测 in the registry gets its event (and its visit task)."""
    note = _("户籍登记变更自动生成")
    today = timezone.localdate()
    kinds = []
    if "is_dibao" in before and not before["is_dibao"] and household.is_dibao:
        kinds.append(EventKind.DIBAO)
    if "monitoring_type" in before and not before["monitoring_type"] and household.monitoring_type:
        kinds.append(EventKind.MONITORING)
    with acting_as(by):
        for kind in kinds:
            _event_create(household=household, kind=kind, occurred_on=today, note=note, by=by)


@transaction.atomic
def appraisal_record(
    *, household: Household, linker: Linker, period: str, score: int, by: Any
) -> Appraisal:
    """A household's score of its linker for a period (联户评议), entered by a cadre on its
    behalf. One per household per period; the score within ``links.appraisal.scale``; the
    linker must have linked the household during the period, and may not enter their own."""
    acting_user_check(by)
    with acting_as(by):
        _require_scope(by, MANAGE_LINKS, household.grid_path)
        if by is not None and linker.user_id == by.pk:
            raise ValidationError({"linker": _("不能评议自己")})
        return _appraisal_create(household=household, linker=linker, period=period, score=score)


@transaction.atomic
def appraisal_by_card(*, token: CardToken, score: int) -> Appraisal:
    """The household's own score of its linker in force, from the phone page its contact card
    opens (the card is the household's: no account). The current period only, once."""
    if token.revoked_at is not None or token.expires_at <= timezone.now():
        raise ValidationError({"token": _("这张连心卡已停用或过期")})
    household = token.household
    link = Link.objects.filter(household=household, end_on__isnull=True).first()
    if link is None:
        raise ValidationError({"linker": _("该户还没有联户人")})
    period = appraisal_period(timezone.localdate())
    return _appraisal_create(household=household, linker=link.linker, period=period, score=score)


def _appraisal_create(
    *, household: Household, linker: Linker, period: str, score: int
) -> Appraisal:
    start, end = appraisal_period_bounds(period)
    period = period.strip()
    if start > timezone.localdate():
        raise ValidationError({"period": _("评议期尚未开始")})
    low, high = (int(v) for v in rule_value(APPRAISAL_SCALE))
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise ValidationError(
            {"score": _("评分须在%(low)d到%(high)d之间") % {"low": low, "high": high}}
        )
    linked = Link.objects.filter(household=household, linker=linker, start_on__lte=end).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=start)
    )
    if not linked.exists():
        raise ValidationError({"linker": _("评议期内此人未联系该户")})
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if Appraisal.objects.filter(household=household, period=period).exists():
        raise ValidationError({"period": _("该户本评议期已评议")})
    appraisal = Appraisal(
        household=household,
        grid_path=household.grid_path,
        linker=linker,
        period=period,
        score=score,
    )
    appraisal.full_clean()
    appraisal.save()
    # The score stays out of the log: only aggregates are ever shown.
    audit_record(
        action="create",
        instance=appraisal,
        after={"household_id": household.pk, "linker_id": linker.pk, "period": period},
    )
    return appraisal
