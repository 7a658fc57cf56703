"""Import and export of the orgs app's kinds of dataio: party organizations (党组织) and
self-governance bodies (自治组织) by code; party members (党员), seats in bodies (组织成员) and
grid posts (网格岗位).

The last three name a person by citizen ID; the person must already be registered (persons load
before them, see LOAD_ORDER) and, for a user's import, be in the user's scope.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from gridgov.core.bulkload import LoadCounts, inner, table
from gridgov.core.crypto import cipher, mask_citizen_id
from gridgov.core.oracle import NOT_HERE
from gridgov.dataio.errors import ErrorSink
from gridgov.dataio.exports import ExportSpec, column_labels, person_id, yes_no
from gridgov.dataio.kinds.base import Context, Kind, RowValidator, not_in_future, repeated
from gridgov.dataio.registry import register_kind
from gridgov.dataio.schemas import Column, Schema, choices_of
from gridgov.dataio.staging import duplicate_errors, sql_errors
from gridgov.dataio.validation import CellError, CitizenIdChecker, Layout
from gridgov.grid.models import GridLevel, GridNode
from gridgov.people.models import Person

from .bulk import (
    bodies_load,
    grid_posts_load,
    memberships_load,
    party_members_load,
    party_orgs_load,
)
from .models import (
    BodyKind,
    BodyMembership,
    BodyRole,
    GovernanceBody,
    GridPost,
    GridPostKind,
    MemberStatus,
    OrgKind,
    PartyMember,
    PartyOrganization,
)
from .services import ORG_LEVELS

ORG_KINDS = choices_of(OrgKind)
BODY_KINDS = choices_of(BodyKind)
MEMBER_STATUS = choices_of(MemberStatus)
# Files name the chair by the body's own title (村委会主任, 村民小组组长, 集体经济组织理事长).
BODY_ROLES = choices_of(BodyRole, aliases={BodyRole.CHAIR: ("主任", "组长", "理事长")})
POSTS = choices_of(GridPostKind)

PARTY_ORGS = Schema(
    "party_orgs",
    "党组织",
    "code",
    (
        Column("组织代码", "code", True),
        Column("名称", "name", True),
        Column("类型", "kind", True, "choice", ORG_KINDS),
        Column("所在网格代码", "node", True),
        Column("上级组织代码", "parent"),
    ),
)
BODIES = Schema(
    "bodies",
    "自治组织",
    "code",
    (
        Column("组织代码", "code", True),
        Column("名称", "name", True),
        Column("类型", "kind", True, "choice", BODY_KINDS),
        Column("所在网格代码", "node", True),
    ),
)
PARTY_MEMBERS = Schema(
    "party_members",
    "党员",
    "citizen_id",
    (
        Column("身份证号", "citizen_id", True),
        Column("组织代码", "organization", True),
        Column("党员类别", "status", True, "choice", MEMBER_STATUS),
        Column("入党日期", "joined_on", True, "date"),
        Column("转正日期", "full_member_on", kind="date"),
        Column("党员中心户", "is_center_household", kind="bool"),
        Column("流动党员", "is_mobile", kind="bool"),
    ),
)
MEMBERSHIPS = Schema(
    "memberships",
    "组织成员",
    "body+citizen_id+term_start",
    (
        Column("组织代码", "body", True),
        Column("身份证号", "citizen_id", True),
        Column("职务", "role", True, "choice", BODY_ROLES),
        Column("任期开始", "term_start", True, "date"),
        Column("任期结束", "term_end", kind="date"),
    ),
)
GRID_POSTS = Schema(
    "grid_posts",
    "网格岗位",
    "node+citizen_id+kind",
    (
        Column("网格代码", "node", True),
        Column("身份证号", "citizen_id", True),
        Column("岗位", "kind", True, "choice", POSTS),
        Column("开始日期", "start_on", True, "date"),
        Column("结束日期", "end_on", kind="date"),
    ),
)


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


ADULT_AGE = 18  # 《中国共产党章程》第一条：年满十八岁


def citizen_id_parser(today: dt.date):
    """A parser that returns (keyed hash, masked ID, birth ISO date) of a valid ID."""
    check = CitizenIdChecker(today)
    digest = cipher().lookup_hash

    def parse(raw: str) -> tuple[str, str, str]:
        try:
            number, birth, _sex = check(raw)
        except CellError as exc:
            raise CellError(str(exc)) from None
        return digest(number), mask_citizen_id(number), birth

    return parse


def person_errors(ctx: Context) -> None:
    """Rows naming a person who is not registered, or not in the user's scope."""
    st = ctx.stage
    inside, params = ctx.scope.sql("p.grid_path")
    sql_errors(
        ctx.sink(),
        f"SELECT s.rn, s.id_masked FROM {st.table} s LEFT JOIN {table(Person)} p "
        f"ON p.id_hash = s.id_hash AND {inside} WHERE p.id IS NULL",
        params,
        column=ctx.header("citizen_id"),
        reason=lambda masked: (
            ctx.scope.unknown(_("身份证号"), masked)
            if ctx.scope.restricted
            else _("身份证号%(c)s未登记：请先导入人员") % {"c": masked}
        ),
    )


def code_errors(ctx: Context, key: str, model, what: str) -> None:
    """Rows naming an organization or body that is unknown or outside the user's scope."""
    st = ctx.stage
    inside, params = ctx.scope.sql("o.grid_path")
    sql_errors(
        ctx.sink(),
        f"SELECT s.rn, s.{key} FROM {st.table} s LEFT JOIN {table(model)} o "
        f"ON o.code = s.{key} AND {inside} WHERE o.id IS NULL",
        params,
        column=ctx.header(key),
        reason=lambda code: ctx.scope.unknown(what, code),
    )


class _PersonRowKind(Kind):
    """Kinds whose rows carry a citizen ID; the ID cell error shows the masked value."""

    def base_parser(self, layout: Layout, today: dt.date, **overrides):
        parse = self.dict_parser(
            layout, today, {"citizen_id": citizen_id_parser(today), **overrides}
        )
        id_header = self.schema.column("citizen_id").header

        def parse_row(rn: int, cells: list[str], errors: ErrorSink):
            before = len(errors.items)
            values = parse(rn, cells, errors)
            for error in errors.items[before:]:
                if error.column == id_header:
                    error.value = mask_citizen_id(error.value)
            return values

        return parse_row


class PartyMembersKind(_PersonRowKind):
    schema = PARTY_MEMBERS
    columns = [
        ("id_hash", "text"),
        ("id_masked", "text"),
        ("organization", "text"),
        ("status", "text"),
        ("joined_on", "date"),
        ("full_member_on", "date"),
        ("is_center_household", "bool"),
        ("is_mobile", "bool"),
    ]
    lengths = {"organization": 32}

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.base_parser(layout, today)
        h = {c.key: c.header for c in self.schema.columns}
        today_iso = today.isoformat()

        def validate(rn: int, cells: list[str], errors: ErrorSink) -> tuple | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            id_hash, masked, birth = v["citizen_id"]
            joined, full_on, status = v["joined_on"], v.get("full_member_on"), v["status"]
            problems = []
            for key, value in (("joined_on", joined), ("full_member_on", full_on)):
                if reason := not_in_future(value, today_iso):
                    problems.append((key, value, reason))
            if joined < birth:
                problems.append(("joined_on", joined, _("入党日期早于出生日期")))
            elif joined < f"{int(birth[:4]) + ADULT_AGE:04d}{birth[4:]}":
                problems.append(("joined_on", joined, _("入党时未满18岁")))
            if status == MemberStatus.FULL and not full_on:
                problems.append(("full_member_on", "", _("正式党员须填写转正日期")))
            if status == MemberStatus.PROBATIONARY and full_on:
                problems.append(("full_member_on", full_on, _("预备党员尚无转正日期")))
            if full_on and full_on < joined:
                problems.append(("full_member_on", full_on, _("转正日期不能早于入党日期")))
            for key, value, reason in problems:
                errors.add(rn, h[key], value or "", reason)
            if problems:
                return None
            return (
                rn,
                id_hash,
                masked,
                v["organization"],
                status,
                joined,
                full_on,
                v.get("is_center_household") or 0,
                v.get("is_mobile") or 0,
            )

        return validate

    def check(self, ctx: Context) -> None:
        duplicate_errors(
            ctx.sink(),
            ctx.stage,
            ["id_hash"],
            column=ctx.header("citizen_id"),
            value="id_masked",
            reason=repeated,
        )
        person_errors(ctx)
        code_errors(ctx, "organization", PartyOrganization, _("组织代码"))

    def load(self, ctx: Context) -> LoadCounts:
        return party_members_load(
            stage=ctx.stage.name, present=ctx.present, now=ctx.now, dry_run=ctx.dry_run
        )


class MembershipsKind(_PersonRowKind):
    schema = MEMBERSHIPS
    columns = [
        ("body", "text"),
        ("id_hash", "text"),
        ("id_masked", "text"),
        ("role", "text"),
        ("term_start", "date"),
        ("term_end", "date"),
    ]
    lengths = {"body": 32}

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.base_parser(layout, today)
        end_header = self.schema.column("term_end").header

        def validate(rn: int, cells: list[str], errors: ErrorSink) -> tuple | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            start, end = v["term_start"], v.get("term_end")
            if end and end < start:
                errors.add(rn, end_header, end, _("任期结束早于开始"))
                return None
            id_hash, masked, _birth = v["citizen_id"]
            return (rn, v["body"], id_hash, masked, v["role"], start, end)

        return validate

    def check(self, ctx: Context) -> None:
        duplicate_errors(
            ctx.sink(),
            ctx.stage,
            ["body", "id_hash", "term_start"],
            column=ctx.header("citizen_id"),
            value="id_masked",
            reason=repeated,
        )
        code_errors(ctx, "body", GovernanceBody, _("组织代码"))
        person_errors(ctx)

    def load(self, ctx: Context) -> LoadCounts:
        return memberships_load(
            stage=ctx.stage.name, present=ctx.present, now=ctx.now, dry_run=ctx.dry_run
        )


class GridPostsKind(_PersonRowKind):
    schema = GRID_POSTS
    columns = [
        ("node", "text"),
        ("id_hash", "text"),
        ("id_masked", "text"),
        ("kind", "text"),
        ("start_on", "date"),
        ("end_on", "date"),
        ("target_id", "int"),
    ]

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.base_parser(layout, today, node=parse_any_node)
        end_header = self.schema.column("end_on").header

        def validate(rn: int, cells: list[str], errors: ErrorSink) -> tuple | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            start, end = v["start_on"], v.get("end_on")
            if end and end < start:
                errors.add(rn, end_header, end, _("结束日期早于开始日期"))
                return None
            id_hash, masked, _birth = v["citizen_id"]
            return (rn, v["node"], id_hash, masked, v["kind"], start, end, None)

        return validate

    def check(self, ctx: Context) -> None:
        duplicate_errors(
            ctx.sink(),
            ctx.stage,
            ["node", "id_hash", "kind"],
            column=ctx.header("citizen_id"),
            value="id_masked",
            reason=repeated,
        )
        node_errors(ctx, "node")
        person_errors(ctx)

    def load(self, ctx: Context) -> LoadCounts:
        return grid_posts_load(
            stage=ctx.stage.name, present=ctx.present, now=ctx.now, dry_run=ctx.dry_run
        )


def party_orgs_export(reveal: bool) -> ExportSpec:
    org_kind = column_labels(PARTY_ORGS.column("kind"))
    return ExportSpec(
        PartyOrganization,
        ("parent",),
        ("grid_path", "code"),
        lambda o: [
            o.code,
            o.name,
            org_kind(o.kind),
            o.grid_path,
            o.parent.code if o.parent else "",
        ],
    )


def bodies_export(reveal: bool) -> ExportSpec:
    body_kind = column_labels(BODIES.column("kind"))
    return ExportSpec(
        GovernanceBody,
        (),
        ("grid_path", "code"),
        lambda b: [b.code, b.name, body_kind(b.kind), b.grid_path],
    )


def party_members_export(reveal: bool) -> ExportSpec:
    cid, status = person_id(reveal), column_labels(PARTY_MEMBERS.column("status"))
    return ExportSpec(
        PartyMember,
        ("person", "organization"),
        ("organization_id", "id"),
        lambda m: [
            cid(m.person),
            m.organization.code,
            status(m.status),
            m.joined_on,
            m.full_member_on,
            yes_no(m.is_center_household),
            yes_no(m.is_mobile),
        ],
        personal=True,
    )


def memberships_export(reveal: bool) -> ExportSpec:
    cid, role = person_id(reveal), column_labels(MEMBERSHIPS.column("role"))
    return ExportSpec(
        BodyMembership,
        ("body", "person"),
        ("body_id", "id"),
        lambda m: [m.body.code, cid(m.person), role(m.role), m.term_start, m.term_end],
        personal=True,
    )


def grid_posts_export(reveal: bool) -> ExportSpec:
    cid, post = person_id(reveal), column_labels(GRID_POSTS.column("kind"))
    return ExportSpec(
        GridPost,
        ("person",),
        ("grid_path", "kind", "id"),
        lambda g: [g.grid_path, cid(g.person), post(g.kind), g.start_on, g.end_on],
        personal=True,
    )


register_kind(PartyOrgsKind(), position=20, export=party_orgs_export)
register_kind(BodiesKind(), position=30, export=bodies_export)
register_kind(PartyMembersKind(), position=60, export=party_members_export)
register_kind(MembershipsKind(), position=70, export=memberships_export)
register_kind(GridPostsKind(), position=80, export=grid_posts_export)
