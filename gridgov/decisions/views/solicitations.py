"""Asking the households before deciding (征求意见): a solicitation's households, filtered by
micro-grid, answered or not, and "mine" for a linker; recording one household's opinion.

A linked member sees only the tasks of the households they may see (their micro-grid); the
matter's coverage per micro-grid shows to those who see the solicitation's village."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.cases.forms import add_service_errors
from gridgov.core.pages import page_view, paginate
from gridgov.core.scoping import get_scoped_or_404, may_anywhere
from gridgov.links.selectors import linker_of_user
from gridgov.people.models import Person, Relation

from ..forms import OpinionForm, TaskFilterForm
from ..models import OpinionTask, Solicitation
from ..permissions import RECORD_OPINION
from ..solicitations import coverage_by_microgrid, opinion_record
from .matters import forbidden

TASK_READ = OpinionTask.objects.select_related(
    "household", "microgrid", "linker__person", "solicitation", "solicitation__matter"
)


def _with_head(tasks: QuerySet[OpinionTask]) -> QuerySet[OpinionTask]:
    heads = Person.objects.filter(household=OuterRef("household_id"), relation=Relation.HEAD)
    return tasks.annotate(head_name=Subquery(heads.order_by("id").values("name")[:1]))


@page_view
def solicitation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    solicitation = Solicitation.objects.select_related("matter", "opened_by").filter(pk=pk).first()
    if solicitation is None:
        raise Http404
    visible = OpinionTask.objects.restrict(user, VIEW).filter(solicitation=solicitation)
    sees_village = user_may(user, VIEW, solicitation.grid_path)
    if not sees_village and not visible.exists():
        raise Http404
    coverage = coverage_by_microgrid(solicitation) if sees_village else []
    microgrids = sorted(
        {(row[0], row[1]) for row in visible.values_list("microgrid_id", "microgrid__name")},
        key=lambda row: row[1],
    )
    form = TaskFilterForm(request.GET, microgrids=microgrids)
    linker = linker_of_user(user)
    tasks: QuerySet[OpinionTask] = visible
    microgrid = form.value("microgrid")
    if microgrid:
        tasks = tasks.filter(microgrid_id=int(microgrid))
    answered = form.value("answered")
    if answered:
        tasks = tasks.filter(answered_at__isnull=answered == "0")
    if form.value("mine"):
        tasks = tasks.filter(linker=linker) if linker is not None else tasks.none()
    tasks = _with_head(tasks.select_related("household", "microgrid", "linker__person")).order_by(
        "answered_at", "grid_path", "id"
    )
    return render(
        request,
        "decisions/solicitation.html",
        {
            "nav": "decisions",
            "solicitation": solicitation,
            "matter": solicitation.matter,
            "sees_village": sees_village,
            "coverage": coverage,
            "form": form,
            "linker": linker,
            "page": paginate(request, tasks),
            "open": solicitation.closes_on >= timezone.localdate(),
            # Every row shown is in the user's view; the opinion page checks each household.
            "may_record": may_anywhere(user, RECORD_OPINION),
        },
    )


@page_view
def opinion_new(request: HttpRequest, task_pk: int) -> HttpResponse:
    """Record a household's answer (once)."""
    user = request.user
    task = get_scoped_or_404(TASK_READ, user, VIEW, pk=task_pk)
    if not user_may(user, RECORD_OPINION, task.grid_path):
        return forbidden(request, RECORD_OPINION)
    form = None
    if task.answered_at is None:
        form = OpinionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            cd = form.cleaned_data
            try:
                opinion_record(
                    task=task, stance=cd["stance"], text=cd["text"], channel=cd["channel"], by=user
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记%(n)s户的意见") % {"n": task.household.number})
                return redirect("web:decision_solicitation", pk=task.solicitation_id)
    elif request.method == "POST":
        messages.error(request, _("该户的意见已登记"))
        return redirect("web:decision_opinion", task_pk=task.pk)
    return render(
        request,
        "decisions/opinion.html",
        {
            "nav": "decisions",
            "task": task,
            "head": Person.objects.filter(household_id=task.household_id, relation=Relation.HEAD)
            .order_by("id")
            .values_list("name", flat=True)
            .first(),
            "form": form,
            "open": task.solicitation.closes_on >= timezone.localdate(),
        },
        status=400 if form is not None and form.errors else 200,
    )
