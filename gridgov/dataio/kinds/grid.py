"""Import of the grid (网格): county, town, village, group and micro-grid nodes by code."""

from __future__ import annotations

import datetime as dt
import json

from django.utils.translation import gettext as _

from gridgov.core.bulkload import LoadCounts, table
from gridgov.core.identity import IdentifierError, validate_county_code
from gridgov.grid.bulk import grid_nodes_load
from gridgov.grid.models import LEVEL_BY_LENGTH, GridNode

from ..exports import ExportSpec
from ..registry import register_kind
from ..schemas import Column, Schema
from ..staging import duplicate_errors, sql_errors
from ..validation import CellError, Layout
from .base import Context, Kind, RowValidator, repeated

GRID = Schema(
    "grid",
    "网格",
    "code",
    (
        Column(
            "代码", "code", True, help="县6位、镇9位、村12位（统计用区划代码），组15位、微网格18位"
        ),
        Column("名称", "name", True),
        Column("纬度", "lat", kind="float"),
        Column("经度", "lng", kind="float"),
        Column("边界", "boundary", kind="geojson", help="GeoJSON 几何（Polygon/MultiPolygon）"),
    ),
)


def parse_node_code(raw: str) -> str:
    if not (raw.isascii() and raw.isdigit()) or len(raw) not in LEVEL_BY_LENGTH:
        raise CellError(_("网格代码应为6、9、12、15或18位数字（县、镇、村、组、微网格）"))
    if len(raw) == 6:
        try:
            return validate_county_code(raw)
        except IdentifierError as exc:
            raise CellError(str(exc)) from None
    if raw.endswith("000"):
        raise CellError(_("代码%(c)s的本级部分（末三位）不能为000") % {"c": raw})
    return raw


class GridKind(Kind):
    schema = GRID
    columns = [
        ("code", "text"),
        ("level", "text"),
        ("parent_code", "text"),
        ("name", "text"),
        ("lat", "real"),
        ("lng", "real"),
        ("boundary", "text"),
    ]
    lengths = {"name": 100}

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.dict_parser(layout, today, {"code": parse_node_code})

        def validate(rn: int, cells: list[str], errors) -> tuple | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            code = v["code"]
            return (
                rn,
                code,
                LEVEL_BY_LENGTH[len(code)].value,
                code[:-3] if len(code) > 6 else None,
                v["name"],
                v.get("lat"),
                v.get("lng"),
                v.get("boundary"),
            )

        return validate

    def check(self, ctx: Context) -> None:
        st = ctx.stage
        duplicate_errors(
            ctx.sink(), st, ["code"], column=ctx.header("code"), value="code", reason=repeated
        )
        st.index("code")
        node = table(GridNode)
        sql_errors(
            ctx.sink(),
            f"SELECT s.rn, s.parent_code FROM {st.table} s WHERE s.parent_code IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {node} n WHERE n.code = s.parent_code) "
            f"AND NOT EXISTS (SELECT 1 FROM {st.table} x WHERE x.code = s.parent_code)",
            column=ctx.header("code"),
            reason=lambda parent: (
                _("上级网格%(p)s不存在：请先导入上级，或在本文件中一并填写") % {"p": parent}
            ),
        )
        if ctx.scope.restricted:
            inside, params = ctx.scope.sql("s.code")
            sql_errors(
                ctx.sink(),
                f"SELECT s.rn, s.code FROM {st.table} s WHERE NOT {inside}",
                params,
                column=ctx.header("code"),
                reason=lambda code: _("网格%(c)s不在您的管辖范围") % {"c": code},
            )

    def load(self, ctx: Context) -> LoadCounts:
        return grid_nodes_load(
            stage=ctx.stage.name, present=ctx.present, now=ctx.now, dry_run=ctx.dry_run
        )


def grid_export(reveal: bool) -> ExportSpec:
    return ExportSpec(
        GridNode,
        (),
        ("code",),
        lambda n: [
            n.code,
            n.name,
            n.lat,
            n.lng,
            json.dumps(n.boundary, ensure_ascii=False) if n.boundary else "",
        ],
    )


register_kind(GridKind(), position=10, export=grid_export)
