"""The important-matters pages (重要事项决策): the list with "waiting for me", a new matter, a
matter's page with its stages, meetings, reviews, notices and opinions and the steps the user
may take, and the town's overview of every village.

Reads are scoped (out of scope answers 404, never a hint); a step the user may see but not take
answers 403 with the reason. Every change goes through the app's services with ``by=``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.cases.forms import add_service_errors
from gridgov.core.pages import PER_PAGE, page_view, paginate
from gridgov.core.permissions import action_spec
from gridgov.core.rules import rule_value
from gridgov.core.scoping import get_scoped_or_404, may_anywhere, scope_paths
from gridgov.grid.models import GridLevel, GridNode
from gridgov.grid.pages import FILTER_LEVELS, grid_crumbs, scope_nodes, scoped_node
from gridgov.links.selectors import linker_of_user

from ..forms import (
    AnswerForm,
    MatterFilterForm,
    MatterForm,
    OverrideConfirmForm,
    OverrideRequestForm,
    ResultForm,
    ReviewForm,
    ScheduleForm,
    SeedForm,
    SolicitationForm,
    WithdrawForm,
    now_local,
)
from ..models import (
    Matter,
    MatterKind,
    MatterStatus,
    Meeting,
    MeetingBody,
    MeetingStatus,
    OpinionTask,
    Review,
    ReviewVerdict,
    Solicitation,
    Stage,
    StageKind,
    StageStatus,
)
from ..notices import disclosure_compliance, matter_result_record
from ..permissions import CONFIRM_OVERRIDE, MANAGE_MATTERS, SUPERVISE_MATTERS
from ..procedures import bodies_for
from ..reviews import answer_overdue, review_answer, review_record
from ..rules import BODIES, NOTICE_DAYS, VCOL
from ..selectors import matter_list
from ..services import (
    kinds_for,
    matter_create,
    matter_kinds_seed,
    matter_withdraw,
    meeting_override_confirm,
    meeting_override_request,
    meeting_schedule,
)
from ..solicitations import OpinionCoverage, coverage_by_microgrid, solicitation_create
from ..stages import check_stage_may_proceed

MATTER_READ = Matter.objects.select_related("kind", "node")
MAX_PLACES = 1000
TODO_ROWS = 10
STAGE_LABELS = dict(StageKind.choices)
STAGE_STATUS_LABELS = dict(StageStatus.choices)


# -- Helpers shared by the app's pages ----------------------------------------------------------


def url_or_none(name: str, *args: Any) -> str | None:
    """The URL of a page another part of the app may not have yet (printed minutes, notices)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def may_print(name: str) -> bool:
    return url_or_none(name, 1) is not None


def refusal(action: str) -> str:
    spec = action_spec(action)
    label = spec.label if spec is not None else action
    return _("您在此处没有“%(action)s”的权限") % {"action": label}


def forbidden(request: HttpRequest, action: str) -> HttpResponse:
    """403 with the reason: the user sees the object but may not take this step."""
    return render(
        request,
        "decisions/forbidden.html",
        {"reason": refusal(action), "nav": "decisions"},
        status=403,
    )


def allowed_bodies(stage: Stage) -> tuple[str, ...]:
    """The bodies that may meet for a stage (the merged first stage: the two committees)."""
    if stage.merged_with_next:
        return (MeetingBody.TWO_COMMITTEES,)
    return bodies_for(stage.kind)


@dataclass
class RuleLine:
    label: str
    rule: str
    citation: str


def rules_of(stage: Stage) -> list[RuleLine]:
    """The rule and citation of each body that may meet for a stage (or of its notice)."""
    if stage.is_notice:
        return [
            RuleLine(
                str(stage.get_kind_display()),
                _("公示期%(days)s天，不得公开身份证号、电话、银行账号和健康信息")
                % {"days": rule_value(NOTICE_DAYS)},
                _("%(law)s第三十条") % {"law": VCOL},
            )
        ]
    table = rule_value(BODIES)
    lines = []
    for body in allowed_bodies(stage):
        meta = table.get(body)
        if meta is None:
            lines.append(
                RuleLine(
                    str(MeetingBody(body).label),
                    _("商议会听取意见，不表决；有人到会即视为已商议"),
                    _("江口县组委会制度（001）：组民商议"),
                )
            )
        else:
            lines.append(RuleLine(str(MeetingBody(body).label), meta["rule"], meta["citation"]))
    return lines


def with_progress(queryset: QuerySet[Matter]) -> QuerySet[Matter]:
    """Each matter's current stage (kind, status) and whether a meeting of it was 补记."""
    current = (
        Stage.objects.filter(matter=OuterRef("pk"))
        .exclude(status=StageStatus.PASSED)
        .order_by("order")
    )
    return queryset.annotate(
        current_kind=Subquery(current.values("kind")[:1]),
        current_status=Subquery(current.values("status")[:1]),
        has_late=Exists(Meeting.objects.filter(stage__matter=OuterRef("pk"), late=True)),
    )


def awaiting_review(stages: QuerySet[Stage]) -> QuerySet[Stage]:
    """Stages held (passed, or failed at a meeting) that the supervision committee has not
    reviewed yet, of matters not withdrawn."""
    return (
        stages.filter(status__in=[StageStatus.PASSED, StageStatus.FAILED])
        .exclude(matter__status=MatterStatus.WITHDRAWN)
        .filter(~Exists(Review.objects.filter(stage=OuterRef("pk"))))
        .select_related("matter", "matter__node")
        .order_by("-closed_at", "-id")
    )


def open_objections(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return (
        reviews.filter(verdict=ReviewVerdict.OBJECTION, answered_at__isnull=True)
        .select_related("stage", "stage__matter", "by")
        .order_by("answer_due", "id")
    )


def _kind_choices(user: Any) -> list[tuple[str, str]]:
    """The kinds on the lists of the counties and towns of the user's scope, by code."""
    paths = scope_paths(user, VIEW)
    kinds = MatterKind.objects.filter(active=True)
    if paths is not None:
        prefixes = {p[:n] for p in paths for n in (6, 9) if len(p) >= n}
        kinds = kinds.filter(grid_path__in=prefixes)
    chosen: dict[str, str] = {}
    for code, name in kinds.order_by("grid_path", "id").values_list("code", "name"):
        chosen.setdefault(code, name)
    return list(chosen.items())


# -- The list -----------------------------------------------------------------------------------


@dataclass
class MyWork:
    matters: list[Matter] = field(default_factory=list)
    to_review: list[Stage] = field(default_factory=list)
    objections: list[tuple[Review, bool]] = field(default_factory=list)
    opinions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.matters or self.to_review or self.objections or self.opinions)


def my_work(user: Any) -> MyWork:
    """What waits for the user: matters whose current stage they may take, stages to review,
    objections to answer (overdue marked), households to ask as a linker."""
    work = MyWork()
    if may_anywhere(user, MANAGE_MATTERS):
        holding = Review.objects.filter(
            stage__matter=OuterRef("pk"),
            verdict=ReviewVerdict.OBJECTION,
            answered_at__isnull=True,
        )
        work.matters = list(
            with_progress(
                MATTER_READ.restrict(user, MANAGE_MATTERS).filter(
                    status__in=[MatterStatus.OPEN, MatterStatus.DECIDED]
                )
            )
            .annotate(held=Exists(holding))
            .order_by("-updated_at", "-id")[:TODO_ROWS]
        )
        today = timezone.localdate()
        work.objections = [
            (review, answer_overdue(review, today))
            for review in open_objections(Review.objects.restrict(user, MANAGE_MATTERS))[:TODO_ROWS]
        ]
    if may_anywhere(user, SUPERVISE_MATTERS):
        work.to_review = list(
            awaiting_review(Stage.objects.restrict(user, SUPERVISE_MATTERS))[:TODO_ROWS]
        )
    linker = linker_of_user(user)
    if linker is not None:
        work.opinions = list(
            OpinionTask.objects.restrict(user, VIEW)
            .filter(
                linker=linker,
                answered_at__isnull=True,
                solicitation__closes_on__gte=timezone.localdate(),
            )
            .values("solicitation_id", "solicitation__matter__title", "solicitation__closes_on")
            .annotate(n=Count("id"))
            .order_by("solicitation__closes_on", "solicitation_id")[:TODO_ROWS]
        )
    return work


@page_view
def matters(request: HttpRequest) -> HttpResponse:
    """Important matters the user may see, filtered and paginated in the database."""
    user = request.user
    form = MatterFilterForm(
        request.GET, nodes=scope_nodes(user, VIEW, FILTER_LEVELS), kinds=_kind_choices(user)
    )
    under = form.value("under")
    node = scoped_node(user, under) if under else None
    if node is not None:
        form.show_node(node)
    queryset: QuerySet[Matter]
    if under and node is None:
        queryset = Matter.objects.none()
    else:
        queryset = with_progress(
            matter_list(
                Matter.objects.restrict(user, VIEW),
                under=under,
                status=form.value("status"),
                kind=form.value("kind"),
                q=form.value("q").strip(),
            )
        )
    return render(
        request,
        "decisions/list.html",
        {
            "nav": "decisions",
            "form": form,
            "under_node": node,
            "page": paginate(request, queryset),
            "work": my_work(user),
            "stage_labels": STAGE_LABELS,
            "failed": StageStatus.FAILED,
            "may_manage": may_anywhere(user, MANAGE_MATTERS),
        },
    )


# -- A new matter ---------------------------------------------------------------------------------


def _places(user: Any) -> list[GridNode]:
    return list(
        GridNode.objects.restrict(user, MANAGE_MATTERS)
        .filter(level__in=[GridLevel.VILLAGE, GridLevel.GROUP])
        .only("code", "name", "level", "parent_id")
        .order_by("code")[:MAX_PLACES]
    )


def _kinds_of(places: list[GridNode]) -> list[MatterKind]:
    """The kinds of the lists of the places' counties and towns (the nearest list wins a
    code within a town; different towns may list different kinds)."""
    one_per_town: dict[str, GridNode] = {}
    for node in places:
        one_per_town.setdefault(node.code[:9], node)
    found: dict[int, MatterKind] = {}
    for node in one_per_town.values():
        for kind in kinds_for(node):
            found.setdefault(kind.pk, kind)
    return list(found.values())


def _counties_without_list(user: Any, places: list[GridNode]) -> list[tuple[GridNode, bool]]:
    """Counties of the places with no important-matters list yet, and whether the user may
    put the default list on them (a county admin or a town cadre)."""
    codes = sorted({node.code[:6] for node in places})
    having = set(
        MatterKind.objects.filter(
            Q(grid_path__in=codes) | Q(grid_path__in={node.code[:9] for node in places})
        ).values_list("grid_path", flat=True)
    )
    missing = [c for c in codes if not any(h.startswith(c) for h in having)]
    counties = GridNode.objects.filter(code__in=missing, level=GridLevel.COUNTY).order_by("code")
    return [(county, _may_seed(user, county)) for county in counties]


def _may_seed(user: Any, county: GridNode) -> bool:
    """A county admin, or a town cadre of one of its towns, may put the default list on it."""
    return (
        GridNode.objects.restrict(user, MANAGE_MATTERS)
        .filter(code__startswith=county.code, level__in=[GridLevel.COUNTY, GridLevel.TOWN])
        .exists()
    )


@page_view
def matter_new(request: HttpRequest) -> HttpResponse:
    """Register an important matter of a village or group the user may manage."""
    user = request.user
    places = _places(user)
    if not places:
        raise Http404
    kinds = _kinds_of(places)
    data = request.POST if request.method == "POST" else None
    initial = {"node": places[0].code if len(places) == 1 else request.GET.get("node", "")[:18]}
    form = MatterForm(data, places=places, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            matter = matter_create(
                node=cd["node"],
                kind=cd["kind"],
                title=cd["title"],
                amount=cd["amount"],
                description=cd["description"],
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("已登记重要事项%(n)s，第一个环节已开始") % {"n": matter.number}
            )
            return redirect("web:decision", pk=matter.pk)
    return render(
        request,
        "decisions/new.html",
        {
            "nav": "decisions",
            "form": form,
            "no_list": _counties_without_list(user, places) if not kinds else [],
        },
        status=400 if form.errors else 200,
    )


@page_view
@require_POST
def kinds_seed(request: HttpRequest) -> HttpResponse:
    """Put the default important-matters list on a county (county admin or town cadre)."""
    user = request.user
    form = SeedForm(request.POST)
    if not form.is_valid():
        raise Http404
    county = GridNode.objects.filter(
        code=form.cleaned_data["county"], level=GridLevel.COUNTY
    ).first()
    if county is None or not _may_seed(user, county):
        raise Http404
    try:
        made = matter_kinds_seed(county=county, by=user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("已为%(county)s建立默认重要事权清单（%(n)s类）")
            % {"county": county.name, "n": len(made)},
        )
    return redirect("web:decision_new")


# -- A matter's page --------------------------------------------------------------------------------


@dataclass
class StageRow:
    stage: Stage
    meetings: list[Meeting]
    reviews: list[tuple[Review, bool]]
    rules: list[RuleLine]
    current: bool


@dataclass
class Steps:
    """The forms of the steps the user may take now (None: not offered)."""

    schedule: ScheduleForm | None = None
    record_url: str = ""
    scheduled: list[Meeting] = field(default_factory=list)
    withdraw: WithdrawForm | None = None
    result: ResultForm | None = None
    notice_url: str = ""
    notice_needs_result: bool = False
    solicit: SolicitationForm | None = None
    review: ReviewForm | None = None
    override_meeting: Meeting | None = None
    override: OverrideRequestForm | None = None
    confirm: OverrideConfirmForm | None = None
    answers: list[tuple[Review, forms.Form, str]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(
            self.schedule
            or self.record_url
            or self.withdraw
            or self.result
            or self.notice_url
            or self.solicit
            or self.review
            or self.override
            or self.confirm
            or self.answers
        )


def _stages(matter: Matter) -> list[Stage]:
    meetings = Meeting.objects.select_related(
        "override_requested_by", "override_confirmed_by"
    ).order_by("held_at", "id")
    reviews = Review.objects.select_related("by", "answered_by").order_by("at", "id")
    return list(
        matter.stages.order_by("order")
        .prefetch_related(Prefetch("meetings", queryset=meetings))
        .prefetch_related(Prefetch("reviews", queryset=reviews))
    )


def _held(stage: Stage) -> bool:
    return stage.status in (StageStatus.PASSED, StageStatus.FAILED) or any(
        m.status == MeetingStatus.CLOSED for m in stage.meetings.all()
    )


def _steps(
    user: Any, matter: Matter, stages: list[Stage], current: Stage | None, blocked: str
) -> Steps:
    path = matter.grid_path
    may_manage = user_may(user, MANAGE_MATTERS, path)
    steps = Steps()
    running = matter.status in (MatterStatus.OPEN, MatterStatus.DECIDED)
    if may_manage and matter.status == MatterStatus.OPEN:
        steps.withdraw = WithdrawForm()
        if not Solicitation.objects.filter(
            matter=matter, closes_on__gte=timezone.localdate()
        ).exists():
            steps.solicit = SolicitationForm(
                initial={"closes_on": timezone.localdate() + dt.timedelta(days=7)}
            )
    if current is not None and running and not blocked:
        if current.is_notice:
            if may_manage:
                kind = "decision" if current.kind == StageKind.DECISION_NOTICE else "result"
                steps.notice_needs_result = kind == "result" and not matter.result_text
                if not steps.notice_needs_result:
                    steps.notice_url = (
                        f"{reverse('web:decision_notice_new')}?matter={matter.pk}&kind={kind}"
                    )
        elif may_manage:
            steps.record_url = reverse("web:decision_meeting_new", args=[current.pk])
            steps.scheduled = [
                m for m in current.meetings.all() if m.status == MeetingStatus.SCHEDULED
            ]
            steps.schedule = ScheduleForm(
                bodies=allowed_bodies(current),
                initial={"held_at": now_local() + dt.timedelta(days=10)},
            )
    if (
        may_manage
        and matter.status == MatterStatus.DECIDED
        and current is not None
        and current.kind == StageKind.RESULT_NOTICE
    ):
        steps.result = ResultForm(initial={"result_text": matter.result_text})
    if current is not None and current.status == StageStatus.FAILED and running:
        closed = [m for m in current.meetings.all() if m.status == MeetingStatus.CLOSED]
        failed = closed[-1] if closed else None
        if failed is not None and not failed.passed and not failed.overridden:
            steps.override_meeting = failed
            if may_manage and not failed.override_requested_by_id:
                steps.override = OverrideRequestForm(initial={"meeting": failed.pk})
            if (
                failed.override_requested_by_id
                and failed.override_requested_by_id != user.pk
                and user_may(user, CONFIRM_OVERRIDE, path)
            ):
                steps.confirm = OverrideConfirmForm(initial={"meeting": failed.pk})
    if user_may(user, SUPERVISE_MATTERS, path) and matter.status != MatterStatus.WITHDRAWN:
        held = [s for s in stages if _held(s)]
        if held:
            steps.review = ReviewForm(stages=held, initial={"stage": held[-1].pk})
    if may_manage:
        steps.answers = [
            (review, AnswerForm(initial={"review": review.pk}), f"answer-{review.pk}")
            for stage in stages
            for review in stage.reviews.all()
            if review.holds
        ]
    return steps


def _put_failed(steps: Steps, key: str, form: forms.Form) -> None:
    """Show the form that failed (with its errors) in place of the fresh one."""
    if key.startswith("answer-"):
        steps.answers = [
            (review, form if name == key else fresh, name) for review, fresh, name in steps.answers
        ]
    elif hasattr(steps, key):
        setattr(steps, key, form)


def matter_page(
    request: HttpRequest,
    matter: Matter,
    *,
    failed: forms.Form | None = None,
    failed_key: str = "",
    denied: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    stages = _stages(matter)
    current = next((s for s in stages if s.status != StageStatus.PASSED), None)
    blocked = ""
    if current is not None and matter.status != MatterStatus.WITHDRAWN:
        try:
            check_stage_may_proceed(current)
        except ValidationError as exc:
            blocked = " ".join(exc.messages)
    today = timezone.localdate()
    rows = [
        StageRow(
            stage=stage,
            meetings=list(stage.meetings.all()),
            reviews=[(r, answer_overdue(r, today)) for r in stage.reviews.all()],
            rules=rules_of(stage),
            current=stage is current,
        )
        for stage in stages
    ]
    steps = _steps(user, matter, stages, current, blocked)
    if failed is not None:
        _put_failed(steps, failed_key, failed)
    solicitation = matter.solicitations.order_by("-opened_at", "-id").first()
    coverage: list[OpinionCoverage] = []
    total = None
    if solicitation is not None:
        coverage = coverage_by_microgrid(solicitation)
        total = OpinionCoverage(label=_("合计"))
        for row in coverage:
            total.total += row.total
            total.answered += row.answered
            total.support += row.support
            total.oppose += row.oppose
            total.suggestion += row.suggestion
    notices = list(matter.notices.order_by("published_at", "id"))
    return render(
        request,
        "decisions/detail.html",
        {
            "nav": "decisions",
            "matter": matter,
            "crumbs": grid_crumbs(user, matter.node),
            "rows": rows,
            "current": current,
            "blocked": blocked,
            "steps": steps,
            "failed": failed,
            "failed_key": failed_key,
            "denied": denied,
            "late": any(m.late for row in rows for m in row.meetings),
            "solicitation": solicitation,
            "coverage": coverage,
            "coverage_total": total,
            "notices": notices,
            "minutes_pdf": may_print("web:decision_minutes"),
            "notice_pdf": may_print("web:decision_notice_print"),
            "may_manage": user_may(user, MANAGE_MATTERS, matter.grid_path),
        },
        status=status,
    )


@page_view
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    matter = get_scoped_or_404(MATTER_READ, request.user, VIEW, pk=pk)
    return matter_page(request, matter)


# -- Steps ------------------------------------------------------------------------------------------

Runner = Callable[[dict[str, Any]], str]


def _meeting_of(matter: Matter, pk: Any) -> Meeting:
    meeting = Meeting.objects.filter(stage__matter=matter, pk=pk).first()
    if meeting is None:
        raise ValidationError({"meeting": _("没有这个会议")})
    return meeting


def _step(request: HttpRequest, matter: Matter, action: str) -> tuple[forms.Form, str, Runner]:
    """The form of a step, its key on the page, and what to run with its cleaned data."""
    user = request.user
    data = request.POST
    if action == "withdraw":

        def withdraw(cd: dict[str, Any]) -> str:
            matter_withdraw(matter=matter, reason=cd["reason"], by=user)
            return _("事项已撤回")

        return WithdrawForm(data), "withdraw", withdraw
    if action == "schedule":
        stages = _stages(matter)
        current = next((s for s in stages if s.status != StageStatus.PASSED), None)
        bodies = allowed_bodies(current) if current is not None and not current.is_notice else ()

        def schedule(cd: dict[str, Any]) -> str:
            if current is None:
                raise ValidationError(_("事项的各环节已全部完成"))
            meeting_schedule(
                stage=current,
                body=cd["body"],
                held_at=cd["held_at"],
                place=cd["place"],
                notice_given_on=cd["notice_given_on"],
                by=user,
            )
            return _("已发出会议通知：%(body)s，%(at)s") % {
                "body": MeetingBody(cd["body"]).label,
                "at": f"{timezone.localtime(cd['held_at']):%Y-%m-%d %H:%M}",
            }

        return ScheduleForm(data, bodies=bodies), "schedule", schedule
    if action == "override":

        def override(cd: dict[str, Any]) -> str:
            meeting_override_request(
                meeting=_meeting_of(matter, cd["meeting"]), reason=cd["reason"], by=user
            )
            return _("已申请特别通过，须由另一名授权人员确认")

        return OverrideRequestForm(data), "override", override
    if action == "confirm":

        def confirm(cd: dict[str, Any]) -> str:
            meeting_override_confirm(meeting=_meeting_of(matter, cd["meeting"]), by=user)
            return _("已确认特别通过，该环节通过；特别通过将印在会议记录和公告上")

        return OverrideConfirmForm(data), "confirm", confirm
    if action == "result":

        def result(cd: dict[str, Any]) -> str:
            matter_result_record(matter=matter, result_text=cd["result_text"], by=user)
            return _("已登记实施结果，可以发布实施结果公开")

        return ResultForm(data), "result", result
    if action == "solicit":

        def solicit(cd: dict[str, Any]) -> str:
            solicitation = solicitation_create(
                matter=matter, question=cd["question"], closes_on=cd["closes_on"], by=user
            )
            return _("已发起意见征求：%(n)s户") % {"n": solicitation.tasks.count()}

        return SolicitationForm(data), "solicit", solicit
    if action == "review":
        held = [s for s in _stages(matter) if _held(s)]

        def review(cd: dict[str, Any]) -> str:
            made = review_record(
                stage=cd["stage"], verdict=cd["verdict"], reason=cd["reason"], by=user
            )
            if made.verdict == ReviewVerdict.OBJECTION:
                return _("已提出异议：下一环节暂停，“两委”须在%(due)s前答复") % {
                    "due": made.answer_due
                }
            return _("已签署监督意见")

        return ReviewForm(data, stages=held), "review", review
    if action == "answer":
        form = AnswerForm(data)
        key = f"answer-{(data.get('review') or '')[:20]}"

        def answer(cd: dict[str, Any]) -> str:
            found = Review.objects.filter(stage__matter=matter, pk=cd["review"]).first()
            if found is None:
                raise ValidationError({"review": _("没有这条监督意见")})
            review_answer(review=found, answer=cd["answer"], by=user)
            return _("已答复监督意见，下一环节可以继续")

        return form, key, answer
    raise Http404


STEP_PERMISSIONS = {
    "withdraw": MANAGE_MATTERS,
    "schedule": MANAGE_MATTERS,
    "override": MANAGE_MATTERS,
    "confirm": CONFIRM_OVERRIDE,
    "result": MANAGE_MATTERS,
    "solicit": MANAGE_MATTERS,
    "review": SUPERVISE_MATTERS,
    "answer": MANAGE_MATTERS,
}


@page_view
@require_POST
def matter_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on a matter: the form is checked, then the service; errors go back on the
    matter's page, on the step's form."""
    user = request.user
    matter = get_scoped_or_404(MATTER_READ, user, VIEW, pk=pk)
    permission = STEP_PERMISSIONS.get(action)
    if permission is None:
        raise Http404
    if not user_may(user, permission, matter.grid_path):
        return matter_page(request, matter, denied=refusal(permission), status=403)
    form, key, run = _step(request, matter, action)
    if form.is_valid():
        try:
            text = run(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or refusal(permission))
        else:
            messages.success(request, text)
            return redirect("web:decision", pk=matter.pk)
    return matter_page(request, matter, failed=form, failed_key=key, status=400)


# -- The town's overview ----------------------------------------------------------------------------


@dataclass
class VillageRow:
    village: GridNode
    by_status: dict[str, int]
    holds: int
    overdue_objections: int
    disclosure_late: list[str]
    last_ordinary: dt.date | None
    last_finance: dt.date | None

    @property
    def late(self) -> bool:
        return bool(self.disclosure_late or self.overdue_objections)


@page_view
def overview(request: HttpRequest) -> HttpResponse:
    """Every village in scope: its matters by status, the stages held by objections, overdue
    answers and disclosure compliance; villages that are late first."""
    user = request.user
    villages = list(
        GridNode.objects.restrict(user, VIEW)
        .filter(level=GridLevel.VILLAGE)
        .only("code", "name", "level")
        .order_by("code")[:MAX_PLACES]
    )
    by_status: dict[str, dict[str, int]] = {}
    for row in (
        Matter.objects.restrict(user, VIEW)
        .annotate(village=Substr("grid_path", 1, 12))
        .values("village", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_status.setdefault(row["village"], {})[row["status"]] = row["n"]
    today = timezone.localdate()
    holds: dict[str, tuple[int, int]] = {}
    for row in (
        Review.objects.restrict(user, VIEW)
        .filter(
            verdict=ReviewVerdict.OBJECTION,
            answered_at__isnull=True,
            stage__matter__status__in=[MatterStatus.OPEN, MatterStatus.DECIDED],
        )
        .annotate(village=Substr("grid_path", 1, 12))
        .values("village")
        .annotate(n=Count("id"), late=Count("id", filter=Q(answer_due__lt=today)))
        .order_by()
    ):
        holds[row["village"]] = (row["n"], row["late"])
    rows = [
        VillageRow(
            village=item.village,
            by_status=by_status.get(item.village.code, {}),
            holds=holds.get(item.village.code, (0, 0))[0],
            overdue_objections=holds.get(item.village.code, (0, 0))[1],
            disclosure_late=item.overdue,
            last_ordinary=item.last_ordinary,
            last_finance=item.last_finance,
        )
        for item in disclosure_compliance(villages)
    ]
    rows.sort(key=lambda r: (not r.late, r.village.code))
    page = Paginator(rows, PER_PAGE).get_page((request.GET.get("page") or "")[:20])
    return render(
        request,
        "decisions/overview.html",
        {
            "nav": "decisions",
            "page": page,
            "statuses": MatterStatus.choices,
            "late_count": sum(1 for r in rows if r.late),
            "truncated": len(villages) >= MAX_PLACES,
        },
    )
