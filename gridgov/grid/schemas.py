"""Schemas of grid nodes (网格节点)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from ninja import Field, Schema

from gridgov.core.apischemas import Choice, UnderQuery, WriteSchema, choice

from .models import GridLevel


class Counts(Schema):
    """Totals of the node's subtree (summed from its micro-grids)."""

    households: int = 0
    persons: int = 0
    party_members: int = 0
    organizations: int = 0


class GridNodeOut(Schema):
    code: str
    name: str
    level: Choice
    tier: int | None = Field(None, description="网格级别：村1、组2、微网格3")
    parent_code: str | None
    lat: float | None
    lng: float | None
    counts: Counts
    updated_at: dt.datetime

    @staticmethod
    def resolve_level(obj: Any) -> dict[str, str]:
        return choice(obj, "level")

    @staticmethod
    def resolve_parent_code(obj: Any) -> str | None:
        return obj.ancestor_codes()[-1] if obj.parent_id else None

    @staticmethod
    def resolve_counts(obj: Any) -> dict[str, int]:
        return dataclasses.asdict(obj.counts)


class GridNodeDetail(GridNodeOut):
    boundary: dict[str, Any] | None = Field(None, description="边界（GeoJSON）")
    children: list[GridNodeOut]

    @staticmethod
    def resolve_children(obj: Any) -> list[Any]:
        children: list[Any] = obj.children_list
        return children


class GridNodePage(Schema):
    count: int
    items: list[GridNodeOut]


class GridNodeQuery(UnderQuery):
    level: GridLevel | None = Field(None, description="层级")
    parent: str = Field("", max_length=18, pattern=r"^\d*$", description="上级网格代码")


class GridNodeCreate(WriteSchema):
    code: str = Field(..., min_length=6, max_length=18, description="区划/网格代码")
    name: str = Field(..., min_length=1, max_length=100)
    parent: str | None = Field(None, max_length=18, description="上级网格代码；区县不填")
    level: GridLevel | None = Field(None, description="可不填：由上级推出")
    boundary: dict[str, Any] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class GridNodeUpdate(WriteSchema):
    # Optional in a partial update, but never null: the published schema says string.
    name: str = Field(None, min_length=1, max_length=100)
    boundary: dict[str, Any] | None = None
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
