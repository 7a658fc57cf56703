"""The REST API of the meetings that decide each stage (/decision-meetings, /decision-stages)
and of the supervision committee's reviews (/decision-reviews); mounted by ``api/router.py``.

A meeting is recorded when it is held, with its roll computed for the day and frozen, the
attendance and votes, and the tally under its body's rule with the citation; a record entered
late is labelled 补记. Recording, scheduling, overrides and amendments need "manage_matters"
where the matter is; confirming an override "confirm_override" (and another person than the one
who asked); a review "supervise_matters", its answer "manage_matters". Out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.permissions import VIEW
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    NotFound,
    auth_user,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)

from ..meetings import effective_record, meeting_record
from ..models import (
    Meeting,
    MeetingAmendment,
    Review,
    ReviewVerdict,
    RollEntry,
    RollRole,
    Stage,
)
from ..permissions import CONFIRM_OVERRIDE, MANAGE_MATTERS, SUPERVISE_MATTERS
from ..procedures import PLACE_BODIES
from ..reviews import review_answer, review_record
from ..schemas.meetings import (
    DecisionAmendIn,
    DecisionAnswerIn,
    DecisionMeetingDetail,
    DecisionMeetingOut,
    DecisionMeetingPage,
    DecisionMeetingQuery,
    DecisionMeetingRecord,
    DecisionMeetingSchedule,
    DecisionOverrideIn,
    DecisionReviewIn,
    DecisionReviewOut,
    DecisionReviewPage,
    DecisionReviewQuery,
)
from ..services import (
    meeting_amend,
    meeting_override_confirm,
    meeting_override_request,
    meeting_schedule,
)

router = Router(tags=["重要事项决策"])

MEETING_READ = Meeting.objects.select_related(
    "stage__matter", "recorded_by", "override_requested_by", "override_confirmed_by"
)
REVIEW_READ = Review.objects.select_related("stage__matter", "by", "answered_by")


def meeting_label(pk: Any) -> str:
    return _("会议%(id)s") % {"id": pk}


def stage_label(pk: Any) -> str:
    return _("决策环节%(id)s") % {"id": pk}


def review_label(pk: Any) -> str:
    return _("监督意见%(id)s") % {"id": pk}


def meeting_detail(user: Any, pk: int) -> Meeting:
    """A meeting the user sees, with its effective record, amendments and, for the small
    bodies, its roll by name with attendance and votes (404 otherwise)."""
    qs: QuerySet[Meeting] = MEETING_READ.restrict(user, VIEW).prefetch_related(
        Prefetch(
            "amendments",
            queryset=MeetingAmendment.objects.select_related("by").order_by("at", "id"),
        )
    )
    meeting = qs.filter(pk=pk).first()
    if meeting is None:
        raise NotFound(meeting_label(pk))
    meeting.record = effective_record(meeting)  # type: ignore[attr-defined]
    if meeting.body in PLACE_BODIES or meeting.body == "collective_members_assembly":
        entries: list[RollEntry] = []  # counted on paper: the totals are the record
    else:
        entries = list(
            RollEntry.objects.filter(meeting=meeting, role=RollRole.MEMBER)
            .select_related("person")
            .order_by("id")
        )
    meeting.attendance = entries  # type: ignore[attr-defined]
    return meeting


def _stage(user: Any, pk: int, action: str) -> Stage:
    stage: Stage = get_visible(Stage.objects, user, action, what=stage_label(pk), pk=pk)
    return stage


def _meeting(user: Any, pk: int, action: str) -> Meeting:
    meeting: Meeting = get_visible(Meeting.objects, user, action, what=meeting_label(pk), pk=pk)
    return meeting


def _attendance(rows: list[Any] | None) -> dict[int, tuple[str, str, str]] | None:
    if rows is None:
        return None
    found: dict[int, tuple[str, str, str]] = {}
    for row in rows:
        if row.person_id in found:
            raise ValidationError({"attendance": _("同一人不能登记两次")})
        found[row.person_id] = (
            row.attendance.value,
            row.vote.value if row.vote else "",
            row.excuse,
        )
    return found


# -- Meetings ---------------------------------------------------------------------------------


@router.get(
    "/decision-meetings", response={200: DecisionMeetingPage, **ERRORS_READ}, summary="会议列表"
)
def decision_meeting_list(
    request: HttpRequest, query: Query[DecisionMeetingQuery]
) -> dict[str, Any]:
    """Newest first; ``matter`` lists one matter's meetings, failed ones included."""
    qs = MEETING_READ.restrict(auth_user(request), VIEW)
    if query.under:
        qs = qs.within(query.under)
    if query.matter is not None:
        qs = qs.filter(stage__matter_id=query.matter)
    return paginate(qs.order_by("-held_at", "-id"), query)


@router.get(
    "/decision-meetings/{int:meeting_id}",
    response={200: DecisionMeetingDetail, **ERRORS_READ},
    summary="会议详情",
)
def decision_meeting_get(request: HttpRequest, meeting_id: int) -> Meeting:
    """The frozen roll and counts, the tally with its rule, version and citation, 补记, the
    override and the amendments; for small bodies the roll by name."""
    return meeting_detail(auth_user(request), meeting_id)


@router.post(
    "/decision-stages/{int:stage_id}/meetings",
    response={201: DecisionMeetingDetail, **ERRORS_WRITE},
    summary="登记会议（记录表决结果）",
)
def decision_meeting_record(
    request: HttpRequest, stage_id: int, payload: DecisionMeetingRecord
) -> Any:
    """A meeting held for the matter's current stage, recorded with ``counts`` (bodies counted
    on paper) or ``attendance`` per person on the roll (small bodies). Attendance above the
    roll, votes above attendance and a time in the future are refused naming the field; a
    meeting that fails its quorum or majority fails its stage, which is then held again."""
    user = auth_user(request)
    stage = _stage(user, stage_id, MANAGE_MATTERS)
    scheduled = None
    if payload.meeting is not None:
        scheduled = _meeting(user, payload.meeting, MANAGE_MATTERS)
    counts = payload_data(payload.counts) if payload.counts is not None else None
    attendance = _attendance(payload.attendance)
    meeting = scoped_write(
        user,
        Meeting,
        MANAGE_MATTERS,
        lambda: meeting_record(
            stage=stage,
            body=payload.body.value,
            held_at=payload.held_at,
            meeting=scheduled,
            place=payload.place,
            chair=payload.chair,
            summary=payload.summary,
            notice_given_on=payload.notice_given_on,
            counts=counts,
            attendance=attendance,
            by=user,
        ),
    )
    return Status(201, meeting_detail(user, meeting.pk))


@router.post(
    "/decision-stages/{int:stage_id}/schedule",
    response={201: DecisionMeetingOut, **ERRORS_WRITE},
    summary="发出会议通知",
)
def decision_meeting_schedule(
    request: HttpRequest, stage_id: int, payload: DecisionMeetingSchedule
) -> Any:
    """Announces a meeting of the current stage; a villagers' meeting ten days ahead."""
    user = auth_user(request)
    stage = _stage(user, stage_id, MANAGE_MATTERS)
    meeting = scoped_write(
        user,
        Meeting,
        MANAGE_MATTERS,
        lambda: meeting_schedule(
            stage=stage,
            body=payload.body.value,
            held_at=payload.held_at,
            place=payload.place,
            notice_given_on=payload.notice_given_on,
            by=user,
        ),
    )
    return Status(201, MEETING_READ.get(pk=meeting.pk))


@router.post(
    "/decision-meetings/{int:meeting_id}/override",
    response={200: DecisionMeetingDetail, **ERRORS_WRITE},
    summary="申请特别通过",
)
def decision_meeting_override(
    request: HttpRequest, meeting_id: int, payload: DecisionOverrideIn
) -> Meeting:
    """Asks that a meeting which failed its quorum or majority carry its stage all the same,
    with a reason; another authorised person confirms it."""
    user = auth_user(request)
    meeting = _meeting(user, meeting_id, MANAGE_MATTERS)
    scoped_write(
        user,
        Meeting,
        MANAGE_MATTERS,
        lambda: meeting_override_request(meeting=meeting, reason=payload.reason, by=user),
    )
    return meeting_detail(user, meeting_id)


@router.post(
    "/decision-meetings/{int:meeting_id}/override/confirm",
    response={200: DecisionMeetingDetail, **ERRORS_WRITE},
    summary="确认特别通过",
)
def decision_meeting_override_confirm(request: HttpRequest, meeting_id: int) -> Meeting:
    """By a holder of "confirm_override" other than the one who asked: the stage then passes,
    and the override shows on the minutes and the notices."""
    user = auth_user(request)
    meeting = _meeting(user, meeting_id, CONFIRM_OVERRIDE)
    scoped_write(
        user,
        Meeting,
        CONFIRM_OVERRIDE,
        lambda: meeting_override_confirm(meeting=meeting, by=user),
    )
    return meeting_detail(user, meeting_id)


@router.post(
    "/decision-meetings/{int:meeting_id}/amendments",
    response={201: DecisionMeetingDetail, **ERRORS_WRITE},
    summary="更正会议记录",
)
def decision_meeting_amend(request: HttpRequest, meeting_id: int, payload: DecisionAmendIn) -> Any:
    """A labelled correction of the place, chair or summary of a recorded meeting; the record
    itself is not edited. Counts and votes are not amended: the stage is held again."""
    user = auth_user(request)
    meeting = _meeting(user, meeting_id, MANAGE_MATTERS)
    changes = payload_data(payload.changes, exclude_unset=True)
    scoped_write(
        user,
        MeetingAmendment,
        MANAGE_MATTERS,
        lambda: meeting_amend(meeting=meeting, changes=changes, reason=payload.reason, by=user),
    )
    return Status(201, meeting_detail(user, meeting_id))


# -- Reviews ----------------------------------------------------------------------------------


@router.get(
    "/decision-reviews", response={200: DecisionReviewPage, **ERRORS_READ}, summary="监督意见列表"
)
def decision_review_list(request: HttpRequest, query: Query[DecisionReviewQuery]) -> dict[str, Any]:
    """Newest first; ``pending`` lists the objections the two committees have not answered."""
    qs = REVIEW_READ.restrict(auth_user(request), VIEW)
    if query.under:
        qs = qs.within(query.under)
    if query.matter is not None:
        qs = qs.filter(stage__matter_id=query.matter)
    if query.pending:
        qs = qs.filter(verdict=ReviewVerdict.OBJECTION, answered_at__isnull=True)
    return paginate(qs.order_by("-at", "-id"), query)


@router.post(
    "/decision-stages/{int:stage_id}/reviews",
    response={201: DecisionReviewOut, **ERRORS_WRITE},
    summary="村务监督委员会监督意见",
)
def decision_review_create(request: HttpRequest, stage_id: int, payload: DecisionReviewIn) -> Any:
    """A sign-off, or an objection with a reason that holds the next stage until the two
    committees answer (within the rule's days)."""
    user = auth_user(request)
    stage = _stage(user, stage_id, SUPERVISE_MATTERS)
    review = scoped_write(
        user,
        Review,
        SUPERVISE_MATTERS,
        lambda: review_record(
            stage=stage, verdict=payload.verdict.value, reason=payload.reason, by=user
        ),
    )
    return Status(201, REVIEW_READ.get(pk=review.pk))


@router.post(
    "/decision-reviews/{int:review_id}/answer",
    response={200: DecisionReviewOut, **ERRORS_WRITE},
    summary="答复监督意见",
)
def decision_review_answer(
    request: HttpRequest, review_id: int, payload: DecisionAnswerIn
) -> Review:
    """The two committees' answer to an objection; the next stage may then go on."""
    user = auth_user(request)
    review: Review = get_visible(
        Review.objects, user, MANAGE_MATTERS, what=review_label(review_id), pk=review_id
    )
    scoped_write(
        user,
        Review,
        MANAGE_MATTERS,
        lambda: review_answer(review=review, answer=payload.answer, by=user),
    )
    return REVIEW_READ.get(pk=review_id)
