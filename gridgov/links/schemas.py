"""Schemas of the link register's API: links (联户关系), linkers (联户人), coverage (联户覆盖)
and a linker's own households (我的联系户).

Persons show only the masked citizen ID and phone, as everywhere in the API."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from ninja import Field, Schema

from gridgov.core.apischemas import Choice, NodeRef, PageQuery, UnderQuery, WriteSchema, choice

from .models import LinkerKind

# Links


class LinkerRef(Schema):
    id: int
    name: str
    kind: Choice

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.person.name)

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")


class LinkHouseholdRef(Schema):
    number: str
    address: str
    grid_path: str


class LinkOut(Schema):
    id: int
    linker: LinkerRef
    household: LinkHouseholdRef
    grid_path: str
    start_on: dt.date
    end_on: dt.date | None
    end_reason: str
    in_force: bool
    source: Choice
    pinned: bool = Field(..., description="双向选择：方案保留")
    cross_grid: bool = Field(..., description="联户人不在该户所在微网格")
    cross_grid_reason: str
    plan: int | None = Field(..., description="产生此联户关系的联户方案编号")
    created_at: dt.datetime

    @staticmethod
    def resolve_source(obj: Any) -> dict[str, str]:
        return choice(obj, "source")

    @staticmethod
    def resolve_cross_grid(obj: Any) -> bool:
        return bool(obj.linker.grid_path != obj.household.grid_path)

    @staticmethod
    def resolve_plan(obj: Any) -> int | None:
        return obj.plan_id  # type: ignore[no-any-return]


class LinkPage(Schema):
    count: int
    items: list[LinkOut]


class LinkState(enum.StrEnum):
    IN_FORCE = "in_force"
    ENDED = "ended"
    ALL = "all"


class LinkQuery(UnderQuery):
    """``q`` is a household number or a linker's name, exactly."""

    linker: int | None = Field(None, ge=1, le=2**63 - 1, description="联户人编号")
    state: LinkState = Field(LinkState.IN_FORCE, description="in_force 在联、ended 已结束、all")
    cross_grid: bool | None = Field(None, description="只列跨微网格的（true）或不跨的（false）")


class LinkCreate(WriteSchema):
    linker: int = Field(..., ge=1, le=2**63 - 1, description="联户人编号")
    household: str = Field(..., min_length=1, max_length=32, description="户编号")
    start_on: dt.date | None = Field(None, description="开始日期（默认今天）")
    pinned: bool = Field(False, description="双向选择（方案保留）")
    cross_grid_reason: str = Field("", max_length=200, description="跨微网格原因")
    replace: bool = Field(False, description="该户已有联户人时结束原联户关系并更换")
    end_reason: str = Field("", max_length=200, description="更换时原联户关系的结束原因")


class LinkEnd(WriteSchema):
    reason: str = Field(..., min_length=1, max_length=200, description="结束原因")
    end_on: dt.date | None = Field(None, description="结束日期（默认今天）")


# Linkers


class LinkerPersonRef(Schema):
    id: int
    name: str
    id_masked: str = Field(..., description="身份证号（遮蔽）")
    phone_masked: str = Field(..., description="电话（遮蔽）")
    household: str = Field(..., description="所在户编号")
    is_party_member: bool

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return str(obj.household.number)


class CapacityOut(Schema):
    low: int
    high: int


class LinkerOut(Schema):
    id: int
    person: LinkerPersonRef
    kind: Choice
    grid_path: str
    account: str | None = Field(..., description="联户人登录账号")
    cannot_link: bool
    cannot_link_reason: str
    phone_consent: bool = Field(..., description="同意在连心卡和公示牌上公开电话")
    phone_consent_at: dt.datetime | None
    load: int = Field(..., description="现联系户数")
    capacity: CapacityOut = Field(..., description="联系户数的下限和上限（规则 links.capacity）")
    exemption: str = Field(..., description="不作联户要求的原因（空：可联户）")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")

    @staticmethod
    def resolve_account(obj: Any) -> str | None:
        return obj.user.username if obj.user_id else None

    @staticmethod
    def resolve_load(obj: Any) -> int:
        return int(obj.load)

    @staticmethod
    def resolve_capacity(obj: Any) -> dict[str, int]:
        return {"low": obj.capacity.low, "high": obj.capacity.high}

    @staticmethod
    def resolve_exemption(obj: Any) -> str:
        return str(obj.exemption)


class LinkerPage(Schema):
    count: int
    items: list[LinkerOut]


class LinkerQuery(UnderQuery):
    """``q`` is a linker's name, exactly."""

    kind: LinkerKind | None = None


class LinkerCreate(WriteSchema):
    person: int = Field(..., ge=1, le=2**63 - 1, description="人员编号")
    kind: LinkerKind
    account: str | None = Field(None, max_length=150, description="登录账号（用户名）")
    phone_consent: bool = False
    cannot_link: bool = False
    cannot_link_reason: str = Field("", max_length=200)


class LinkerUpdate(WriteSchema):
    kind: LinkerKind = None
    account: str | None = Field(None, max_length=150, description="登录账号（用户名）；null 清除")
    phone_consent: bool = None
    cannot_link: bool = None
    cannot_link_reason: str = Field(None, max_length=200)


# Coverage


class CoverageQuery(Schema):
    under: str = Field(
        "", max_length=18, pattern=r"^\d*$", description="网格代码（默认：您管辖的最上级网格）"
    )


class ShortfallOut(Schema):
    code: str
    name: str
    households: int
    capacity: int
    shortfall: int


class CoverageOut(Schema):
    node: NodeRef
    households: int
    linked: int
    unlinked: int
    rate: float = Field(..., description="有联户人的户占比")
    priority: int = Field(..., description="重点户数（规则 links.priority_tags）")
    priority_linked: int
    priority_rate: float
    linkers: int
    eligible_linkers: int
    exempt_linkers: int
    over_capacity: int
    under_capacity: int
    cross_grid: int = Field(..., description="跨微网格的联户关系数")
    capacity: int = Field(..., description="可联户人的联系上限之和")
    shortfall: int = Field(..., description="各微网格联户人上限不足以覆盖的户数之和")
    shortfall_microgrids: list[ShortfallOut]


# My households


class MyHouseholdOut(Schema):
    number: str
    address: str
    lat: float | None
    lng: float | None
    microgrid: str = Field(..., description="微网格代码")
    head: str | None = Field(..., description="户主姓名")
    tags: list[str] = Field(..., description="标签（中文）")

    @staticmethod
    def resolve_microgrid(obj: Any) -> str:
        return str(obj.grid_path)

    @staticmethod
    def resolve_head(obj: Any) -> str | None:
        return obj.head_name  # type: ignore[no-any-return]

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return obj.tag_labels()  # type: ignore[no-any-return]


class MyHouseholdPage(Schema):
    count: int
    items: list[MyHouseholdOut]


__all__ = [
    "CoverageOut",
    "CoverageQuery",
    "LinkCreate",
    "LinkEnd",
    "LinkOut",
    "LinkPage",
    "LinkQuery",
    "LinkState",
    "LinkerCreate",
    "LinkerOut",
    "LinkerPage",
    "LinkerQuery",
    "LinkerUpdate",
    "MyHouseholdOut",
    "MyHouseholdPage",
    "PageQuery",
]
