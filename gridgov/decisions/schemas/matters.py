"""Schemas of matters and their stages, notices, and the opinions asked of the households."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from gridgov.core.apischemas import Choice, NodeRef, PageQuery, UnderQuery, WriteSchema, choice

from ..models import (
    MatterStatus,
    MeetingBody,
    NoticeKind,
    OpinionChannel,
    Stance,
)
from ..procedures import bodies_for
from .meetings import (
    DecisionMeetingBrief,
    DecisionReviewBrief,
)
from .refs import (
    TEXT,
    DecisionCodeNameRef,
    DecisionKindRef,
    DecisionMatterRef,
    DecisionNamedRef,
    DecisionStageRef,
    OpinionCoverageOut,
    _optional_choice,
    user_name,
)

# -- Matters and stages -----------------------------------------------------------------------


class DecisionStageOut(Schema):
    id: int
    order: int
    kind: Choice
    status: Choice
    current: bool = Field(..., description="事项当前所处的环节")
    opened_at: dt.datetime | None
    closed_at: dt.datetime | None
    merged_with_next: bool = Field(..., description="与下一环节合并（“两委”会议一并进行）")
    bodies: list[Choice] = Field(..., description="可召开此环节会议的会议类型（公开环节为空）")
    meetings: list[DecisionMeetingBrief]
    reviews: list[DecisionReviewBrief]

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")

    @staticmethod
    def resolve_status(obj: Any) -> dict[str, str]:
        return choice(obj, "status")

    @staticmethod
    def resolve_bodies(obj: Any) -> list[dict[str, str]]:
        codes = (MeetingBody.TWO_COMMITTEES,) if obj.merged_with_next else bodies_for(obj.kind)
        return [{"code": str(code), "label": str(MeetingBody(code).label)} for code in codes]


class DecisionNoticeRef(Schema):
    id: int
    kind: Choice
    title: str
    published_at: dt.datetime

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")


class DecisionMatterOut(Schema):
    id: int
    number: str
    title: str
    kind: DecisionKindRef
    procedure: Choice
    node: NodeRef
    grid_path: str
    amount: Decimal | None = Field(..., description="金额（元）")
    status: Choice
    current_stage: DecisionStageRef | None = Field(..., description="当前环节；全部完成时为空")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_procedure(obj: Any) -> dict[str, str]:
        return choice(obj, "procedure")

    @staticmethod
    def resolve_status(obj: Any) -> dict[str, str]:
        return choice(obj, "status")

    @staticmethod
    def resolve_current_stage(obj: Any) -> Any:
        return obj.current


class DecisionMatterPage(Schema):
    count: int
    items: list[DecisionMatterOut]


class DecisionMatterDetail(DecisionMatterOut):
    description: str
    result_text: str = Field(..., description="实施结果")
    withdrawn_reason: str
    created_by: str | None
    stages: list[DecisionStageOut]
    coverage: OpinionCoverageOut = Field(..., description="最近一次意见征求的覆盖情况")
    notices: list[DecisionNoticeRef]

    @staticmethod
    def resolve_created_by(obj: Any) -> str | None:
        return user_name(obj.created_by)


class DecisionMatterQuery(UnderQuery):
    """``q`` is a matter's number, or words of its title."""

    status: MatterStatus | None = None
    kind: str = Field("", max_length=32, pattern=r"^[^\x00]*$", description="事权类别代码")


class DecisionMatterCreate(WriteSchema):
    node: str = Field(..., max_length=18, pattern=r"^\d*$", description="村或村民小组代码")
    kind: str = Field(..., max_length=32, description="事权类别代码（GET /decision-kinds）")
    title: str = Field(..., max_length=200)
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2, description="金额（元）")
    description: str = Field("", max_length=TEXT)


class DecisionWithdrawIn(WriteSchema):
    reason: str = Field(..., max_length=200, description="撤回原因")


class DecisionResultIn(WriteSchema):
    result_text: str = Field(..., max_length=TEXT, description="实施结果")


# -- Notices ----------------------------------------------------------------------------------


class DecisionNoticeOut(Schema):
    id: int
    node: NodeRef
    matter: DecisionMatterRef | None
    kind: Choice
    major: bool = Field(..., description="涉及村民利益的重大事项")
    title: str
    published_at: dt.datetime
    period_days: int = Field(..., description="公示天数")
    objection_until: dt.date = Field(..., description="异议截止日期")
    published_by: str | None

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")

    @staticmethod
    def resolve_published_by(obj: Any) -> str | None:
        return user_name(obj.published_by)


class DecisionNoticePage(Schema):
    count: int
    items: list[DecisionNoticeOut]


class DecisionNoticeDetail(DecisionNoticeOut):
    body: str
    text: str = Field(..., description="公告的公开文本（公开栏、扫码核验页和打印件所示）")


class DecisionNoticeQuery(PageQuery):
    under: str = Field("", max_length=18, pattern=r"^\d*$", description="网格代码（子树）")
    kind: NoticeKind | None = None
    matter: int | None = Field(None, ge=1, le=2**63 - 1, description="事项编号（id）")


class DecisionNoticeCreate(WriteSchema):
    kind: NoticeKind
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=TEXT)
    node: str = Field(
        "", max_length=18, pattern=r"^\d*$", description="村代码（事项的公开默认为事项所在村）"
    )
    matter: int | None = Field(None, ge=1, le=2**63 - 1, description="决议或实施结果公开的事项")
    major: bool = Field(False, description="涉及村民利益的重大事项（事项的公开一律为是）")
    period_days: int | None = Field(None, description="公示天数（默认按规则，1到365天）")


# -- Solicitations and opinions ---------------------------------------------------------------


class DecisionSolicitationOut(Schema):
    id: int
    matter: DecisionMatterRef
    question: str
    opened_at: dt.datetime
    closes_on: dt.date
    open: bool = Field(..., description="尚未截止")
    opened_by: str | None
    coverage: OpinionCoverageOut
    microgrids: list[OpinionCoverageOut] = Field(..., description="各微网格的覆盖情况")

    @staticmethod
    def resolve_opened_by(obj: Any) -> str | None:
        return user_name(obj.opened_by)


class DecisionSolicitationCreate(WriteSchema):
    question: str = Field(..., max_length=TEXT, description="征求意见的内容")
    closes_on: dt.date = Field(..., description="截止日期")


class OpinionHouseholdRef(Schema):
    number: str
    address: str


class OpinionTaskOut(Schema):
    id: int
    solicitation: int
    household: OpinionHouseholdRef
    microgrid: DecisionCodeNameRef
    party_group: DecisionCodeNameRef | None
    linker: DecisionNamedRef | None
    stance: Choice | None
    text: str
    channel: Choice | None
    answered_at: dt.datetime | None
    answered_by: str | None

    @staticmethod
    def resolve_solicitation(obj: Any) -> int:
        return int(obj.solicitation_id)

    @staticmethod
    def resolve_linker(obj: Any) -> dict[str, Any] | None:
        if obj.linker_id is None:
            return None
        return {"id": obj.linker_id, "name": str(obj.linker.person.name)}

    @staticmethod
    def resolve_stance(obj: Any) -> dict[str, str] | None:
        return _optional_choice(obj, "stance")

    @staticmethod
    def resolve_channel(obj: Any) -> dict[str, str] | None:
        return _optional_choice(obj, "channel")

    @staticmethod
    def resolve_answered_by(obj: Any) -> str | None:
        return user_name(obj.answered_by)


class OpinionTaskPage(Schema):
    count: int
    items: list[OpinionTaskOut]


class OpinionTaskQuery(PageQuery):
    under: str = Field("", max_length=18, pattern=r"^\d*$", description="网格代码（子树）")
    answered: bool | None = Field(None, description="只列已答复（true）或未答复（false）的")
    mine: bool = Field(False, description="只列我（联户人账号）联系的户")


class OpinionIn(WriteSchema):
    stance: Stance
    text: str = Field("", max_length=500, description="意见内容（建议时必填）")
    channel: OpinionChannel = Field(OpinionChannel.VISIT, description="征求方式")
