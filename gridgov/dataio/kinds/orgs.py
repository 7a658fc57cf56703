"""Import of party organizations (党组织) and self-governance bodies (自治组织) by code."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from gridgov.core.bulkload import LoadCounts, inner, table
from gridgov.core.oracle import NOT_HERE
from gridgov.grid.models import GridLevel, GridNode
from gridgov.orgs.bulk import bodies_load, party_orgs_load
from gridgov.orgs.models import GovernanceBody, OrgKind, PartyOrganization
from gridgov.orgs.services import ORG_LEVELS

from ..schemas import BODIES, PARTY_ORGS
from ..staging import duplicate_errors, sql_errors
from ..validation import CellError, Layout
from .base import Context, Kind, RowValidator
from .grid import repeated


def parse_any_node(raw: str) -> str:
    if not (raw.isascii() and raw.isdigit()) or len(raw) not in {6, 9, 12, 15, 18}:
        raise CellError(_("网格代码应为6、9、12、15或18位数字"))
    return raw


def node_errors(ctx: Context, column_key: str) -> None:
    """Rows whose grid node is unknown or outside the user's scope (one message for both)."""
    st = ctx.stage
    inside, params = ctx.scope.sql("n.code")
    sql_errors(
        ctx.sink(),
        f"SELECT s.rn, s.{column_key} FROM {st.table} s LEFT JOIN {table(GridNode)} n "
        f"ON n.code = s.{column_key} AND {inside} WHERE n.id IS NULL",
        params,
        column=ctx.header(column_key),
        reason=lambda code: ctx.scope.unknown(_("网格代码"), code),
    )


def taken_elsewhere(ctx: Context, model, what: str) -> None:
    """Codes already registered outside the user's scope cannot be taken over by an import."""
    if not ctx.scope.restricted:
        return
    st = ctx.stage
    inside, params = ctx.scope.sql("t.grid_path")
    sql_errors(
        ctx.sink(),
        f"SELECT s.rn, s.code FROM {st.table} s {inner()} {table(model)} t "
        f"ON t.code = s.code WHERE NOT {inside}",
        params,
        column=ctx.header("code"),
        reason=str(NOT_HERE),
    )


class PartyOrgsKind(Kind):
    schema = PARTY_ORGS
    columns = [
        ("code", "text"),
        ("name", "text"),
        ("kind", "text"),
        ("node", "text"),
        ("parent", "text"),
    ]
    lengths = {"code": 32, "name": 100, "parent": 32}

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.dict_parser(layout, today, {"node": parse_any_node})
        parent_header = self.schema.column("parent").header

        def validate(rn: int, cells: list[str], errors) -> tuple | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            if v.get("parent") == v["code"]:
                errors.add(rn, parent_header, v["parent"], _("上级组织不能是本组织"))
                return None
            return (rn, v["code"], v["name"], v["kind"], v["node"], v.get("parent"))

        return validate

    def check(self, ctx: Context) -> None:
        st = ctx.stage
        duplicate_errors(
            ctx.sink(), st, ["code"], column=ctx.header("code"), value="code", reason=repeated
        )
        st.index("code")
        node_errors(ctx, "node")
        taken_elsewhere(ctx, PartyOrganization, _("组织代码"))
        allowed = " OR ".join(
            f"(s.kind = '{kind.value}' AND n.level IN ({', '.join(repr(str(lv.value)) for lv in levels)}))"
            for kind, levels in ORG_LEVELS.items()
        )
        sql_errors(
            ctx.sink(),
            f"SELECT s.rn, s.kind, n.level FROM {st.table} s {inner()} {table(GridNode)} n "
            f"ON n.code = s.node WHERE NOT ({allowed})",
            column=ctx.header("kind"),
            reason=lambda kind, level: (
                _("%(k)s不能设在%(l)s一级")
                % {"k": OrgKind(kind).label, "l": GridLevel(level).label}
            ),
        )
        if "parent" in ctx.present:
            org = table(PartyOrganization)
            on_path = "substr(s.node, 1, length({p})) = {p}"
            sql_errors(
                ctx.sink(),
                f"SELECT s.rn, s.parent FROM {st.table} s WHERE s.parent IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {org} p WHERE p.code = s.parent "
                f"AND {on_path.format(p='p.grid_path')}) "
                f"AND NOT EXISTS (SELECT 1 FROM {st.table} x WHERE x.code = s.parent "
                f"AND {on_path.format(p='x.node')})",
                column=ctx.header("parent"),
                reason=lambda code: (
                    _("上级组织%(c)s不存在，或不在本组织所在网格及其上级网格") % {"c": code}
                ),
            )

    def load(self, ctx: Context) -> LoadCounts:
        return party_orgs_load(
            stage=ctx.stage.name, present=ctx.present, now=ctx.now, dry_run=ctx.dry_run
        )


class BodiesKind(Kind):
    schema = BODIES
    columns = [("code", "text"), ("name", "text"), ("kind", "text"), ("node", "text")]
    lengths = {"code": 32, "name": 100}

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.dict_parser(layout, today, {"node": parse_any_node})

        def validate(rn: int, cells: list[str], errors) -> tuple | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            return (rn, v["code"], v["name"], v["kind"], v["node"])

        return validate

    def check(self, ctx: Context) -> None:
        duplicate_errors(
            ctx.sink(),
            ctx.stage,
            ["code"],
            column=ctx.header("code"),
            value="code",
            reason=repeated,
        )
        node_errors(ctx, "node")
        taken_elsewhere(ctx, GovernanceBody, _("组织代码"))

    def load(self, ctx: Context) -> LoadCounts:
        return bodies_load(
            stage=ctx.stage.name, present=ctx.present, now=ctx.now, dry_run=ctx.dry_run
        )
