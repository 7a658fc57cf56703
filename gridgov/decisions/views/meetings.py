"""A meeting's pages (会议): record the meeting of a matter's current stage when it is held (the
roll computed for the day; paper counts for the large bodies, one row per person for the small
ones), and a meeting's record with its frozen roll, tally, override and amendments.

The sequence, the roll, quorum and majority are the services' (``decisions.meetings``); the page
shows the rule and citation that will apply before the form, and the result after it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.cases.forms import add_service_errors
from gridgov.core.pages import page_view
from gridgov.core.rules import rule_value
from gridgov.core.scoping import get_scoped_or_404
from gridgov.grid.pages import grid_crumbs
from gridgov.people.models import Person

from ..forms import AmendForm, MeetingForm, by_person_default, now_local
from ..meetings import effective_record, meeting_record
from ..models import Meeting, MeetingBody, MeetingStatus, RollRole, Stage
from ..permissions import CONFIRM_OVERRIDE, MANAGE_MATTERS
from ..procedures import COUNTED_BODIES
from ..rolls import roll_for
from ..rules import MEETING_NOTICE_DAYS
from ..services import meeting_amend
from ..stages import check_stage_may_meet
from .matters import allowed_bodies, forbidden, may_print, rules_of

STAGE_READ = Stage.objects.select_related("matter", "matter__node", "matter__kind")
MEETING_READ = Meeting.objects.select_related(
    "stage",
    "stage__matter",
    "stage__matter__node",
    "recorded_by",
    "override_requested_by",
    "override_confirmed_by",
)
AMENDABLE_LABELS = {"place": _("地点"), "chair": _("主持人"), "summary": _("会议纪要")}


def result_text(meeting: Meeting) -> str:
    """The message after recording: quorum, result, what follows, and the citation."""
    quorum = _("达到法定人数") if meeting.quorum else _("未达到法定人数")
    if meeting.passed:
        outcome = _("表决通过，进入下一环节")
    else:
        outcome = _("未通过，须重新召开会议或撤回事项")
    text = _("会议已记录：%(quorum)s，%(outcome)s（依据：%(citation)s）") % {
        "quorum": quorum,
        "outcome": outcome,
        "citation": meeting.citation,
    }
    if meeting.late:
        text += _("；登记晚于规定时限，标注“补记”")
    return text


def _body_of(request: HttpRequest, bodies: tuple[str, ...], scheduled: Meeting | None) -> str:
    chosen = (request.POST.get("body") or request.GET.get("body") or "")[:40]
    if not chosen and scheduled is not None:
        chosen = scheduled.body
    return chosen if chosen in bodies else bodies[0]


@page_view
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the meeting of a stage (``?meeting=`` records one that was announced)."""
    user = request.user
    stage = get_scoped_or_404(STAGE_READ, user, VIEW, pk=pk)
    if not user_may(user, MANAGE_MATTERS, stage.grid_path):
        return forbidden(request, MANAGE_MATTERS)
    matter = stage.matter
    bodies = allowed_bodies(stage)
    if not bodies:
        messages.error(request, _("公开环节通过发布公告完成，不开会议"))
        return redirect("web:decision", pk=matter.pk)
    scheduled = None
    raw = (request.POST.get("meeting") or request.GET.get("meeting") or "")[:20]
    if raw:
        if not raw.isdigit():
            raise Http404
        scheduled = Meeting.objects.filter(
            stage=stage, pk=int(raw), status=MeetingStatus.SCHEDULED
        ).first()
        if scheduled is None:
            raise Http404
    body = _body_of(request, bodies, scheduled)
    mode = (request.POST.get("mode") or request.GET.get("mode") or "")[:10]
    by_person = by_person_default(body) and mode != "counts"
    blocked = ""
    try:
        check_stage_may_meet(stage)
    except ValidationError as exc:
        blocked = " ".join(exc.messages)
    roll_error = ""
    people: list[tuple[int, str]] = []
    roll_adults = roll_households = roll_members = 0
    try:
        roll = roll_for(body, matter.node, timezone.localdate())
    except ValidationError as exc:
        roll_error = " ".join(exc.messages)
    else:
        if body in COUNTED_BODIES:
            roll_adults, roll_households = len(roll.persons), len(roll.households)
        else:
            roll_members = len(roll.persons)
        if by_person:
            names = dict(Person.objects.filter(pk__in=roll.persons).values_list("id", "name"))
            people = [(pid, names.get(pid, "")) for pid in roll.persons]
    initial: dict[str, Any] = {
        "body": body,
        "mode": "counts" if not by_person and by_person_default(body) else "",
        "held_at": now_local(),
    }
    if scheduled is not None:
        initial.update(
            meeting=scheduled.pk,
            held_at=timezone.localtime(scheduled.held_at).replace(second=0, microsecond=0),
            place=scheduled.place,
            notice_given_on=scheduled.notice_given_on,
        )
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, body=body, by_person=by_person, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            meeting = meeting_record(
                stage=stage,
                body=body,
                held_at=cd["held_at"],
                meeting=scheduled,
                place=cd["place"],
                chair=cd["chair"],
                summary=cd["summary"],
                notice_given_on=cd["notice_given_on"],
                counts=None if by_person else form.counts(),
                attendance=form.attendance() if by_person else None,
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if meeting.passed:
                messages.success(request, result_text(meeting))
            else:
                messages.warning(request, result_text(meeting))
            return redirect("web:decision", pk=matter.pk)
    rules = {line.label: line for line in rules_of(stage)}
    label = str(MeetingBody(body).label)
    return render(
        request,
        "decisions/meeting_new.html",
        {
            "nav": "decisions",
            "stage": stage,
            "matter": matter,
            "crumbs": grid_crumbs(user, matter.node),
            "form": form,
            "body": body,
            "body_label": label,
            "bodies": [(b, MeetingBody(b).label) for b in bodies],
            "rule": rules.get(label),
            "notice_days": (rule_value(MEETING_NOTICE_DAYS) or {}).get(body),
            "by_person": by_person,
            "may_switch": by_person_default(body),
            "scheduled": scheduled,
            "blocked": blocked,
            "roll_error": roll_error,
            "roll_adults": roll_adults,
            "roll_households": roll_households,
            "roll_members": roll_members,
        },
        status=400 if form.errors else 200,
    )


@page_view
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting's record; POST is a labelled amendment of its place, chair or minutes."""
    user = request.user
    meeting = get_scoped_or_404(MEETING_READ, user, VIEW, pk=pk)
    matter = meeting.stage.matter
    may_manage = user_may(user, MANAGE_MATTERS, meeting.grid_path)
    closed = meeting.status == MeetingStatus.CLOSED
    form = None
    if request.method == "POST":
        if not may_manage:
            return forbidden(request, MANAGE_MATTERS)
        form = AmendForm(request.POST)
        if form.is_valid():
            try:
                meeting_amend(
                    meeting=meeting,
                    changes=form.changes(),
                    reason=form.cleaned_data["reason"],
                    by=user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已登记更正，原记录保留"))
                return redirect("web:decision_meeting", pk=meeting.pk)
    record = effective_record(meeting) if closed else None
    if form is None and may_manage and closed:
        form = AmendForm(initial=record)
    by_place = meeting.roll_adults > 0 or meeting.roll_households > 0
    roll = (
        list(
            meeting.roll.filter(role=RollRole.MEMBER)
            .select_related("person")
            .only("attendance", "vote", "excuse", "person__name")
            .order_by("id")
        )
        if closed and not by_place
        else []
    )
    amendments = [
        (
            amendment,
            [
                (AMENDABLE_LABELS.get(name, name), old, new)
                for name, (old, new) in amendment.changes.items()
            ],
        )
        for amendment in meeting.amendments.select_related("by").order_by("at", "id")
    ]
    return render(
        request,
        "decisions/meeting.html",
        {
            "nav": "decisions",
            "meeting": meeting,
            "matter": matter,
            "crumbs": grid_crumbs(user, matter.node),
            "closed": closed,
            "by_place": by_place,
            "roll": roll,
            "record": record,
            "amendments": amendments,
            "form": form,
            "may_manage": may_manage,
            "may_confirm": user_may(user, CONFIRM_OVERRIDE, meeting.grid_path),
            "minutes_pdf": may_print("web:decision_minutes"),
        },
        status=400 if form is not None and form.errors else 200,
    )
