"""Schemas of the audit log API (审计记录)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from .apischemas import IsoDate, PageQuery
from .json_types import INT64_MAX


class AuditQuery(PageQuery):
    object_type: str = Field(
        "", max_length=64, pattern=r"^[a-z_.]*$", description="对象类型，如 people.person"
    )
    object_id: str = Field("", max_length=64, pattern=r"^[\w.@+-]*$", description="对象编号")
    actor: int | None = Field(None, ge=1, le=INT64_MAX, description="操作人的用户编号")
    action: str = Field(
        "", max_length=64, pattern=r"^[a-z_]*$", description="动作，如 update、reveal、export"
    )
    since: IsoDate | None = Field(None, description="从这一天起（含）")
    until: IsoDate | None = Field(None, description="到这一天止（含）")


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    source: str
    request_id: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    grid_path: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    entry_hash: str


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]
