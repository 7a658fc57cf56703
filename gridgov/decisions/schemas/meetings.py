"""Schemas of meetings (with their frozen roll and tally) and of supervision reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from gridgov.core.apischemas import Choice, PageQuery, WriteSchema, choice

from ..models import (
    Attendance,
    MeetingBody,
    ReviewVerdict,
    Vote,
)
from ..reviews import answer_overdue
from .refs import (
    BIG,
    TEXT,
    DecisionMatterRef,
    DecisionNamedRef,
    DecisionStageRef,
    _optional_choice,
    user_name,
)

# -- Meetings ---------------------------------------------------------------------------------


class DecisionMeetingBrief(Schema):
    """A meeting as it shows on its matter: body, date, roll, result."""

    id: int
    body: Choice
    status: Choice
    held_at: dt.datetime
    due: int = Field(..., description="应到（村民会议为十八周岁以上村民，其余为成员）")
    present: int
    yes: int
    no: int
    abstain: int
    quorum: bool
    passed: bool = Field(..., description="按规则计算的表决结果")
    overridden: bool = Field(..., description="未达法定要求，经两名授权人员确认特别通过")
    effective_pass: bool = Field(..., description="该会议使环节通过（表决通过或特别通过）")
    late: bool = Field(..., description="补记：会议结束后超过规定时限才登记")

    @staticmethod
    def resolve_body(obj: Any) -> dict[str, str]:
        return choice(obj, "body")

    @staticmethod
    def resolve_status(obj: Any) -> dict[str, str]:
        return choice(obj, "status")

    @staticmethod
    def resolve_due(obj: Any) -> int:
        return int(obj.roll_adults or obj.roll_members)


class DecisionTallyOut(Schema):
    quorum: bool = Field(..., description="是否达到到会要求")
    passed: bool = Field(..., description="是否按规则表决通过")
    rule: str = Field(..., description="适用的规则")
    version: str = Field(..., description="规则依据的文本版本")
    citation: str = Field(..., description="依据（法规名称和条款）")


class DecisionOverrideOut(Schema):
    reason: str
    requested_by: str | None
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    confirmed: bool


class DecisionMeetingOut(Schema):
    id: int
    matter: DecisionMatterRef
    stage: DecisionStageRef
    body: Choice
    status: Choice = Field(..., description="scheduled 已通知；closed 已记录")
    held_at: dt.datetime
    place: str
    chair: str
    notice_given_on: dt.date | None
    roll_adults: int = Field(..., description="应到：十八周岁以上村民（会议当日，已冻结）")
    roll_households: int = Field(..., description="应到：户（户代表）")
    roll_members: int = Field(..., description="应到：成员（委员、代表、有表决权的党员）")
    due: int = Field(..., description="应到人数")
    excused: int
    present_adults: int
    present_household_reps: int
    present: int
    yes: int
    no: int
    abstain: int
    result: DecisionTallyOut | None = Field(..., description="计票结果（未记录的会议为空）")
    late: bool = Field(..., description="补记：会议结束后超过规定时限才登记")
    recorded_at: dt.datetime | None
    recorded_by: str | None
    override: DecisionOverrideOut | None = Field(..., description="特别通过（申请、确认）")
    effective_pass: bool

    @staticmethod
    def resolve_matter(obj: Any) -> Any:
        return obj.stage.matter

    @staticmethod
    def resolve_body(obj: Any) -> dict[str, str]:
        return choice(obj, "body")

    @staticmethod
    def resolve_status(obj: Any) -> dict[str, str]:
        return choice(obj, "status")

    @staticmethod
    def resolve_due(obj: Any) -> int:
        return int(obj.roll_adults or obj.roll_members)

    @staticmethod
    def resolve_result(obj: Any) -> dict[str, Any] | None:
        if obj.status != "closed":
            return None
        return {
            "quorum": obj.quorum,
            "passed": obj.passed,
            "rule": obj.rule_text,
            "version": obj.rule_version,
            "citation": obj.citation,
        }

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str | None:
        return user_name(obj.recorded_by)

    @staticmethod
    def resolve_override(obj: Any) -> dict[str, Any] | None:
        if not obj.override_requested_by_id:
            return None
        return {
            "reason": obj.override_reason,
            "requested_by": user_name(obj.override_requested_by),
            "confirmed_by": user_name(obj.override_confirmed_by),
            "confirmed_at": obj.override_confirmed_at,
            "confirmed": obj.override_confirmed_by_id is not None,
        }


class DecisionMeetingPage(Schema):
    count: int
    items: list[DecisionMeetingOut]


class DecisionAmendmentOut(Schema):
    id: int
    changes: dict[str, list[str]] = Field(..., description="字段 → [原内容, 更正后]")
    reason: str
    by: str | None
    at: dt.datetime

    @staticmethod
    def resolve_by(obj: Any) -> str | None:
        return user_name(obj.by)


class DecisionRecordOut(Schema):
    place: str
    chair: str
    summary: str


class DecisionRollEntryOut(Schema):
    person: DecisionNamedRef | None
    attendance: Choice | None
    vote: Choice | None
    excuse: str

    @staticmethod
    def resolve_person(obj: Any) -> dict[str, Any] | None:
        if obj.person_id is None:
            return None
        return {"id": obj.person_id, "name": str(obj.person.name)}

    @staticmethod
    def resolve_attendance(obj: Any) -> dict[str, str] | None:
        return _optional_choice(obj, "attendance")

    @staticmethod
    def resolve_vote(obj: Any) -> dict[str, str] | None:
        return _optional_choice(obj, "vote")


class DecisionMeetingDetail(DecisionMeetingOut):
    summary: str
    record: DecisionRecordOut = Field(..., description="地点、主持人和纪要（含更正后的内容）")
    amendments: list[DecisionAmendmentOut] = Field(..., description="更正记录（原记录不修改）")
    attendance: list[DecisionRollEntryOut] = Field(
        ..., description="应到名单及出席、表决（委员会等小型会议；村民会议只记人数）"
    )


class DecisionMeetingQuery(PageQuery):
    under: str = Field("", max_length=18, pattern=r"^\d*$", description="网格代码（子树）")
    matter: int | None = Field(None, ge=1, le=2**63 - 1, description="事项编号（id）")


class DecisionMeetingCounts(WriteSchema):
    """Counts entered after the meeting (paper tallies or a show of hands)."""

    present_adults: int = Field(0, ge=0, le=BIG, description="到会的十八周岁以上村民")
    present_household_reps: int = Field(0, ge=0, le=BIG, description="到会的户代表")
    present: int = Field(0, ge=0, le=BIG, description="实到")
    yes: int = Field(0, ge=0, le=BIG, description="赞成")
    no: int = Field(0, ge=0, le=BIG, description="反对")
    abstain: int = Field(0, ge=0, le=BIG, description="弃权")
    excused: int = Field(0, ge=0, le=BIG, description="请假")


class DecisionAttendanceIn(WriteSchema):
    person_id: int = Field(..., ge=1, le=2**63 - 1, description="应到名单上的人员编号")
    attendance: Attendance
    vote: Vote | None = Field(None, description="到会者的表决；空：未表决")
    excuse: str = Field("", max_length=100, description="请假原因（请假时必填）")


class DecisionMeetingRecord(WriteSchema):
    body: MeetingBody
    held_at: dt.datetime = Field(..., description="召开时间（不能晚于现在）")
    meeting: int | None = Field(None, ge=1, le=2**63 - 1, description="已通知的会议编号")
    place: str = Field("", max_length=100)
    chair: str = Field("", max_length=50)
    summary: str = Field("", max_length=TEXT)
    notice_given_on: dt.date | None = Field(None, description="通知日期")
    counts: DecisionMeetingCounts | None = Field(
        None, description="人数和票数（村民会议等按人数登记）"
    )
    attendance: list[DecisionAttendanceIn] | None = Field(
        None, max_length=5000, description="逐人出席和表决（小型会议）；未列出的人记为缺席"
    )


class DecisionMeetingSchedule(WriteSchema):
    body: MeetingBody
    held_at: dt.datetime = Field(..., description="召开时间")
    place: str = Field("", max_length=100)
    notice_given_on: dt.date | None = Field(None, description="通知日期（默认今天）")


class DecisionOverrideIn(WriteSchema):
    reason: str = Field(..., max_length=300, description="特别通过的理由")


class DecisionAmendChanges(WriteSchema):
    place: str = Field("", max_length=100)
    chair: str = Field("", max_length=50)
    summary: str = Field("", max_length=TEXT)


class DecisionAmendIn(WriteSchema):
    changes: DecisionAmendChanges = Field(..., description="更正的字段（人数和表决结果不能更正）")
    reason: str = Field(..., max_length=300)


# -- Reviews ----------------------------------------------------------------------------------


class DecisionReviewBrief(Schema):
    id: int
    verdict: Choice
    reason: str
    by: str | None
    at: dt.datetime
    answer_due: dt.date | None
    answer: str
    answered_by: str | None
    answered_at: dt.datetime | None
    holds: bool = Field(..., description="未答复的异议：暂停下一环节")

    @staticmethod
    def resolve_verdict(obj: Any) -> dict[str, str]:
        return choice(obj, "verdict")

    @staticmethod
    def resolve_by(obj: Any) -> str | None:
        return user_name(obj.by)

    @staticmethod
    def resolve_answered_by(obj: Any) -> str | None:
        return user_name(obj.answered_by)


class DecisionReviewOut(DecisionReviewBrief):
    matter: DecisionMatterRef
    stage: DecisionStageRef
    overdue: bool = Field(..., description="异议超过答复期限仍未答复")

    @staticmethod
    def resolve_matter(obj: Any) -> Any:
        return obj.stage.matter

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return answer_overdue(obj)


class DecisionReviewPage(Schema):
    count: int
    items: list[DecisionReviewOut]


class DecisionReviewQuery(PageQuery):
    under: str = Field("", max_length=18, pattern=r"^\d*$", description="网格代码（子树）")
    matter: int | None = Field(None, ge=1, le=2**63 - 1, description="事项编号（id）")
    pending: bool = Field(False, description="只列未答复的异议")


class DecisionReviewIn(WriteSchema):
    verdict: ReviewVerdict
    reason: str = Field("", max_length=TEXT, description="意见内容（提出异议时必填）")


class DecisionAnswerIn(WriteSchema):
    answer: str = Field(..., max_length=TEXT, description="村“两委”的答复")
