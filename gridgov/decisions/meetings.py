"""Recording a meeting when it is held (会议记录): the roll computed for the day and frozen, the
attendance and votes, and the tally under the body's rule with its citation.

A record entered more than ``rules.LATE_RECORD_HOURS`` after the meeting is labelled 补记; a
meeting in the future, attendance above the roll and votes above attendance are refused with the
field named. A meeting that fails its quorum or majority fails its stage: the stage is held
again (重新召开), or carried by an override that a second person confirms (``services``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check

from .models import (
    Attendance,
    Meeting,
    MeetingBody,
    MeetingStatus,
    RollEntry,
    RollRole,
    Stage,
    StageKind,
    StageStatus,
    Vote,
)
from .procedures import COUNTED_BODIES
from .rolls import Roll, roll_for
from .rules import BODIES, LATE_RECORD_HOURS, MEETING_NOTICE_DAYS, PARTY_REVIEW_QUORUM
from .stages import advance, check_body, check_stage_may_meet, fail, lock_matter
from .tally import TallyError, TallyResult, tally

COUNT_FIELDS = (
    "present_adults",
    "present_household_reps",
    "present",
    "yes",
    "no",
    "abstain",
    "excused",
)


def check_notice(*, body: str, notice_given_on: dt.date | None, held_on: dt.date) -> None:
    """A villagers' meeting (and a collective members' assembly) is announced ahead
    (VCOL Art. 21; 集体经济组织法 Art. 27)."""
    days = (rule_value(MEETING_NOTICE_DAYS) or {}).get(body)
    if not days:
        return
    if notice_given_on is None or (held_on - notice_given_on).days < int(days):
        raise ValidationError(
            {
                "notice_given_on": _("%(body)s须提前%(days)s天通知（%(rule)s）")
                % {
                    "body": MeetingBody(body).label,
                    "days": days,
                    "rule": MEETING_NOTICE_DAYS.source,
                }
            }
        )


def effective_record(meeting: Meeting) -> dict[str, str]:
    """The amendable text of a meeting after its amendments, in order."""
    record = {"place": meeting.place, "chair": meeting.chair, "summary": meeting.summary}
    for amendment in meeting.amendments.order_by("at", "id"):
        for name, (_old, new) in amendment.changes.items():
            record[name] = new
    return record


def tally_fields(body: str, roll: Roll, counts: Mapping[str, int]) -> dict[str, int]:
    """The counts of ``gridgov decisions tally`` for this body, from the frozen roll."""
    if body in (MeetingBody.VILLAGERS, MeetingBody.GROUP):
        return {
            "adults": len(roll.persons),
            "households": len(roll.households),
            "present_adults": counts["present_adults"],
            "present_household_reps": counts["present_household_reps"],
            "present": counts["present"],
            "yes": counts["yes"],
        }
    roll_field = "voting_members" if body == MeetingBody.PARTY_ASSEMBLY else "members"
    return {roll_field: len(roll.persons), "present": counts["present"], "yes": counts["yes"]}


def _counts_from_attendance(
    roll: Roll, attendance: Mapping[int, tuple[str, str, str]]
) -> tuple[dict[int, tuple[str, str, str]], dict[str, int]]:
    on_roll = set(roll.persons)
    strangers = [pid for pid in attendance if pid not in on_roll]
    if strangers:
        raise ValidationError(
            {"attendance": _("有%(n)s人不在本次会议的应到名单上") % {"n": len(strangers)}}
        )
    rows: dict[int, tuple[str, str, str]] = {}
    counts = dict.fromkeys(COUNT_FIELDS, 0)
    for pid in roll.persons:
        state, vote, excuse = attendance.get(pid, (Attendance.ABSENT, "", ""))
        if state not in Attendance.values:
            raise ValidationError({"attendance": _("出席情况无效")})
        if vote and vote not in Vote.values:
            raise ValidationError({"votes": _("表决意见无效")})
        if vote and state != Attendance.PRESENT:
            raise ValidationError({"votes": _("未到会的人不能表决")})
        if state == Attendance.EXCUSED and not excuse.strip():
            raise ValidationError({"attendance": _("请假须写明原因")})
        rows[pid] = (state, vote, excuse.strip()[:100])
        if state == Attendance.PRESENT:
            counts["present"] += 1
            if vote:
                counts[vote] += 1
        elif state == Attendance.EXCUSED:
            counts["excused"] += 1
    return rows, counts


def _check_counts(body: str, roll: Roll, counts: dict[str, int]) -> None:
    for name in COUNT_FIELDS:
        value = counts.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError({name: _("须为非负整数")})
    due = len(roll.persons)
    if body in (MeetingBody.VILLAGERS, MeetingBody.GROUP, MeetingBody.DISCUSSION):
        if counts["present_adults"] > due:
            raise ValidationError(
                {
                    "present_adults": _("到会村民%(n)s人超过应到%(due)s人")
                    % {"n": counts["present_adults"], "due": due}
                }
            )
        if counts["present_household_reps"] > len(roll.households):
            raise ValidationError(
                {
                    "present_household_reps": _("到会户代表%(n)s人超过应到%(due)s户")
                    % {"n": counts["present_household_reps"], "due": len(roll.households)}
                }
            )
        if counts["present"] < max(counts["present_adults"], counts["present_household_reps"]):
            raise ValidationError({"present": _("实到人数不能少于到会村民或户代表人数")})
    if counts["present"] > due:
        raise ValidationError(
            {"present": _("实到%(n)s人超过应到%(due)s人") % {"n": counts["present"], "due": due}}
        )
    if counts["excused"] > due - counts["present"]:
        raise ValidationError({"excused": _("请假人数超过未到会人数")})
    if counts["yes"] > counts["present"]:
        raise ValidationError({"yes": _("赞成票超过实到人数")})
    if counts["yes"] + counts["no"] + counts["abstain"] > counts["present"]:
        raise ValidationError({"no": _("赞成、反对、弃权合计超过实到人数")})


def _tally(stage: Stage, body: str, roll: Roll, counts: dict[str, int]) -> TallyResult:
    if body == MeetingBody.DISCUSSION:
        return TallyResult(
            quorum=counts["present"] > 0,
            passed=counts["present"] > 0,
            rule=str(_("商议会听取意见，不表决；有人到会即视为已商议")),
            version="—",
            citation=str(_("江口县组委会制度（001）：组民商议")),
            body=body,
        )
    override = None
    party_rule = rule_value(PARTY_REVIEW_QUORUM)
    if stage.kind == StageKind.PARTY_REVIEW and party_rule:
        override = (int(party_rule[0]), int(party_rule[1]), False)
    try:
        result = tally(body, tally_fields(body, roll, counts), quorum_override=override)
    except TallyError as error:
        raise ValidationError({"present": str(error)}) from error
    return result


@transaction.atomic
def meeting_record(
    *,
    stage: Stage,
    body: str,
    held_at: dt.datetime,
    by: Any,
    meeting: Meeting | None = None,
    place: str = "",
    chair: str = "",
    summary: str = "",
    notice_given_on: dt.date | None = None,
    counts: Mapping[str, int] | None = None,
    attendance: Mapping[int, tuple[str, str, str]] | None = None,
) -> Meeting:
    """Record a meeting held for the matter's current stage, closing it with its tally.

    Bodies counted on paper (villagers', group and collective members' meetings) give
    ``counts``; the small bodies give ``attendance`` per person on the roll (attendance, vote,
    excuse), or their ``counts`` when votes were by show of hands."""
    acting_user_check(by)
    with acting_as(by):
        lock_matter(stage.matter_id)
        stage = Stage.objects.select_related("matter", "matter__node").get(pk=stage.pk)
        now = timezone.now()
        if timezone.is_naive(held_at):
            held_at = timezone.make_aware(held_at)
        if held_at > now:
            raise ValidationError({"held_at": _("会议时间不能晚于现在：会议须在召开后记录")})
        check_stage_may_meet(stage)
        check_body(stage, body)
        if meeting is not None:
            meeting = Meeting.objects.get(pk=meeting.pk)
            if meeting.stage_id != stage.pk or meeting.status != MeetingStatus.SCHEDULED:
                raise ValidationError({"meeting": _("该会议已记录或不属于此环节")})
            if meeting.body != body:
                raise ValidationError(
                    {"body": _("通知召开的是%(body)s") % {"body": meeting.get_body_display()}}
                )
            notice_given_on = notice_given_on or meeting.notice_given_on
        # The stages are held in order, and a stage held again after the meeting that failed.
        earlier = (
            Meeting.objects.filter(
                stage__matter_id=stage.matter_id,
                stage__order__lte=stage.order,
                status=MeetingStatus.CLOSED,
            )
            .order_by("-held_at")
            .values_list("held_at", flat=True)
            .first()
        )
        if earlier is not None and held_at < earlier:
            raise ValidationError(
                {
                    "held_at": _("会议时间不能早于本事项此前已记录的会议（%(at)s）")
                    % {"at": f"{timezone.localtime(earlier):%Y-%m-%d %H:%M}"}
                }
            )
        held_on = timezone.localdate(held_at)
        if notice_given_on is not None and notice_given_on > held_on:
            raise ValidationError({"notice_given_on": _("通知日期不能晚于会议日期")})
        check_notice(body=body, notice_given_on=notice_given_on, held_on=held_on)
        roll = roll_for(body, stage.matter.node, held_on)
        rows: dict[int, tuple[str, str, str]] = {}
        if attendance is not None and body not in COUNTED_BODIES:
            rows, tallied = _counts_from_attendance(roll, attendance)
        elif counts is not None:
            tallied = {name: counts.get(name, 0) for name in COUNT_FIELDS}
            if body not in (MeetingBody.VILLAGERS, MeetingBody.GROUP, MeetingBody.DISCUSSION):
                tallied["present_adults"] = tallied["present_household_reps"] = 0
        else:
            raise ValidationError({"present": _("请填写到会和表决情况")})
        _check_counts(body, roll, tallied)
        result = _tally(stage, body, roll, tallied)
        rule_meta = rule_value(BODIES).get(body, {})
        if meeting is None:
            meeting = Meeting(stage=stage, grid_path=stage.grid_path, body=body)
        meeting.body = body
        meeting.held_at = held_at
        meeting.place = place.strip()[:100] or meeting.place
        meeting.chair = chair.strip()[:50]
        meeting.summary = summary.strip()
        meeting.notice_given_on = notice_given_on
        meeting.roll_adults = len(roll.persons) if roll.by_place else 0
        meeting.roll_households = len(roll.households)
        meeting.roll_members = 0 if roll.by_place else len(roll.persons)
        for name in COUNT_FIELDS:
            setattr(meeting, name, tallied[name])
        meeting.quorum = result.quorum
        meeting.passed = result.passed
        meeting.rule_text = result.rule[:300]
        meeting.rule_version = (result.version or rule_meta.get("version", ""))[:20]
        meeting.citation = result.citation[:200]
        meeting.status = MeetingStatus.CLOSED
        meeting.recorded_at = now
        meeting.recorded_by = by
        meeting.late = now - held_at > dt.timedelta(hours=int(rule_value(LATE_RECORD_HOURS)))
        meeting.save()
        RollEntry.objects.bulk_create(
            [
                RollEntry(
                    meeting=meeting,
                    grid_path=meeting.grid_path,
                    role=RollRole.MEMBER,
                    person_id=pid,
                    attendance=rows.get(pid, ("", "", ""))[0],
                    vote=rows.get(pid, ("", "", ""))[1],
                    excuse=rows.get(pid, ("", "", ""))[2],
                )
                for pid in roll.persons
            ]
            + [
                RollEntry(
                    meeting=meeting,
                    grid_path=meeting.grid_path,
                    role=RollRole.HOUSEHOLD,
                    household_id=hid,
                )
                for hid in roll.households
            ],
            batch_size=1000,
        )
        audit_record(action="create", instance=meeting, after=snapshot(meeting))
        if meeting.passed:
            advance(stage)
        else:
            fail(stage)
        return meeting


def stage_is_current(stage: Stage) -> bool:
    return stage.status in (StageStatus.OPEN, StageStatus.FAILED)
