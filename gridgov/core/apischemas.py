"""Schemas shared by every resource: choices, references to related rows, list queries."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db import models
from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, ValidationInfo, field_validator

from gridgov.core.choices import choice_label

from .json_types import iso_date_text, strict_json_value

# A date in a query string: ISO text only (``?since=0`` is not 1970-01-01).
IsoDate = Annotated[dt.date, BeforeValidator(iso_date_text)]

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = 1_000_000_000


class Choice(Schema):
    """A coded value with its Chinese label, e.g. ``{"code": "village", "label": "村（社区）"}``."""

    code: str
    label: str


def choice(obj: models.Model, field: str) -> dict[str, str]:
    return {"code": getattr(obj, field), "label": choice_label(obj, field)}


class NodeRef(Schema):
    code: str
    name: str
    level: Choice

    @staticmethod
    def resolve_level(obj: Any) -> dict[str, str]:
        return choice(obj, "level")


class PersonRef(Schema):
    id: int
    name: str
    id_masked: str


class OrgRef(Schema):
    code: str
    name: str
    kind: Choice

    @staticmethod
    def resolve_kind(obj: Any) -> dict[str, str]:
        return choice(obj, "kind")


class PageQuery(Schema):
    """Paging of every list: ``limit`` rows (at most 200) from ``offset``."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="每页条数（最多200）")
    # Bounded so that the database's 64-bit LIMIT/OFFSET never overflows.
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过的条数")


class UnderQuery(PageQuery):
    under: str = Field(
        "",
        max_length=18,
        pattern=r"^\d*$",
        description="网格代码：只列出该网格及其下级网格中的（子树）",
    )
    # No NUL: PostgreSQL text cannot hold it, and no one searches for it.
    q: str = Field("", max_length=100, pattern=r"^[^\x00]*$", description="搜索词")


class WriteSchema(Schema):
    """Request bodies: unknown fields are refused rather than silently dropped, and every value
    must be of its field's JSON type (``json_types.strict_json_value``): ``false`` is not a
    number, ``"12"`` is not an integer, ``null`` only where the field is declared nullable (an
    update's ``X | None`` documented "null 清除"; an omitted field is simply left as it is)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _strict_json_types(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is None:
            return value
        return strict_json_value(field.annotation, value)
