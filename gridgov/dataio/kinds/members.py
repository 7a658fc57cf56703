"""Import of party members (党员), seats in bodies (组织成员) and grid posts (网格岗位).

All three name a person by citizen ID; the person must already be registered (persons load
before them, see LOAD_ORDER) and, for a user's import, be in the user's scope.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from gridgov.core.bulkload import LoadCounts, table
from gridgov.core.crypto import cipher, mask_citizen_id
from gridgov.orgs.bulk import grid_posts_load, memberships_load, party_members_load
from gridgov.orgs.models import GovernanceBody, MemberStatus, PartyOrganization
from gridgov.people.models import Person

from ..errors import ErrorSink
from ..schemas import GRID_POSTS, MEMBERSHIPS, PARTY_MEMBERS
from ..staging import duplicate_errors, sql_errors
from ..validation import CellError, CitizenIdChecker, Layout
from .base import Context, Kind, RowValidator, not_in_future
from .grid import repeated
from .orgs import node_errors, parse_any_node

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
