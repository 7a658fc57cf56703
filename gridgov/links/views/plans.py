"""The link plan's pages (联户方案): the plans of my places and a button to compute one; a
plan's figures per micro-grid, its diff (added, moved, ended), approve, apply, discard.

Every page needs ``plan_links`` on the plan's node (404 otherwise, never a hint); every change
goes through ``links.planning``'s services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.json import KeyTransform
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridgov.core.pages import PER_PAGE, FilterDateField, page_view, paginate
from gridgov.core.scoping import get_scoped_or_404, may_anywhere
from gridgov.grid.models import GridLevel, GridNode
from gridgov.grid.pages import scope_nodes

from ..models import LinkPlan, PlanAction, PlanStatus
from ..permissions import PLAN_LINKS
from ..planning import (
    DIFF_ACTIONS,
    plan_apply,
    plan_approve,
    plan_compute,
    plan_discard,
    plan_is_stale,
    plan_lines,
    plan_list,
    plan_map_data,
)

# The places offered in the compute form: towns and villages (and the roots of the user's scope);
# a group or a micro-grid is chosen by its code (a county has thousands of them).
PLAN_LEVELS = (GridLevel.TOWN, GridLevel.VILLAGE)


class ApproveForm(forms.Form):
    meeting = forms.CharField(
        label=gettext_lazy("批准会议"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("如：平东村党员大会")}),
    )
    meeting_on = FilterDateField(label=gettext_lazy("会议日期"), required=True)


def _may_plan(request: HttpRequest) -> None:
    if not may_anywhere(request.user, PLAN_LINKS):
        raise Http404


def _plan(request: HttpRequest, pk: int) -> LinkPlan:
    return get_scoped_or_404(
        LinkPlan.objects.select_related("node", "computed_by", "approved_by", "applied_by"),
        request.user,
        PLAN_LINKS,
        pk=pk,
    )


def _service_error(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(exc) or _("无权操作"))


@page_view
def link_plans(request: HttpRequest) -> HttpResponse:
    """The plans of my places, newest first; POST computes a plan for a chosen node."""
    _may_plan(request)
    user = request.user
    nodes = scope_nodes(user, PLAN_LINKS, PLAN_LEVELS)
    if request.method == "POST":
        code = (request.POST.get("code") or request.POST.get("node") or "").strip()[:18]
        node = GridNode.objects.restrict(user, PLAN_LINKS).filter(code=code).first()
        if node is None:
            messages.error(request, _("请选择您范围内的网格"))
            return redirect("web:link_plans")
        try:
            plan = plan_compute(node=node, by=user)
        except (ValidationError, PermissionDenied) as exc:
            _service_error(request, exc)
            return redirect("web:link_plans")
        messages.success(request, _("方案已计算，请核对后提交会议批准"))
        return redirect("web:link_plan", pk=plan.pk)
    status = request.GET.get("status", "")
    if status not in PlanStatus.values:
        status = ""
    # The list shows each plan's totals, never its per-micro-grid figures (a county's are large).
    queryset = (
        plan_list(LinkPlan.objects.restrict(user, PLAN_LINKS), status=status)
        .defer("figures", "params")
        .annotate(total=KeyTransform("total", "figures"))
    )
    return render(
        request,
        "links/plans/list.html",
        {
            "nav": "links",
            "page": paginate(request, queryset),
            "nodes": nodes,
            "statuses": PlanStatus.choices,
            "status": status,
        },
    )


@page_view
def link_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan: its figures, per micro-grid figures, the diff, and what may be done with it."""
    plan = _plan(request, pk)
    action = request.GET.get("action", "")
    if action not in DIFF_ACTIONS and action != PlanAction.UNCOVERED:
        action = ""
    microgrids: list[dict[str, Any]] = plan.figures.get("microgrids", [])
    grid_page = Paginator(microgrids, PER_PAGE).get_page((request.GET.get("mg") or "")[:20])
    lines = paginate(request, plan_lines(plan, action=action))
    open_ = plan.status in (PlanStatus.DRAFT, PlanStatus.APPROVED)
    return render(
        request,
        "links/plans/detail.html",
        {
            "nav": "links",
            "plan": plan,
            "total": plan.figures.get("total", {}),
            "grid_page": grid_page,
            "page": lines,
            "action": action,
            "actions": [(a, PlanAction(a).label) for a in (*DIFF_ACTIONS, PlanAction.UNCOVERED)],
            "stale": plan_is_stale(plan) if open_ else False,
            "approve_form": ApproveForm(initial={"meeting_on": timezone.localdate()}),
            "map_data": plan_map_data(plan),
            "tile_url": getattr(settings, "TILE_URL", ""),
        },
    )


@page_view
@require_POST
def link_plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, str(text))
        return redirect("web:link_plan", pk=plan.pk)
    try:
        plan_approve(
            plan=plan,
            by=request.user,
            meeting=form.cleaned_data["meeting"],
            meeting_on=form.cleaned_data["meeting_on"],
        )
    except (ValidationError, PermissionDenied) as exc:
        _service_error(request, exc)
    else:
        messages.success(request, _("方案已批准"))
    return redirect("web:link_plan", pk=plan.pk)


@page_view
@require_POST
def link_plan_apply(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        plan_apply(plan=plan, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _service_error(request, exc)
    else:
        messages.success(request, _("方案已生效"))
    return redirect("web:link_plan", pk=plan.pk)


@page_view
@require_POST
def link_plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    try:
        plan_discard(plan=plan, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _service_error(request, exc)
    else:
        messages.success(request, _("方案已作废"))
    return redirect("web:link_plan", pk=plan.pk)
