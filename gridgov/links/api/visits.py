"""The REST API of the links app's visits part; mounted by ``api/router.py`` at "".

Visits (/visits), a visit turned into a residents' matter (/visits/{id}/matter), visit tasks
(/visit-tasks), household events (/household-events), compliance (/visits/compliance) and
appraisals (/appraisals: POST one, GET aggregates only). Reads need "view" on the row's place;
recording needs "record_visit" there, an appraisal "manage_links". Out of scope is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gridgov.accounts.permissions import VIEW
from gridgov.cases.permissions import REPORT_MATTER
from gridgov.cases.selectors import active_category
from gridgov.core.apischemas import Choice, IsoDate, UnderQuery, WriteSchema, choice
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    NotFound,
    auth_user,
    get_visible,
    paginate,
    scoped_write,
)
from gridgov.grid.models import GridNode
from gridgov.grid.selectors import visible_roots
from gridgov.people.models import Household

from ..compliance import ComplianceRow, compliance
from ..models import (
    Appraisal,
    EventKind,
    HouseholdEvent,
    Linker,
    TaskStatus,
    Visit,
    VisitHelp,
    VisitKind,
    VisitOutcome,
    VisitTask,
)
from ..periods import appraisal_period, period_bounds
from ..permissions import MANAGE_LINKS, RECORD_VISIT
from ..visit_selectors import appraisal_figures, event_list, task_list, visit_list
from ..visits import (
    appraisal_record,
    household_event_record,
    linker_of,
    visit_record,
    visit_to_matter,
)

router = Router(tags=["走访"])


# -- schemas ----------------------------------------------------------------------------------


class LinkerRef(Schema):
    id: int
    name: str


def _linker_ref(linker: Linker | None) -> dict[str, Any] | None:
    return {"id": linker.pk, "name": linker.person.name} if linker is not None else None


class VisitOut(Schema):
    id: int
    household: str
    visitor: str
    linker: LinkerRef | None
    kind: Choice
    visited_at: dt.datetime
    recorded_at: dt.datetime
    late_entry: bool = Field(..., description="补记：走访后超过规定时限才登记")
    outcome: Choice
    helps: list[Choice]
    notes: str
    suggestions: str
    suggestions_count: int
    lat: float | None
    lng: float | None
    has_photo: bool
    matter: str | None = Field(None, description="转成的民情事项编号")

    @staticmethod
    def resolve_household(obj: Visit) -> str:
        return str(obj.household.number)

    @staticmethod
    def resolve_visitor(obj: Visit) -> str:
        return obj.visitor.get_full_name() or obj.visitor.username

    @staticmethod
    def resolve_linker(obj: Visit) -> dict[str, Any] | None:
        return _linker_ref(obj.linker)

    @staticmethod
    def resolve_kind(obj: Visit) -> dict[str, str]:
        return choice(obj, "kind")

    @staticmethod
    def resolve_outcome(obj: Visit) -> dict[str, str]:
        return choice(obj, "outcome")

    @staticmethod
    def resolve_helps(obj: Visit) -> list[dict[str, str]]:
        return [{"code": h, "label": str(VisitHelp(h).label)} for h in obj.helps]

    @staticmethod
    def resolve_has_photo(obj: Visit) -> bool:
        return bool(obj.photo)

    @staticmethod
    def resolve_matter(obj: Visit) -> str | None:
        return obj.matter.number if obj.matter_id and obj.matter else None


class VisitPage(Schema):
    count: int
    items: list[VisitOut]


class VisitQuery(UnderQuery):
    household: str = Field("", max_length=32, pattern=r"^[^\x00]*$", description="户编号")
    linker: int | None = Field(None, ge=1, description="联户人编号")
    kind: str = Field("", max_length=16, pattern=r"^[a-z_]*$", description="走访类型")
    outcome: str = Field("", max_length=10, pattern=r"^[a-z_]*$", description="结果")
    late: bool | None = Field(None, description="只列补记（true）或按时登记（false）")
    start: IsoDate | None = Field(None, description="走访日期起")
    end: IsoDate | None = Field(None, description="走访日期止")


class VisitCreate(WriteSchema):
    household: str = Field(..., max_length=32, description="户编号")
    kind: str = Field("", max_length=16, description="走访类型（一亲三心）；空：按走访人身份")
    outcome: str = Field(..., max_length=10, description="met 已见面 / not_home 不在家")
    helps: list[str] = Field([], max_length=5, description="传帮带：policy dispute hardship …")
    notes: str = Field("", max_length=5000)
    suggestions: str = Field("", max_length=5000, description="收集的意见建议，每行一条")
    suggestions_count: int | None = Field(None, ge=0, le=1000)
    visited_at: dt.datetime | None = Field(None, description="走访时间；空：现在。不能晚于现在")
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class VisitMatterIn(WriteSchema):
    category: str = Field(..., max_length=32, description="事项类别代码")
    title: str = Field("", max_length=60)
    description: str = Field(..., max_length=5000)


class MatterRefOut(Schema):
    number: str
    visit: int


class TaskOut(Schema):
    id: int
    household: str
    linker: LinkerRef | None = Field(None, description="空：未分配，由微网格负责")
    reason: Choice
    event: Choice | None
    due_on: dt.date
    status: Choice
    overdue: bool
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_household(obj: VisitTask) -> str:
        return str(obj.household.number)

    @staticmethod
    def resolve_linker(obj: VisitTask) -> dict[str, Any] | None:
        return _linker_ref(obj.linker)

    @staticmethod
    def resolve_reason(obj: VisitTask) -> dict[str, str]:
        return choice(obj, "reason")

    @staticmethod
    def resolve_event(obj: VisitTask) -> dict[str, str] | None:
        return choice(obj.event, "kind") if obj.event_id and obj.event else None

    @staticmethod
    def resolve_status(obj: VisitTask) -> dict[str, str]:
        return choice(obj, "status")

    @staticmethod
    def resolve_overdue(obj: VisitTask) -> bool:
        return obj.status == TaskStatus.OPEN and obj.due_on < timezone.localdate()


class TaskPage(Schema):
    count: int
    items: list[TaskOut]


class TaskQuery(UnderQuery):
    mine: bool = Field(False, description="只列我（联户人账号）的任务")
    linker: int | None = Field(None, ge=1)
    unassigned: bool = Field(False, description="只列未分配的")
    status: str = Field("", max_length=10, pattern=r"^[a-z_]*$")
    reason: str = Field("", max_length=8, pattern=r"^[a-z_]*$")
    overdue: bool = Field(False, description="只列逾期未走访的")


class EventOut(Schema):
    id: int
    household: str
    kind: Choice
    occurred_on: dt.date
    note: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_household(obj: HouseholdEvent) -> str:
        return str(obj.household.number)

    @staticmethod
    def resolve_kind(obj: HouseholdEvent) -> dict[str, str]:
        return choice(obj, "kind")


class EventPage(Schema):
    count: int
    items: list[EventOut]


class EventQuery(UnderQuery):
    household: str = Field("", max_length=32, pattern=r"^[^\x00]*$")
    kind: str = Field("", max_length=12, pattern=r"^[a-z_]*$")


class EventCreate(WriteSchema):
    household: str = Field(..., max_length=32)
    kind: str = Field(..., max_length=12, description="death hospital dibao monitoring disaster")
    occurred_on: dt.date
    note: str = Field("", max_length=200)


class ComplianceRowOut(Schema):
    key: str | None
    label: str
    due: int
    done: int
    overdue: int
    visits: int
    late: int
    done_rate: float | None
    late_share: float | None


class FiguresOut(Schema):
    visitors: int = Field(..., description="走访干部人数")
    households: int = Field(..., description="走访见面户数")
    visits: int
    suggestions: int = Field(..., description="收集意见建议条数")
    matters: int = Field(..., description="转为民情事项数")
    solved: int = Field(..., description="其中已办结")


class ComplianceOut(Schema):
    node: str
    start: dt.date
    end: dt.date
    total: ComplianceRowOut
    children: list[ComplianceRowOut]
    linkers: list[ComplianceRowOut]
    unassigned: ComplianceRowOut
    figures: FiguresOut


class ComplianceQuery(Schema):
    node: str = Field("", max_length=18, pattern=r"^\d*$", description="网格代码；空：我的最高网格")
    start: IsoDate | None = Field(None, description="起；空：本季度第一天")
    end: IsoDate | None = Field(None, description="止；空：本季度最后一天")


class AppraisalCreate(WriteSchema):
    household: str = Field(..., max_length=32)
    linker: int = Field(..., ge=1)
    period: str = Field("", max_length=8, description="评议期，如 2026H1；空：本期")
    score: int


class AppraisalCreated(Schema):
    household: str
    period: str


class AppraisalFigureOut(Schema):
    key: str | int | None
    label: str
    period: str
    answers: int
    mean: float | None = Field(None, description="平均分；作答户数少于规定数时不显示")


class AppraisalQuery(Schema):
    under: str = Field("", max_length=18, pattern=r"^\d*$")
    period: str = Field("", max_length=8, pattern=r"^[0-9HQP-]*$")
    by: str = Field("linker", pattern=r"^(linker|grid)$", description="linker 或 grid")


# -- helpers ----------------------------------------------------------------------------------


def _household(user: Any, number: str, action: str) -> Household:
    household: Household = get_visible(
        Household.objects, user, action, what=_("户%(n)s") % {"n": number}, number=number
    )
    return household


def _visit_label(visit_id: int) -> str:
    return _("走访记录%(n)s") % {"n": visit_id}


VISIT_READ = Visit.objects.select_related("household", "linker__person", "visitor", "matter")


def _row(row: ComplianceRow) -> dict[str, Any]:
    return {
        "key": None if row.key is None else str(row.key),
        "label": row.label,
        "due": row.due,
        "done": row.done,
        "overdue": row.overdue,
        "visits": row.visits,
        "late": row.late,
        "done_rate": row.done_rate,
        "late_share": row.late_share,
    }


def _choice_check(value: str, values: list[str], field: str) -> None:
    if value and value not in values:
        raise ValidationError({field: _("应为以下之一：%(v)s") % {"v": "、".join(values)}})


# -- operations -------------------------------------------------------------------------------


@router.get("/visits", response={200: VisitPage, **ERRORS_READ}, summary="走访记录")
def visit_list_api(request: HttpRequest, query: Query[VisitQuery]) -> Any:
    """Newest first; ``late`` filters 补记."""
    user = auth_user(request)
    household = None
    if query.household:
        household = _household(user, query.household, VIEW).pk
    qs = visit_list(
        Visit.objects.restrict(user, VIEW),
        under=query.under,
        household=household,
        linker=query.linker,
        kind=query.kind,
        outcome=query.outcome,
        late=query.late,
        start=query.start,
        end=query.end,
    )
    return paginate(qs, query)


@router.get(
    "/visits/compliance", response={200: ComplianceOut, **ERRORS_READ}, summary="走访落实情况"
)
def visit_compliance_api(request: HttpRequest, query: Query[ComplianceQuery]) -> Any:
    """Per child node and per linker: due, done, overdue, visits, 补记; and the node's
    figures (cadres visiting, households visited, suggestions, matters and those solved)."""

    user = auth_user(request)
    code = query.node
    if not code:
        roots = visible_roots(user)
        if not roots:
            raise NotFound(_("网格"))
        code = roots[0].code
    node = get_visible(GridNode.objects, user, what=_("网格%(c)s") % {"c": code}, code=code)
    first, last = period_bounds(timezone.localdate(), "quarter")
    start, end = query.start or first, query.end or last
    if end < start:
        raise ValidationError({"end": _("截止日期不能早于起始日期")})
    result = compliance(
        node,
        start=start,
        end=end,
        tasks=VisitTask.objects.restrict(user, VIEW),
        visits=Visit.objects.restrict(user, VIEW),
    )
    return {
        "node": node.code,
        "start": start,
        "end": end,
        "total": _row(result.total),
        "children": [_row(r) for r in result.children],
        "linkers": [_row(r) for r in result.linkers],
        "unassigned": _row(result.unassigned),
        "figures": vars(result.figures),
    }


@router.get("/visits/{int:visit_id}", response={200: VisitOut, **ERRORS_READ}, summary="走访详情")
def visit_get_api(request: HttpRequest, visit_id: int) -> Any:
    return get_visible(VISIT_READ, auth_user(request), what=_visit_label(visit_id), pk=visit_id)


@router.post("/visits", response={201: VisitOut, **ERRORS_WRITE}, summary="登记走访")
def visit_create_api(request: HttpRequest, payload: VisitCreate) -> Any:
    """Server time is the recording time; ``visited_at`` more than the rule's hours earlier is
    labelled 补记; a time in the future is refused. Not at home: a recall task."""
    user = auth_user(request)
    household = _household(user, payload.household, RECORD_VISIT)
    _choice_check(payload.kind, list(VisitKind.values), "kind")
    _choice_check(payload.outcome, list(VisitOutcome.values), "outcome")
    visit = scoped_write(
        user,
        Visit,
        RECORD_VISIT,
        lambda: visit_record(
            household=household,
            by=user,
            kind=payload.kind,
            outcome=payload.outcome,
            helps=payload.helps,
            notes=payload.notes,
            suggestions=payload.suggestions,
            suggestions_count=payload.suggestions_count,
            visited_at=payload.visited_at,
            lat=payload.lat,
            lng=payload.lng,
        ),
    )
    return Status(201, VISIT_READ.get(pk=visit.pk))


@router.post(
    "/visits/{int:visit_id}/matter",
    response={201: MatterRefOut, **ERRORS_WRITE},
    summary="走访转为民情事项",
)
def visit_matter_api(request: HttpRequest, visit_id: int, payload: VisitMatterIn) -> Any:
    """A need found on the visit becomes a matter (channel 走访) routed to the household."""
    user = auth_user(request)
    visit = get_visible(Visit.objects, user, RECORD_VISIT, what=_visit_label(visit_id), pk=visit_id)
    get_visible(Visit.objects, user, REPORT_MATTER, what=_visit_label(visit_id), pk=visit_id)
    category = active_category(payload.category)
    if category is None:
        raise ValidationError({"category": _("未知的类别%(c)s") % {"c": payload.category}})
    matter = visit_to_matter(
        visit=visit,
        by=user,
        category=category,
        title=payload.title,
        description=payload.description,
    )
    return Status(201, {"number": matter.number, "visit": visit.pk})


@router.get("/visit-tasks", response={200: TaskPage, **ERRORS_READ}, summary="走访任务")
def visit_task_list_api(request: HttpRequest, query: Query[TaskQuery]) -> Any:
    """Earliest deadline first; ``mine`` the signed-in linker's; ``overdue`` open past due."""
    user = auth_user(request)
    linker = query.linker
    if query.mine:
        own = linker_of(user)
        if own is None:
            return {"count": 0, "items": []}
        linker = own.pk
    qs = task_list(
        VisitTask.objects.restrict(user, VIEW),
        under=query.under,
        linker=linker,
        unassigned=query.unassigned,
        status=query.status,
        reason=query.reason,
        overdue=query.overdue,
    )
    return paginate(qs, query)


@router.get("/household-events", response={200: EventPage, **ERRORS_READ}, summary="户事件")
def household_event_list_api(request: HttpRequest, query: Query[EventQuery]) -> Any:
    user = auth_user(request)
    household = _household(user, query.household, VIEW).pk if query.household else None
    qs = event_list(
        HouseholdEvent.objects.restrict(user, VIEW),
        under=query.under,
        household=household,
        kind=query.kind,
    )
    return paginate(qs, query)


@router.post(
    "/household-events", response={201: EventOut, **ERRORS_WRITE}, summary="登记户事件（四必到）"
)
def household_event_create_api(request: HttpRequest, payload: EventCreate) -> Any:
    """The household's linker gets a visit task due within the rule's days for the kind."""
    user = auth_user(request)
    household = _household(user, payload.household, RECORD_VISIT)
    _choice_check(payload.kind, list(EventKind.values), "kind")
    event = scoped_write(
        user,
        HouseholdEvent,
        RECORD_VISIT,
        lambda: household_event_record(
            household=household,
            kind=payload.kind,
            occurred_on=payload.occurred_on,
            note=payload.note,
            by=user,
        ),
    )
    return Status(201, event)


@router.post(
    "/appraisals", response={201: AppraisalCreated, **ERRORS_WRITE}, summary="登记联户评议"
)
def appraisal_create_api(request: HttpRequest, payload: AppraisalCreate) -> Any:
    """Entered by a cadre on the household's behalf; one per household per period. The score
    is never shown back: only aggregates are."""
    user = auth_user(request)
    household = _household(user, payload.household, MANAGE_LINKS)
    linker = get_visible(
        Linker.objects.select_related("person"),
        user,
        VIEW,
        what=_("联户人%(n)s") % {"n": payload.linker},
        pk=payload.linker,
    )
    period = payload.period or appraisal_period(timezone.localdate())
    appraisal = scoped_write(
        user,
        Appraisal,
        MANAGE_LINKS,
        lambda: appraisal_record(
            household=household, linker=linker, period=period, score=payload.score, by=user
        ),
    )
    return Status(201, {"household": household.number, "period": appraisal.period})


@router.get(
    "/appraisals", response={200: list[AppraisalFigureOut], **ERRORS_READ}, summary="联户评议汇总"
)
def appraisal_figures_api(request: HttpRequest, query: Query[AppraisalQuery]) -> Any:
    """Aggregates only, per linker or per micro-grid and period: the mean is null below the
    minimum number of answers (``links.appraisal.min_shown``)."""
    user = auth_user(request)
    figures = appraisal_figures(
        Appraisal.objects.restrict(user, VIEW), under=query.under, period=query.period, by=query.by
    )
    return [vars(f) for f in figures]
