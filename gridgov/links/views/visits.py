"""Visits pages (走访), phone-first: my tasks and visits (a linker), the node's visits (a cadre),
record a visit in a few taps, a visit and its "turn into a matter" form, visit tasks, household
events (四必到), compliance, and appraisals (aggregates only). Reads are scoped (out of scope is
404); every change goes through ``links.visits``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.permissions import VIEW
from gridgov.cases.forms import add_service_errors
from gridgov.cases.permissions import REPORT_MATTER
from gridgov.core.pages import page_view, paginate
from gridgov.core.scoping import get_scoped_or_404, may_anywhere
from gridgov.grid.models import GridNode
from gridgov.grid.pages import FILTER_LEVELS, grid_crumbs, scope_nodes, scoped_node, top_node
from gridgov.people.models import Household

from ..compliance import compliance, overdue_tasks
from ..models import Appraisal, Link, Linker, TaskStatus, Visit, VisitHelp, VisitTask
from ..periods import appraisal_period, period_bounds
from ..permissions import MANAGE_LINKS, RECORD_VISIT
from ..selectors import linker_of_user, my_households
from ..visit_forms import (
    AppraisalForm,
    ComplianceForm,
    HouseholdEventForm,
    TaskFilterForm,
    VisitFilterForm,
    VisitForm,
    VisitMatterForm,
)
from ..visit_selectors import appraisal_figures, task_list, visit_list
from ..visits import (
    appraisal_record,
    household_event_record,
    visit_kinds_for,
    visit_record,
    visit_to_matter,
)

VISIT_READ = Visit.objects.select_related("household", "linker__person", "visitor", "matter")


def _node(user: Any, code: str) -> GridNode | None:
    """The chosen node (404 when out of scope), or the top of the user's scope."""
    if code:
        node = scoped_node(user, code)
        if node is None:
            raise Http404
        return node
    return top_node(user, scope_nodes(user, VIEW, FILTER_LEVELS))


@page_view
def links_visits(request: HttpRequest) -> HttpResponse:
    """A linker's due and overdue tasks and recent visits; below, the visits the user may see,
    with filters (a cadre's list of their node)."""
    user = request.user
    linker = linker_of_user(user)
    today = timezone.localdate()
    my_tasks: list[VisitTask] = []
    my_visits: list[Visit] = []
    if linker is not None:
        my_tasks = list(
            task_list(VisitTask.objects.restrict(user, VIEW), linker=linker.pk, status="open")[:50]
        )
        my_visits = list(VISIT_READ.filter(visitor_id=user.pk).order_by("-visited_at", "-id")[:10])
    form = VisitFilterForm(request.GET, nodes=scope_nodes(user, VIEW, FILTER_LEVELS))
    under = form.value("under")
    node = scoped_node(user, under) if under else None
    if node is not None:
        form.show_node(node)
    late = form.value("late")
    # One household's visits (the household page links here); unknown or out of scope: none.
    number = request.GET.get("household", "")[:32]
    household = (
        Household.objects.restrict(user, VIEW).filter(number=number).first() if number else None
    )
    queryset: QuerySet[Visit]
    if (under and node is None) or (number and household is None):
        queryset = Visit.objects.none()
    else:
        queryset = visit_list(
            Visit.objects.restrict(user, VIEW),
            under=under,
            household=household.pk if household is not None else None,
            kind=form.value("kind"),
            outcome=form.value("outcome"),
            late={"1": True, "0": False}.get(late),
            start=form.date("start"),
            end=form.date("end"),
        )
    return render(
        request,
        "links/visits/list.html",
        {
            "nav": "links",
            "linker": linker,
            "my_tasks": my_tasks,
            "my_visits": my_visits,
            "today": today,
            "form": form,
            "under_node": node,
            "page": paginate(request, queryset),
            "may_record": may_anywhere(user, RECORD_VISIT),
        },
    )


def _household_for_visit(user: Any, number: str) -> Household | None:
    if not number:
        return None
    household: Household | None = (
        Household.objects.restrict(user, RECORD_VISIT).filter(number=number).first()
    )
    if household is None:
        raise Http404
    return household


@page_view
def visit_new(request: HttpRequest) -> HttpResponse:
    """Record a visit to ``?household=`` in a few taps; without it, choose one of mine."""
    user = request.user
    if not may_anywhere(user, RECORD_VISIT):
        raise Http404
    number = (request.POST.get("household") or request.GET.get("household") or "")[:32]
    household = _household_for_visit(user, number)
    linker = linker_of_user(user)
    default_kind, kinds = visit_kinds_for(user, linker=linker)
    if household is None:
        mine = list(my_households(user)[:200]) if linker is not None else []
        return render(
            request,
            "links/visits/pick.html",
            {"nav": "links", "mine": mine, "number": number},
        )
    data = request.POST if request.method == "POST" else None
    form = VisitForm(data, request.FILES or None, kinds=kinds, default_kind=default_kind)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            visit = visit_record(
                household=household,
                by=user,
                kind=cd["kind"],
                outcome=cd["outcome"],
                helps=cd["helps"],
                notes=cd["notes"],
                suggestions=cd["suggestions"],
                visited_at=cd["visited_at"],
                lat=cd["lat"],
                lng=cd["lng"],
                photo=cd["photo"] or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = _("已登记走访")
            if visit.late_entry:
                text = _("已登记走访（补记）")
            messages.success(request, text)
            return redirect("web:visit_detail", visit_id=visit.pk)
    current = Link.objects.filter(household=household, end_on__isnull=True).select_related(
        "linker__person"
    )
    return render(
        request,
        "links/visits/new.html",
        {
            "nav": "links",
            "form": form,
            "household": household,
            "link": current.first(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _detail(
    request: HttpRequest,
    visit: Visit,
    *,
    matter_form: VisitMatterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    may_convert = (
        visit.matter_id is None
        and Visit.objects.restrict(user, RECORD_VISIT).filter(pk=visit.pk).exists()
        and Visit.objects.restrict(user, REPORT_MATTER).filter(pk=visit.pk).exists()
    )
    return render(
        request,
        "links/visits/detail.html",
        {
            "nav": "links",
            "visit": visit,
            "helps": [VisitHelp(h).label for h in visit.helps if h in VisitHelp.values],
            "may_convert": may_convert,
            "matter_form": matter_form or (VisitMatterForm() if may_convert else None),
        },
        status=status,
    )


@page_view
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = get_scoped_or_404(VISIT_READ, request.user, pk=visit_id)
    return _detail(request, visit)


@page_view
@require_POST
def visit_matter(request: HttpRequest, visit_id: int) -> HttpResponse:
    """转为民情事项: the need found on the visit becomes a matter linked to it."""
    user = request.user
    visit = get_scoped_or_404(VISIT_READ, user, RECORD_VISIT, pk=visit_id)
    get_scoped_or_404(Visit.objects.all(), user, REPORT_MATTER, pk=visit_id)
    form = VisitMatterForm(request.POST)
    if form.is_valid():
        try:
            matter = visit_to_matter(
                visit=visit,
                by=user,
                category=form.cleaned_data["category"],
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已转为民情事项%(n)s") % {"n": matter.number})
            return redirect("web:visit_detail", visit_id=visit.pk)
    return _detail(request, visit, matter_form=form, status=400)


@page_view
def visit_photo(request: HttpRequest, visit_id: int) -> FileResponse:
    """A visit's photo, to those who may see the visit (photos are not public files)."""
    visit = get_scoped_or_404(Visit.objects.all(), request.user, pk=visit_id)
    if not visit.photo:
        raise Http404
    try:
        stream = visit.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(stream)


@page_view
def visit_tasks(request: HttpRequest) -> HttpResponse:
    """Visit tasks the user may see, earliest deadline first; unassigned ones marked."""
    user = request.user
    form = TaskFilterForm(request.GET, nodes=scope_nodes(user, VIEW, FILTER_LEVELS))
    under = form.value("under")
    node = scoped_node(user, under) if under else None
    if node is not None:
        form.show_node(node)
    queryset: QuerySet[VisitTask]
    if under and node is None:
        queryset = VisitTask.objects.none()
    else:
        queryset = task_list(
            VisitTask.objects.restrict(user, VIEW),
            under=under,
            status=form.value("status"),
            reason=form.value("reason"),
            overdue=form.value("overdue") == "1",
            unassigned=form.value("unassigned") == "1",
        )
    return render(
        request,
        "links/visits/tasks.html",
        {
            "nav": "links",
            "form": form,
            "under_node": node,
            "page": paginate(request, queryset),
            "today": timezone.localdate(),
            "open": TaskStatus.OPEN,
            "may_record": may_anywhere(user, RECORD_VISIT),
        },
    )


@page_view
def household_event_new(request: HttpRequest) -> HttpResponse:
    """Record an event (四必到): the household's linker gets a visit task with a deadline."""
    user = request.user
    if not may_anywhere(user, RECORD_VISIT):
        raise Http404
    initial = {"household": request.GET.get("household", "")[:32]}
    form = HouseholdEventForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        household = _household_for_visit(user, cd["household"].strip())
        assert household is not None
        try:
            event = household_event_record(
                household=household,
                kind=cd["kind"],
                occurred_on=cd["occurred_on"],
                note=cd["note"],
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            task = event.tasks.select_related("linker__person").first()
            if task is not None and task.linker is not None:
                text = _("已登记，%(who)s须在%(d)s前走访") % {
                    "who": task.linker.person.name,
                    "d": task.due_on,
                }
            else:
                text = _("已登记；该户暂无联户人，任务由微网格负责（未分配）")
            messages.success(request, text)
            return redirect("web:visit_tasks")
    return render(
        request,
        "links/visits/event_new.html",
        {"nav": "links", "form": form},
        status=400 if request.method == "POST" else 200,
    )


@page_view
def links_compliance(request: HttpRequest) -> HttpResponse:
    """Compliance of a node: per child node and per linker, the overdue list, the figures."""
    user = request.user
    form = ComplianceForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    node = _node(user, str(data.get("node") or ""))
    first, last = period_bounds(timezone.localdate(), "quarter")
    start: dt.date = data.get("start") or first
    end: dt.date = data.get("end") or last
    if end < start:
        start, end = end, start
    result = None
    overdue = None
    if node is not None:
        result = compliance(
            node,
            start=start,
            end=end,
            tasks=VisitTask.objects.restrict(user, VIEW),
            visits=Visit.objects.restrict(user, VIEW),
        )
        overdue = paginate(request, overdue_tasks(VisitTask.objects.restrict(user, VIEW), node))
    return render(
        request,
        "links/visits/compliance.html",
        {
            "nav": "links",
            "node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "result": result,
            "overdue": overdue,
            "start": start,
            "end": end,
            "form": form,
            "may_record": may_anywhere(user, RECORD_VISIT),
        },
    )


@page_view
def appraisals(request: HttpRequest) -> HttpResponse:
    """Appraisal aggregates (联户评议): per linker and period, hidden below the minimum."""
    user = request.user
    period = (request.GET.get("period") or "")[:8]
    figures = appraisal_figures(Appraisal.objects.restrict(user, VIEW), period=period)
    return render(
        request,
        "links/visits/appraisals.html",
        {
            "nav": "links",
            "figures": figures,
            "period": period,
            "may_enter": may_anywhere(user, MANAGE_LINKS),
        },
    )


@page_view
def appraisal_new(request: HttpRequest) -> HttpResponse:
    """A cadre enters a household's appraisal of its linker (in force) for the period."""
    user = request.user
    if not may_anywhere(user, MANAGE_LINKS):
        raise Http404
    period = appraisal_period(timezone.localdate())
    initial = {"household": request.GET.get("household", "")[:32]}
    form = AppraisalForm(
        request.POST if request.method == "POST" else None, period=period, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        household = (
            Household.objects.restrict(user, MANAGE_LINKS)
            .filter(number=cd["household"].strip())
            .first()
        )
        if household is None:
            raise Http404
        link = (
            Link.objects.filter(household=household)
            .select_related("linker")
            .order_by(F("end_on").desc(nulls_first=True), "-start_on")  # in force first
            .first()
        )
        linker: Linker | None = link.linker if link is not None else None
        if linker is None:
            form.add_error("household", _("该户没有联户人"))
        else:
            try:
                appraisal_record(
                    household=household,
                    linker=linker,
                    period=cd["period"],
                    score=cd["score"],
                    by=user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记评议（只公布汇总）"))
                return redirect("web:appraisals")
    return render(
        request,
        "links/visits/appraisal_new.html",
        {"nav": "links", "form": form},
        status=400 if request.method == "POST" else 200,
    )
