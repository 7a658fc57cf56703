"""Schemas of residents' matters, their categories, notifications and measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from ninja import Field, Schema

from gridgov.core.apischemas import Choice, IsoDate, NodeRef, UnderQuery, WriteSchema, choice
from gridgov.core.crypto import mask_name, mask_phone

from .models import OPEN_STATUSES
from .transitions import action_label


class CategoryOut(Schema):
    code: str
    name: str
    kind: Choice
    start_level: Choice
    description: str

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")

    @staticmethod
    def resolve_start_level(obj: Any) -> dict[str, str]:
        return choice(obj, "start_level")


class CategoryRef(Schema):
    code: str
    name: str


class MatterOut(Schema):
    number: str
    category: CategoryRef
    description: str
    status: Choice
    channel: Choice
    place: NodeRef = Field(..., alias="grid_node")
    handler: NodeRef = Field(..., alias="handler_node")
    department: str | None
    assignee: str | None
    received_at: dt.datetime
    deadline: dt.datetime
    overdue: bool
    lat: float | None
    lng: float | None
    address: str
    anonymous: bool
    reporter_name_masked: str
    reporter_phone_masked: str
    answer: str
    settled_at: dt.datetime | None
    satisfaction: str
    merged_into: str | None
    tracking_url: str

    @staticmethod
    def resolve_status(obj: Any) -> dict[str, str]:
        return choice(obj, "status")

    @staticmethod
    def resolve_channel(obj: Any) -> dict[str, str]:
        return choice(obj, "channel")

    @staticmethod
    def resolve_department(obj: Any) -> str | None:
        return obj.department.name if obj.department_id else None

    @staticmethod
    def resolve_assignee(obj: Any) -> str | None:
        return obj.assignee.username if obj.assignee_id else None

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return obj.status in OPEN_STATUSES and obj.deadline < timezone.now()

    @staticmethod
    def resolve_reporter_name_masked(obj: Any) -> str:
        return mask_name(obj.reporter_name)

    @staticmethod
    def resolve_reporter_phone_masked(obj: Any) -> str:
        return mask_phone(obj.reporter_phone) if obj.reporter_phone_cipher else ""

    @staticmethod
    def resolve_merged_into(obj: Any) -> str | None:
        return obj.merged_into.number if obj.merged_into_id else None

    @staticmethod
    def resolve_tracking_url(obj: Any) -> str:
        return f"{getattr(settings, 'GRIDGOV_PUBLIC_URL', '')}/p/m/{obj.tracking_token}/"


class EventOut(Schema):
    at: dt.datetime
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor_label: str
    actor: str | None
    note: str
    public_note: str

    @staticmethod
    def resolve_action_label(obj: Any) -> str:
        return action_label(obj.action)

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return obj.actor.username if obj.actor_id else None


class MatterDetail(MatterOut):
    events: list[EventOut]
    allowed_actions: list[str] = Field(..., description="此用户现在可以进行的动作")

    @staticmethod
    def resolve_events(obj: Any) -> list[Any]:
        return obj.events_list

    @staticmethod
    def resolve_allowed_actions(obj: Any) -> list[str]:
        return obj.allowed


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    """As read from the database: a deadline worked out in Beijing time reads the same."""
    return None if moment is None else moment.astimezone(dt.UTC)


def _node(node: Any) -> dict[str, Any]:
    return {"code": node.code, "name": node.name, "level": choice(node, "level")}


def matter_detail_data(matter: Any) -> dict[str, Any]:
    """What ``MatterDetail`` gives for ``matter`` (with its ``events_list`` and ``allowed``),
    built directly, with the schema's own resolvers: the answer of every step."""
    m, out = matter, MatterOut
    return {
        "number": m.number,
        "category": {"code": m.category.code, "name": m.category.name},
        "description": m.description,
        "status": out.resolve_status(m),
        "channel": out.resolve_channel(m),
        "place": _node(m.grid_node),
        "handler": _node(m.handler_node),
        "department": out.resolve_department(m),
        "assignee": out.resolve_assignee(m),
        "received_at": _utc(m.received_at),
        "deadline": _utc(m.deadline),
        "overdue": out.resolve_overdue(m),
        "lat": None if m.lat is None else float(m.lat),
        "lng": None if m.lng is None else float(m.lng),
        "address": m.address,
        "anonymous": m.anonymous,
        "reporter_name_masked": out.resolve_reporter_name_masked(m),
        "reporter_phone_masked": out.resolve_reporter_phone_masked(m),
        "answer": m.answer,
        "settled_at": _utc(m.settled_at),
        "satisfaction": m.satisfaction,
        "merged_into": out.resolve_merged_into(m),
        "tracking_url": out.resolve_tracking_url(m),
        "events": [
            {
                "at": _utc(e.at),
                "action": e.action,
                "action_label": EventOut.resolve_action_label(e),
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor_label": e.actor_label,
                "actor": EventOut.resolve_actor(e),
                "note": e.note,
                "public_note": e.public_note,
            }
            for e in m.events_list
        ],
        "allowed_actions": list(m.allowed),
    }


class MatterPage(Schema):
    count: int
    items: list[MatterOut]


class MatterQuery(UnderQuery):
    status: str = Field(
        "", max_length=16, pattern=r"^[a-z_]*$", description="状态代码，或 open 表示未办结"
    )
    category: str = Field("", max_length=32, pattern=r"^[-a-zA-Z0-9_]*$", description="类别代码")
    overdue: bool = Field(False, description="只列出已逾期未办结的")
    mine: bool = Field(False, description="只列出分派给我的")


class MatterCreate(WriteSchema):
    category: str = Field(..., max_length=32, description="类别代码")
    description: str = Field(..., max_length=4000)
    channel: str = Field("staff", pattern=r"^(staff|visit|api)$", description="staff、visit 或 api")
    household: str | None = Field(None, max_length=32, pattern=r"^[^\x00]+$", description="户编号")
    place: str | None = Field(None, max_length=18, pattern=r"^\d+$", description="网格代码")
    lat: float | None = None
    lng: float | None = None
    address: str = Field("", max_length=200)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=20)
    anonymous: bool = False


class ActionIn(WriteSchema):
    """Parameters of an action; each action reads the ones it needs (see the transition table)."""

    assignee: str | None = Field(
        None, max_length=150, pattern=r"^[^\x00]+$", description="分派：承办人用户名"
    )
    reason: str | None = Field(
        None, max_length=1000, description="退回、上报、转办、延期、重办的理由"
    )
    note: str | None = Field(None, max_length=1000, description="内部说明；督办意见")
    public_note: str | None = Field(None, max_length=1000, description="办理进展（群众可见）")
    answer: str | None = Field(None, max_length=1000, description="办结或不予受理的答复")
    satisfaction: str | None = Field(None, pattern=r"^(satisfied|basic|unsatisfied)$")
    comment: str | None = Field(None, max_length=500)
    department: int | None = Field(None, description="转办部门编号")
    workdays: int | None = Field(None, ge=1, le=60, description="延期工作日数")
    into: str | None = Field(None, max_length=20, pattern=r"^\d+$", description="合并到的事项编号")


class NotificationOut(Schema):
    id: int
    kind: Choice
    text: str
    matter: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")

    @staticmethod
    def resolve_matter(obj: Any) -> str | None:
        return obj.matter.number if obj.matter_id else None


class NotificationPage(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class MeasuresQuery(Schema):
    node: str = Field(
        "", max_length=18, pattern=r"^\d*$", description="网格代码（默认：本人最上层）"
    )
    start: IsoDate | None = Field(None, description="起始日期（含），默认本月1日")
    end: IsoDate | None = Field(None, description="截止日期（含），默认今天")


class MeasuresOut(Schema):
    code: str
    name: str
    received: int
    open: int
    overdue_open: int
    settled: int
    in_grid_rate: float | None = Field(
        ..., description="小事不出网：办结中在微网格或村民小组办结的比例（%）"
    )
    in_village_rate: float | None = Field(
        ..., description="大事不出村：办结中在村及以下办结的比例（%）"
    )
    answered_rate: float | None = Field(
        ..., description="件件有回音：已办结或已到期的事项中已答复的比例（%）"
    )
    on_time_rate: float | None
    satisfaction_rate: float | None
    avg_hours: float | None


class MeasuresDetail(MeasuresOut):
    start: dt.date
    end: dt.date
    children: list[MeasuresOut]
