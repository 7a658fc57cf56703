"""Schemas of party organizations (党组织), party members (党员), self-governance bodies
(自治组织), their memberships (任期) and grid posts (网格岗位)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from ninja import Field, Schema

from gridgov.core.apischemas import (
    Choice,
    NodeRef,
    OrgRef,
    PageQuery,
    PersonRef,
    UnderQuery,
    WriteSchema,
    choice,
)
from gridgov.orgs.models import BodyKind, BodyRole, GridPostKind, MemberStatus, OrgKind

# Party organizations


class PartyOrgOut(Schema):
    code: str
    name: str
    kind: Choice
    node: NodeRef
    grid_path: str
    parent: OrgRef | None
    members_count: int = Field(..., description="本组织直属党员数")
    full_members_count: int = Field(..., description="本组织直属正式党员数")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")


class PartyOrgDetail(PartyOrgOut):
    children: list[OrgRef]

    @staticmethod
    def resolve_children(obj: Any) -> list[Any]:
        return obj.children_list


class PartyOrgPage(Schema):
    count: int
    items: list[PartyOrgOut]


class PartyOrgQuery(UnderQuery):
    kind: OrgKind | None = None
    parent: str = Field("", max_length=32, description="上级组织代码")


class PartyOrgCreate(WriteSchema):
    code: str = Field(..., min_length=1, max_length=32, description="组织代码")
    name: str = Field(..., min_length=1, max_length=100)
    kind: OrgKind
    node: str = Field(..., max_length=18, description="所在网格代码")
    parent: str | None = Field(None, max_length=32, description="上级组织代码")


class PartyOrgUpdate(WriteSchema):
    name: str = Field(None, min_length=1, max_length=100)
    kind: OrgKind = None
    parent: str | None = Field(None, max_length=32, description="上级组织代码；null 清除")


# Party members


class MemberPersonRef(PersonRef):
    household: str = Field(..., description="户编号")

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return obj.household.number


class PartyMemberOut(Schema):
    id: int
    person: MemberPersonRef
    organization: OrgRef
    grid_path: str
    status: Choice
    joined_on: dt.date
    full_member_on: dt.date | None
    is_center_household: bool
    is_mobile: bool
    lost_contact: bool
    updated_at: dt.datetime

    @staticmethod
    def resolve_status(obj: Any) -> dict[str, str]:
        return choice(obj, "status")


class PartyMemberPage(Schema):
    count: int
    items: list[PartyMemberOut]


class MemberTag(enum.StrEnum):
    CENTER_HOUSEHOLD = "center_household"
    MOBILE = "mobile"
    LOST_CONTACT = "lost_contact"


class PartyMemberQuery(UnderQuery):
    status: MemberStatus | None = None
    organization: str = Field("", max_length=32, description="组织代码（只含直属党员）")
    tag: MemberTag | None = None


class PartyMemberCreate(WriteSchema):
    person: int = Field(..., description="人员编号")
    organization: str = Field(..., max_length=32, description="组织代码")
    status: MemberStatus
    joined_on: dt.date
    full_member_on: dt.date | None = None
    is_center_household: bool = False
    is_mobile: bool = False


class PartyMemberUpdate(WriteSchema):
    status: MemberStatus = None
    full_member_on: dt.date | None = Field(None, description="转正日期；null 清除")
    is_center_household: bool = None
    is_mobile: bool = None
    lost_contact: bool = None


class PartyMemberTransfer(WriteSchema):
    to_organization: str = Field(..., max_length=32, description="转入组织代码")
    reason: str = Field("", max_length=200)


# Self-governance bodies and memberships


class BodyOut(Schema):
    code: str
    name: str
    kind: Choice
    node: NodeRef
    grid_path: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")


class BodyPage(Schema):
    count: int
    items: list[BodyOut]


class BodyQuery(UnderQuery):
    kind: BodyKind | None = None


class BodyCreate(WriteSchema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    kind: BodyKind
    node: str = Field(..., max_length=18, description="所在网格代码")


class BodyUpdate(WriteSchema):
    name: str = Field(None, min_length=1, max_length=100)


class MembershipOut(Schema):
    id: int
    body: str = Field(..., description="组织代码")
    person: PersonRef
    role: Choice
    term_start: dt.date
    term_end: dt.date | None

    @staticmethod
    def resolve_body(obj: Any) -> str:
        return obj.body.code

    @staticmethod
    def resolve_role(obj: Any) -> dict[str, str]:
        return choice(obj, "role")


class MembershipPage(Schema):
    count: int
    items: list[MembershipOut]


class MembershipQuery(PageQuery):
    current: bool | None = Field(None, description="true：只列今天在任的；false：只列已卸任的")
    role: BodyRole | None = None


class MembershipCreate(WriteSchema):
    person: int = Field(..., description="人员编号")
    role: BodyRole
    term_start: dt.date
    term_end: dt.date | None = None


class MembershipUpdate(WriteSchema):
    role: BodyRole = None
    term_end: dt.date | None = Field(None, description="任期结束（卸任）；null 清除")


# Grid posts


class GridPostOut(Schema):
    id: int
    node: NodeRef
    person: PersonRef
    kind: Choice
    start_on: dt.date
    end_on: dt.date | None

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")


class GridPostPage(Schema):
    count: int
    items: list[GridPostOut]


class GridPostQuery(UnderQuery):
    kind: GridPostKind | None = None
    node: str = Field("", max_length=18, description="网格代码（只含该网格本级的岗位）")
    current: bool | None = Field(None, description="true：只列今天在岗的")


class GridPostCreate(WriteSchema):
    node: str = Field(..., max_length=18, description="网格代码")
    person: int = Field(..., description="人员编号")
    kind: GridPostKind
    start_on: dt.date
    end_on: dt.date | None = None


class GridPostUpdate(WriteSchema):
    start_on: dt.date = None
    end_on: dt.date | None = Field(None, description="结束（离岗）；null 清除")
