"""Schemas of households (户) and persons (人).

Persons show only masked citizen ID and phone; full values are taken on create/update and
encrypted by the service. Sensitive fields (PersonSensitive) appear only in a person's detail,
for users allowed "view_sensitive" there.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from ninja import Field, Schema

from gridgov.core.apischemas import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    Choice,
    NodeRef,
    UnderQuery,
    WriteSchema,
    choice,
)

from .models import (
    DisabilityCategory,
    LeftBehind,
    MonitoringType,
    Relation,
    ResidenceType,
    Sex,
    SpecialGroup,
)
from .selectors import HOUSEHOLD_TAGS, PERSON_TAGS

HouseholdTag = enum.StrEnum("HouseholdTag", {key: key for key in HOUSEHOLD_TAGS})


PersonTag = enum.StrEnum("PersonTag", {key: key for key in PERSON_TAGS})


class HeadRef(Schema):
    id: int
    name: str


class HouseholdOut(Schema):
    number: str
    address: str
    lat: float | None
    lng: float | None
    microgrid: NodeRef
    head: HeadRef | None
    is_dibao: bool
    is_tekun: bool
    is_tuopin: bool
    monitoring_type: Choice
    is_military_family: bool
    is_party_household: bool
    tags: list[str] = Field(..., description="标签（中文）")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_monitoring_type(obj: Any) -> dict[str, str]:
        return choice(obj, "monitoring_type")

    @staticmethod
    def resolve_tags(obj: Any) -> list[str]:
        return obj.tag_labels()


class PersonOut(Schema):
    id: int
    name: str
    household: str = Field(..., description="户编号")
    grid_path: str
    sex: Choice
    birth_date: dt.date
    id_masked: str = Field(..., description="身份证号（遮蔽）")
    phone_masked: str = Field(..., description="电话（遮蔽）")
    relation: Choice
    residence_type: Choice
    left_behind: Choice
    lives_alone: bool
    is_party_member: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return obj.household.number

    @staticmethod
    def resolve_sex(obj: Any) -> dict[str, str]:
        return choice(obj, "sex")

    @staticmethod
    def resolve_relation(obj: Any) -> dict[str, str]:
        return choice(obj, "relation")

    @staticmethod
    def resolve_residence_type(obj: Any) -> dict[str, str]:
        return choice(obj, "residence_type")

    @staticmethod
    def resolve_left_behind(obj: Any) -> dict[str, str]:
        return choice(obj, "left_behind")


class SensitiveOut(Schema):
    special_group: Choice
    disability_category: Choice
    disability_grade: int | None
    serious_illness: bool
    health_note: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_special_group(obj: Any) -> dict[str, str]:
        return choice(obj, "special_group")

    @staticmethod
    def resolve_disability_category(obj: Any) -> dict[str, str]:
        return choice(obj, "disability_category")


class PersonDetail(PersonOut):
    sensitive: SensitiveOut | None = Field(
        None, description="敏感信息：仅对有“查看敏感信息”权限的用户显示，且每次查看都记入审计"
    )

    @staticmethod
    def resolve_sensitive(obj: Any) -> Any:
        return getattr(obj, "sensitive_shown", None)


class HouseholdDetail(HouseholdOut):
    members: list[PersonOut]

    @staticmethod
    def resolve_members(obj: Any) -> list[Any]:
        return obj.member_list


class HouseholdPage(Schema):
    count: int
    items: list[HouseholdOut]


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class HouseholdQuery(UnderQuery):
    tag: HouseholdTag | None = Field(None, description="户标签")


class PersonQuery(UnderQuery):
    """``q`` in a URL is a name: a citizen ID or phone number there is refused (422), since a
    URL is written to access logs; search by ID with ``POST /persons/search``."""

    residence_type: ResidenceType | None = None
    household: str = Field("", max_length=32, description="户编号")
    tag: PersonTag | None = None


class PersonSearch(WriteSchema):
    """The body of ``POST /persons/search``: the query travels in the body, not the URL."""

    q: str = Field(
        ...,
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="完整的身份证号（按加密索引精确查找），或姓名的一部分",
    )
    under: str = Field("", max_length=18, pattern=r"^\d*$", description="网格代码（子树）")
    residence_type: ResidenceType | None = None
    household: str = Field("", max_length=32, description="户编号")
    tag: PersonTag | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（最多200）")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


class HouseholdCreate(WriteSchema):
    number: str = Field(..., min_length=1, max_length=32, description="户编号")
    microgrid: str = Field(..., max_length=18, description="微网格代码")
    address: str = Field("", max_length=200)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    is_dibao: bool = False
    is_tekun: bool = False
    is_tuopin: bool = False
    monitoring_type: MonitoringType = MonitoringType.NONE
    is_military_family: bool = False


class HouseholdUpdate(WriteSchema):
    address: str = Field(None, max_length=200)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    is_dibao: bool = None
    is_tekun: bool = None
    is_tuopin: bool = None
    monitoring_type: MonitoringType = None
    is_military_family: bool = None
    head: int | None = Field(None, description="户主（本户成员的人员编号）；null 清除")


class HouseholdMoveIn(WriteSchema):
    to_microgrid: str = Field(..., max_length=18, description="迁入的微网格代码")
    reason: str = Field("", max_length=200)


class PersonCreate(WriteSchema):
    household: str = Field(..., max_length=32, description="户编号")
    name: str = Field(..., min_length=1, max_length=50)
    citizen_id: str = Field(..., max_length=30, description="身份证号（加密保存，只显示遮蔽值）")
    sex: Sex | None = Field(None, description="可不填：由身份证号推出；填了则须一致")
    birth_date: dt.date | None = Field(None, description="可不填：由身份证号推出")
    phone: str = Field("", max_length=30, description="电话（加密保存）")
    relation: Relation = Relation.OTHER
    residence_type: ResidenceType = ResidenceType.REGISTERED
    left_behind: LeftBehind = LeftBehind.NONE
    lives_alone: bool = False


class PersonUpdate(WriteSchema):
    name: str = Field(None, min_length=1, max_length=50)
    relation: Relation = None
    residence_type: ResidenceType = None
    left_behind: LeftBehind = None
    lives_alone: bool = None
    citizen_id: str = Field(None, max_length=30, description="更正身份证号")
    phone: str = Field(None, max_length=30, description="新电话；空串清除")


class PersonMoveIn(WriteSchema):
    to_household: str = Field(..., max_length=32, description="迁入的户编号")
    reason: str = Field("", max_length=200)


class SensitiveUpdate(WriteSchema):
    special_group: SpecialGroup = None
    disability_category: DisabilityCategory = None
    disability_grade: int | None = Field(None, ge=1, le=4, description="残疾等级；null 清除")
    serious_illness: bool = None
    health_note: str = Field(None, max_length=200)


class RevealField(enum.StrEnum):
    CITIZEN_ID = "citizen_id"
    PHONE = "phone"


class RevealIn(WriteSchema):
    field: RevealField = Field(..., description="citizen_id（身份证号）或 phone（电话）")
    reason: str = Field(..., min_length=1, max_length=200, description="查看事由，记入审计日志")


class RevealOut(Schema):
    field: RevealField
    value: str = Field(..., description="完整的值（电话可能为空）")
