"""Residents' matters for staff: the list, intake, the detail page with one form per step the
user may take now, and the photos. Reads are scoped (out of scope answers 404); every change
goes through ``cases.intake.matter_create`` or ``cases.services.matter_act``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import user_may
from gridgov.cases.permissions import REPORT_MATTER
from gridgov.core.crypto import mask_name, mask_phone
from gridgov.core.pages import page_view, paginate
from gridgov.core.scoping import get_scoped_or_404, may_anywhere
from gridgov.core.tables import write_table
from gridgov.core.workdays import calendar_warning
from gridgov.dataio.pages import export_file, export_format, wants_export
from gridgov.dataio.permissions import EXPORT
from gridgov.grid.models import GridLevel, GridNode
from gridgov.grid.pages import FILTER_LEVELS, MAX_OPTIONS, grid_crumbs, scope_nodes, scoped_node
from gridgov.people.models import Household

from ..action_forms import ActionChoices, ActionForm, action_form
from ..exports import MASKED_NOTE, matters_table
from ..forms import MatterFilterForm, StaffIntakeForm, add_service_errors
from ..intake import PlaceOutOfScope, matter_create
from ..models import Matter, MatterPhoto, Status
from ..selectors import (
    assignee_candidates,
    duplicate_candidates,
    matter_timeline,
    matters_filtered,
    transfer_departments,
)
from ..services import matter_act
from ..transitions import TRANSITIONS, action_label, allowed_from

MATTER_READ = Matter.objects.for_display().select_related("household", "reporter_user")
INTAKE_LEVELS = (GridLevel.VILLAGE, GridLevel.GROUP, GridLevel.MICROGRID)
# Who can be assigned: holders of a handling role at the level that holds the matter and the
# two levels above it (service check: the assignee may handle matters at that level).


@page_view
def matters(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = MatterFilterForm(request.GET, nodes=scope_nodes(user, VIEW, FILTER_LEVELS))
    under = form.value("under")
    node = scoped_node(user, under)
    filters = {k: form.value(k) for k in ("status", "category", "overdue", "mine", "q")}
    if node is not None:
        form.show_node(node)
    if under and node is None:
        queryset: QuerySet[Matter] = Matter.objects.none()
    else:
        queryset = matters_filtered(
            user,
            node=under,
            status=filters["status"],
            category=filters["category"],
            overdue=filters["overdue"] == "1",
            mine=filters["mine"] == "1",
            q=filters["q"],
        ).select_related("grid_node")
    if filters["overdue"] == "1":
        queryset = queryset.order_by("deadline", "id")
    if wants_export(request):
        return _matters_export(request, queryset)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "under_node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "page": paginate(request, queryset),
            "now": timezone.now(),
            "may_report": may_anywhere(user, REPORT_MATTER),
            "may_export": may_anywhere(user, EXPORT),
            "nav": "matters",
        },
    )


def _matters_export(request: HttpRequest, queryset: QuerySet[Matter]) -> HttpResponse:
    """The list as it is filtered, as a ledger (台账), where the user may export; the reporters'
    names and phones masked, the export audited."""
    user = request.user
    fmt = export_format(request)
    title = _("民情事项台账")
    headers, rows = matters_table(queryset.restrict(user, EXPORT))
    return export_file(
        request,
        object_type="cases.matter",
        filename=title,
        fmt=fmt,
        write=lambda stream: write_table(
            stream, fmt=fmt, title=title, headers=headers, rows=rows, note=str(MASKED_NOTE)
        ),
    )


@page_view
def matter_new(request: HttpRequest) -> HttpResponse:
    """登记: by whoever may report matters somewhere; household, place and point in scope."""
    user = request.user
    if not may_anywhere(user, REPORT_MATTER):
        raise Http404
    places = scope_nodes(user, REPORT_MATTER, INTAKE_LEVELS)
    if len(places) >= MAX_OPTIONS:  # a county's micro-grids: villages and groups are enough
        places = scope_nodes(user, REPORT_MATTER, INTAKE_LEVELS[:2])
    households = Household.objects.restrict(user, REPORT_MATTER)
    data = request.POST if request.method == "POST" else None
    form = StaffIntakeForm(data, request.FILES or None, places=places, households=households)
    if request.method == "POST" and form.is_valid():
        matter = _intake(user, form)
        if matter is not None:
            messages.success(
                request,
                _("已登记，编号%(n)s，由%(h)s办理")
                % {"n": matter.number, "h": matter.handler_node.name},
            )
            return redirect("web:matter", number=matter.number)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "cases/new.html",
        {"form": form, "nav": "matters"},
        status=status,
    )


def _intake(user: Any, form: StaffIntakeForm) -> Matter | None:
    """Create the matter, or put the reasons on the form and store nothing."""
    data = form.cleaned_data
    place = None
    if data.get("place"):
        place = GridNode.objects.restrict(user, REPORT_MATTER).get(code=data["place"])
    household = data.get("household")

    try:
        return matter_create(
            category=data["category"],
            description=data["description"],
            channel=data["channel"],
            reporter_user=user,
            household=household,
            lat=data.get("lat"),
            lng=data.get("lng"),
            address=data.get("address", ""),
            place=place,
            reporter_name=data.get("reporter_name", ""),
            reporter_phone=data.get("reporter_phone", ""),
            anonymous=data.get("anonymous", False),
            photos=data.get("photos") or [],
            acting_user=user,
        )
    except PlaceOutOfScope as exc:
        form.add_error("place", exc.args[0])
        return None
    except ValidationError as exc:
        add_service_errors(form, exc, place_field="place")
        return None


# ---------------------------------------------------------------------------------------------
# The detail page and its steps


def _user_label(user: Any) -> str:
    return user.get_full_name() or user.username


def available_actions(
    user: Any, matter: Matter, *, events: list, duplicates: list, departments: list | None
) -> list[str]:
    """allowed_from(status) ∩ the user's permission at the level that holds the matter, minus
    steps the service would refuse for plain reasons (nothing to approve, nobody to merge with)."""
    names = []
    for name in allowed_from(matter.status):
        if not user_may(user, TRANSITIONS[name].permission, matter.handler_path):
            continue
        assigned_to_other = matter.assignee_id not in (None, user.pk)
        if name == "sign" and matter.status == Status.ASSIGNED and assigned_to_other:
            continue
        if name in ("approve_extension", "reject_extension"):
            if not matter.extension_days:
                continue
            asked = [e for e in events if e.action == "request_extension"]
            if asked and asked[-1].actor_id == user.pk:
                continue
        if name == "request_extension" and matter.extension_days:
            continue
        if name == "escalate" and matter.handler_node.parent_id is None:
            continue
        if name == "merge" and not duplicates:
            continue
        if name == "transfer" and not departments:
            continue
        names.append(name)
    return names


def _duplicate_label(matter: Matter, meters: float | None) -> str:
    where = _("同一户") if meters is None else _("相距%(m)s米") % {"m": meters}
    return f"{matter.number} · {matter.get_status_display()} · {matter.description[:30]} · {where}"


def _choices(matter: Matter, duplicates: list, *, assign: bool) -> ActionChoices:
    choices = ActionChoices()
    if assign:
        candidates = assignee_candidates(matter)
        choices.assignees = {u.pk: u for u, _row in candidates}
        choices.assignee_labels = [
            (u.pk, f"{_user_label(u)} · {Role(row.role).label} · {row.node.name}")
            for u, row in candidates
        ]
    choices.duplicates = {m.number: m for m, _meters in duplicates}
    choices.duplicate_labels = [(m.number, _duplicate_label(m, d)) for m, d in duplicates]
    return choices


def _detail(
    request: HttpRequest,
    matter: Matter,
    *,
    failed: ActionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    events = matter_timeline(matter)
    duplicates = duplicate_candidates(matter, user=user)
    departments = None
    if matter.is_open and user_may(user, TRANSITIONS["transfer"].permission, matter.handler_path):
        departments = transfer_departments(matter)
    names = available_actions(
        user, matter, events=events, duplicates=duplicates, departments=departments
    )
    assign = "assign" in names or (failed is not None and failed.action == "assign")
    choices = _choices(matter, duplicates, assign=assign)
    choices.departments = {d.pk: d for d in departments or []}
    if "assign" in names and not choices.assignees:
        names.remove("assign")
    forms = []
    for name in names:
        form = (
            failed if failed is not None and failed.action == name else action_form(name, choices)
        )
        forms.append((name, action_label(name), form))
    local = timezone.localtime
    return render(
        request,
        "cases/detail.html",
        {
            "matter": matter,
            "crumbs": grid_crumbs(user, matter.grid_node),
            "events": [(e, action_label(e.action)) for e in events],
            "photos": list(matter.photos.all()),
            "merged_here": list(
                Matter.objects.restrict(user).filter(merged_into=matter).only("number", "status")
            ),
            "duplicates": duplicates,
            "forms": forms,
            "failed": failed if failed is not None and failed.action not in names else None,
            "failed_action": failed.action if failed is not None else "",
            "failed_label": action_label(failed.action) if failed is not None else "",
            "reporter_name": mask_name(matter.reporter_name),
            "reporter_phone": mask_phone(matter.reporter_phone)
            if matter.reporter_phone_cipher
            else "",
            "overdue": matter.is_open and matter.deadline < timezone.now(),
            "calendar_warning": calendar_warning(
                start=local(matter.received_at).date(), end=local(matter.deadline).date()
            ),
            "tracking_url": request.build_absolute_uri(
                reverse("public:track", args=[matter.tracking_token])
            ),
            "may_view_place": user_may(user, VIEW, matter.grid_node.code),
            "status_labels": dict(Status.choices),
            "nav": "matters",
        },
        status=status,
    )


@page_view
def matter_detail(request: HttpRequest, number: str) -> HttpResponse:
    matter = get_scoped_or_404(MATTER_READ, request.user, number=number)
    return _detail(request, matter)


@page_view
@require_POST
def matter_act_view(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One step: the form is checked, then the service; errors go back on the page's form."""
    user = request.user
    matter = get_scoped_or_404(MATTER_READ, user, number=number)
    if action not in TRANSITIONS:
        raise Http404
    duplicates = duplicate_candidates(matter, user=user) if action == "merge" else []
    choices = _choices(matter, duplicates, assign=action == "assign")
    if action == "transfer":
        choices.departments = {d.pk: d for d in transfer_departments(matter)}
    form = action_form(action, choices, request.POST)
    if not form.is_valid():
        return _detail(request, matter, failed=form, status=400)
    try:
        matter_act(matter=matter, user=user, action=action, **form.params())
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _detail(request, matter, failed=form, status=400)  # the service rolled back
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("无权办理此事项"))
        return _detail(request, matter, failed=form, status=403)
    messages.success(request, _("“%(a)s”已完成") % {"a": action_label(action)})
    return redirect("web:matter", number=matter.number)


@page_view
def matter_photo(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A photo of a matter the user may see (photos are not public files)."""
    matter = get_scoped_or_404(Matter.objects.all(), request.user, number=number)
    photo = MatterPhoto.objects.filter(matter=matter, pk=pk).first()
    if photo is None:
        raise Http404
    try:
        stream = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(stream, content_type=photo.content_type)
