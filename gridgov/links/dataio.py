"""Import and export of the link register (党员联户) through dataio: linkers (联户人) and links
(联户关系), in the columns of the cadres' own lists.

A person is named as those lists name them: by name and the number of the household they live in
(姓名 + 所在户编号), both of the registry; neither is personal data, so an export (masked as
every export) imports again as it is. Two residents of one household with the same name are
refused as ambiguous, never guessed.

A links file lists the links in force, one row per household. The rules refuse a row with the
row, the column and the reason, and nothing of the file is stored: a linker exempt on the start
date (``eligibility.exemption_of``), a linker over capacity counting the file's own rows, an
unknown household, a household or person outside the importer's scope, a link across micro-grids
without a reason, a household listed twice. A household already linked to someone else is
refused unless the row says 更换原联户人 = 是: then its link ends the day before and the new one
starts. Rows with an end date are the history an export writes: they must match the register
(unchanged) and are never loaded as new.

Links are few next to persons (a village's list is hundreds of rows), so the checks read the
staged rows into Python and call the rules' own functions rather than restating them in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.bulkload import LoadCounts
from gridgov.core.rules import rule_value
from gridgov.dataio.errors import ErrorSink
from gridgov.dataio.exports import ExportSpec, column_labels, yes_no
from gridgov.dataio.kinds.base import Context, Kind, RowValidator, not_in_future, repeated
from gridgov.dataio.registry import register_kind
from gridgov.dataio.schemas import Column, Schema, choices_of
from gridgov.dataio.validation import Layout
from gridgov.people.models import Household, Person

from .eligibility import capacity_of, exemption_of, kind_refusal
from .models import Link, Linker, LinkerKind, LinkSource
from .rules import SAME_MICROGRID

LINKER_KINDS = choices_of(LinkerKind)

LINKERS = Schema(
    "linkers",
    "联户人",
    "name+household",
    (
        Column("姓名", "name", True),
        Column("所在户编号", "household", True, help="联户人本人所在户的户编号"),
        Column("联户人类型", "kind", True, "choice", LINKER_KINDS),
        Column("不能联户", "cannot_link", kind="bool"),
        Column("不能联户原因", "cannot_link_reason", help="不能联户为“是”时必填"),
        Column("同意公开电话", "phone_consent", kind="bool", help="连心卡和公示牌上显示电话"),
    ),
)
LINKS = Schema(
    "links",
    "联户关系",
    "household",
    (
        Column("户编号", "household", True, help="被联系户的户编号"),
        Column("联户人姓名", "linker_name", True),
        Column("联户人所在户编号", "linker_household", True, help="联户人本人所在户的户编号"),
        Column("开始日期", "start_on", kind="date", help="空：导入当天"),
        Column("结束日期", "end_on", kind="date", help="导出的历史记录；新增联户关系留空"),
        Column("结束原因", "end_reason"),
        Column("双向选择", "pinned", kind="bool", help="户和党员互相选定，联户方案保留"),
        Column("跨微网格原因", "cross_grid_reason", help="联户人不在该户所在微网格时必填"),
        Column("更换原联户人", "replace_link", kind="bool", help="该户已有联户人时填“是”才更换"),
    ),
)

PersonKey = tuple[str, str]  # (name, household number)


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _staged(ctx: Context, names: list[str]) -> list[dict[str, Any]]:
    """The staged rows in row order, as dicts (dates as dates, booleans as bools)."""
    qn = connection.ops.quote_name
    cols = ", ".join(qn(n) for n in ["rn", *names])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {ctx.stage.table} ORDER BY {qn('rn')}")
        rows = cursor.fetchall()
    types = dict(ctx.stage.columns)
    out = []
    for row in rows:
        item: dict[str, Any] = {"rn": row[0]}
        for name, value in zip(names, row[1:], strict=True):
            kind = types[name]
            if kind == "date":
                item[name] = _date(value)
            elif kind == "bool":
                item[name] = bool(value)
            else:
                item[name] = value or ""
        out.append(item)
    return out


def _in_chunks(values: Iterable[Any], size: int = 400) -> Iterable[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _households(numbers: Iterable[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    for chunk in _in_chunks(numbers):
        for household in Household.objects.filter(number__in=chunk).only(
            "id", "number", "grid_path"
        ):
            found[household.number] = household
    return found


@dataclass
class PersonMatch:
    """The persons of each (name, household number) key: none, one, or several (ambiguous)."""

    persons: dict[PersonKey, list[Person]] = field(default_factory=dict)

    def get(self, key: PersonKey) -> list[Person]:
        return self.persons.get(key, [])


def _persons(keys: Iterable[PersonKey]) -> PersonMatch:
    keys = set(keys)
    match = PersonMatch()
    by_household: dict[str, set[str]] = defaultdict(set)
    for name, number in keys:
        by_household[number].add(name)
    for chunk in _in_chunks(by_household):
        names = {n for number in chunk for n in by_household[number]}
        rows = (
            Person.objects.filter(household__number__in=chunk, name__in=sorted(names))
            .select_related("household", "party_member", "linker")
            .order_by("id")
        )
        for person in rows:
            key = (person.name, person.household.number)
            if key in keys:
                match.persons.setdefault(key, []).append(person)
    return match


def _person_error(
    ctx: Context, sink: ErrorSink, rn: int, column: str, key: PersonKey, found: list[Person]
) -> Person | None:
    """The one person of ``key`` in the importer's scope, or an error on the row."""
    name, number = key
    inside = [p for p in found if ctx.scope.contains(p.grid_path)]
    label = _("%(name)s（户%(n)s）") % {"name": name, "n": number}
    if not inside:
        sink.add(rn, column, name, ctx.scope.unknown(_("人员"), label))
        return None
    if len(inside) > 1:
        sink.add(
            rn,
            column,
            name,
            _("户%(n)s中有%(c)d人名叫%(name)s，无法确定是哪一位")
            % {"n": number, "c": len(inside), "name": name},
        )
        return None
    return inside[0]


# Linkers (联户人)


class LinkersKind(Kind):
    schema = LINKERS
    columns = [
        ("name", "text"),
        ("household", "text"),
        ("kind", "text"),
        ("cannot_link", "bool"),
        ("cannot_link_reason", "text"),
        ("phone_consent", "bool"),
    ]
    lengths = {"name": 50, "household": 32, "cannot_link_reason": 200}

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.dict_parser(layout, today)
        reason_header = self.schema.column("cannot_link_reason").header

        def validate(rn: int, cells: list[str], errors: ErrorSink) -> tuple[Any, ...] | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            reason = (v.get("cannot_link_reason") or "").strip()
            if v.get("cannot_link") and not reason:
                errors.add(rn, reason_header, "", _("不能联户须写明原因"))
                return None
            return (
                rn,
                v["name"].strip(),
                v["household"].strip(),
                v["kind"],
                v.get("cannot_link"),
                reason,
                v.get("phone_consent"),
            )

        return validate

    def _resolved(
        self, ctx: Context, sink: ErrorSink | None
    ) -> list[tuple[dict[str, Any], Person]]:
        rows = _staged(ctx, [c for c, _t in self.columns])
        persons = _persons((r["name"], r["household"]) for r in rows)
        errors = sink if sink is not None else ErrorSink()
        first: dict[PersonKey, int] = {}
        header, kind_header = ctx.header("name"), ctx.header("kind")
        resolved = []
        for row in rows:
            key = (row["name"], row["household"])
            if key in first:
                errors.add(row["rn"], header, row["name"], repeated(row["name"], first[key]))
                continue
            first[key] = row["rn"]
            person = _person_error(ctx, errors, row["rn"], header, key, persons.get(key))
            if person is None:
                continue
            refusal = kind_refusal(person, row["kind"])
            if refusal:
                label = str(LinkerKind(row["kind"]).label)
                errors.add(row["rn"], kind_header, label, refusal)
                continue
            resolved.append((row, person))
        return resolved

    def check(self, ctx: Context) -> None:
        self._resolved(ctx, ctx.sink())

    def load(self, ctx: Context) -> LoadCounts:
        counts = LoadCounts()
        present = ctx.present
        for row, person in self._resolved(ctx, None):
            values: dict[str, Any] = {"kind": row["kind"]}
            for key in ("cannot_link", "cannot_link_reason", "phone_consent"):
                if key in present:
                    values[key] = row[key]
            if "cannot_link" in present and not row["cannot_link"]:
                values["cannot_link_reason"] = ""
            linker: Linker | None = getattr(person, "linker", None)
            if linker is None:
                counts.created += 1
                if not ctx.dry_run:
                    consent = bool(values.get("phone_consent"))
                    Linker.objects.create(
                        person=person,
                        grid_path=person.grid_path,
                        phone_consent_at=ctx.now if consent else None,
                        **values,
                    )
                continue
            changed = {k: v for k, v in values.items() if getattr(linker, k) != v}
            if not changed:
                counts.unchanged += 1
                continue
            counts.updated += 1
            if ctx.dry_run:
                continue
            if "phone_consent" in changed:
                changed["phone_consent_at"] = ctx.now if changed["phone_consent"] else None
            for key, value in changed.items():
                setattr(linker, key, value)
            linker.save(update_fields=[*changed, "updated_at"])
        return counts


# Links (联户关系)


@dataclass
class LinkRow:
    row: dict[str, Any]
    household: Household
    linker: Linker
    start_on: dt.date
    current: Link | None
    action: str = ""  # create | replace | update | unchanged


class LinksKind(Kind):
    schema = LINKS
    columns = [
        ("household", "text"),
        ("linker_name", "text"),
        ("linker_household", "text"),
        ("start_on", "date"),
        ("end_on", "date"),
        ("end_reason", "text"),
        ("pinned", "bool"),
        ("cross_grid_reason", "text"),
        ("replace_link", "bool"),
    ]
    lengths = {
        "household": 32,
        "linker_name": 50,
        "linker_household": 32,
        "end_reason": 200,
        "cross_grid_reason": 200,
    }

    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        parse = self.dict_parser(layout, today)
        h = {c.key: c.header for c in self.schema.columns}
        today_iso = today.isoformat()

        def validate(rn: int, cells: list[str], errors: ErrorSink) -> tuple[Any, ...] | None:
            v = parse(rn, cells, errors)
            if v is None:
                return None
            start, end = v.get("start_on"), v.get("end_on")
            problems = []
            if reason := not_in_future(start, today_iso):
                problems.append(("start_on", start, reason))
            if end:
                if not start:
                    problems.append(("start_on", "", _("已结束的联户关系须有开始日期")))
                elif end < start:
                    problems.append(("end_on", end, _("结束日期早于开始日期")))
                if reason := not_in_future(end, today_iso):
                    problems.append(("end_on", end, reason))
            for key, value, why in problems:
                errors.add(rn, h[key], value or "", why)
            if problems:
                return None
            return (
                rn,
                v["household"].strip(),
                v["linker_name"].strip(),
                v["linker_household"].strip(),
                start,
                end,
                (v.get("end_reason") or "").strip(),
                v.get("pinned"),
                (v.get("cross_grid_reason") or "").strip(),
                v.get("replace_link"),
            )

        return validate

    def _plan(self, ctx: Context, sink: ErrorSink) -> list[LinkRow]:
        """The rows checked against the register and the rules, each with what it does."""
        today = timezone.localdate(ctx.now)
        h = {c.key: c.header for c in self.schema.columns}
        rows = _staged(ctx, [c for c, _t in self.columns])
        households = _households(r["household"] for r in rows)
        persons = _persons((r["linker_name"], r["linker_household"]) for r in rows)
        in_force: dict[int, Link] = {}
        ended: set[tuple[int, int, dt.date, dt.date | None]] = set()
        with_history = {r["household"] for r in rows if r["end_on"] is not None}
        for chunk in _in_chunks(hh.pk for hh in households.values()):
            for link in Link.objects.filter(household_id__in=chunk, end_on__isnull=True):
                in_force[link.household_id] = link
        for chunk in _in_chunks(households[n].pk for n in with_history if n in households):
            ended.update(
                Link.objects.filter(household_id__in=chunk, end_on__isnull=False).values_list(
                    "household_id", "linker_id", "start_on", "end_on"
                )
            )

        checked: list[LinkRow] = []
        first: dict[str, int] = {}
        for row in rows:
            rn, number = row["rn"], row["household"]
            household = households.get(number)
            if household is None or not ctx.scope.contains(household.grid_path):
                sink.add(rn, h["household"], number, ctx.scope.unknown(_("户编号"), number))
                household = None
            if row["end_on"] is None and household is not None:
                if number in first:
                    sink.add(rn, h["household"], number, repeated(number, first[number]))
                    continue
                first[number] = rn
            key = (row["linker_name"], row["linker_household"])
            person = _person_error(ctx, sink, rn, h["linker_name"], key, persons.get(key))
            if person is None or household is None:
                continue
            linker: Linker | None = getattr(person, "linker", None)
            if linker is None:
                sink.add(
                    rn,
                    h["linker_name"],
                    row["linker_name"],
                    _("%(name)s尚未登记为联户人：请先导入联户人") % {"name": person.name},
                )
                continue
            if row["end_on"] is not None:
                key4 = (household.pk, linker.pk, row["start_on"], row["end_on"])
                if key4 not in ended:
                    sink.add(
                        rn,
                        h["end_on"],
                        row["end_on"].isoformat(),
                        _(
                            "已结束的联户关系只能核对，不能导入：登记中没有这一条；"
                            "新增联户关系请留空结束日期"
                        ),
                    )
                continue
            checked.append(
                LinkRow(
                    row=row,
                    household=household,
                    linker=linker,
                    start_on=row["start_on"] or today,
                    current=in_force.get(household.pk),
                )
            )
        self._rules(checked, sink, h, today)
        return checked

    def _rules(
        self, rows: list[LinkRow], sink: ErrorSink, h: dict[str, str], today: dt.date
    ) -> None:
        """Exemption, the same micro-grid, the link in force, and capacity with the file's own
        rows: a linker's load after the import is their links in force to households the file
        does not list, plus the file's rows naming them."""
        same_microgrid = rule_value(SAME_MICROGRID)
        listed = {r.household.pk for r in rows}
        loads = (
            dict(
                Link.objects.filter(linker__in={r.linker.pk for r in rows}, end_on__isnull=True)
                .exclude(household_id__in=listed)
                .values_list("linker")
                .annotate(n=Count("id"))
                .order_by()
            )
            if rows
            else {}
        )
        for r in rows:
            rn, row, linker = r.row["rn"], r.row, r.linker
            current = r.current
            if current is None:
                r.action = "create"
            elif current.linker_id == linker.pk:
                if row["start_on"] and row["start_on"] != current.start_on:
                    sink.add(
                        rn,
                        h["start_on"],
                        row["start_on"].isoformat(),
                        _("该户已由此人联系，开始日期为%(d)s")
                        % {"d": current.start_on.isoformat()},
                    )
                r.start_on = current.start_on
                same = (current.pinned, current.cross_grid_reason) == (
                    bool(row["pinned"]),
                    row["cross_grid_reason"],
                )
                r.action = "unchanged" if same else "update"
            elif not row["replace_link"]:
                sink.add(
                    rn,
                    h["household"],
                    row["household"],
                    _("该户已有联户人，如需更换请在“更换原联户人”填“是”"),
                )
            elif r.start_on < current.start_on:
                sink.add(
                    rn,
                    h["start_on"],
                    r.start_on.isoformat(),
                    _("早于原联户关系的开始日期%(d)s") % {"d": current.start_on.isoformat()},
                )
            else:
                r.action = "replace"
            # A row that keeps a link in force is not refused for what has changed since it
            # was made (a member turned 70, a lower capacity): the rules judge new links.
            adds = r.action not in {"unchanged", "update"}
            loads[linker.pk] = loads.get(linker.pk, 0) + 1
            if r.action == "unchanged":
                continue
            if (
                same_microgrid
                and linker.grid_path != r.household.grid_path
                and not row["cross_grid_reason"]
            ):
                sink.add(
                    rn,
                    h["cross_grid_reason"],
                    "",
                    _("联户人不在该户所在微网格，须写明跨微网格原因"),
                )
            if not adds:
                continue
            # In force from its start until today: exempt on either day is refused (age only
            # grows; the mobile and "cannot link" flags are today's).
            exempt = exemption_of(linker, on=today) or exemption_of(linker, on=r.start_on)
            if exempt:
                sink.add(
                    rn,
                    h["linker_name"],
                    row["linker_name"],
                    _("此人不作联户要求（%(r)s）") % {"r": exempt},
                )
            high = capacity_of(linker.kind).high
            if loads[linker.pk] > high:
                sink.add(
                    rn,
                    h["linker_name"],
                    row["linker_name"],
                    _("%(name)s联系户数将达%(n)d户，超过上限%(high)d户")
                    % {"name": linker.person.name, "n": loads[linker.pk], "high": high},
                )

    def check(self, ctx: Context) -> None:
        self._plan(ctx, ctx.sink())

    def load(self, ctx: Context) -> LoadCounts:
        counts = LoadCounts()
        rows = self._plan(ctx, ErrorSink())
        counts.unchanged = len(_staged(ctx, ["end_on"])) - len(rows)  # history rows, matched
        new: list[Link] = []
        for r in rows:
            if r.action == "unchanged":
                counts.unchanged += 1
                continue
            if r.action == "update":
                counts.updated += 1
                if not ctx.dry_run and r.current is not None:
                    r.current.pinned = bool(r.row["pinned"])
                    r.current.cross_grid_reason = r.row["cross_grid_reason"]
                    r.current.save(update_fields=["pinned", "cross_grid_reason"])
                continue
            if r.action == "replace":
                counts.updated += 1
                if not ctx.dry_run and r.current is not None:
                    r.current.end_on = max(r.current.start_on, r.start_on - dt.timedelta(days=1))
                    r.current.end_reason = _("导入更换联户人")
                    r.current.save(update_fields=["end_on", "end_reason"])
            else:
                counts.created += 1
            new.append(
                Link(
                    linker=r.linker,
                    household=r.household,
                    grid_path=r.household.grid_path,
                    start_on=r.start_on,
                    source=LinkSource.IMPORT,
                    pinned=bool(r.row["pinned"]),
                    cross_grid_reason=r.row["cross_grid_reason"],
                )
            )
        if new and not ctx.dry_run:
            Link.objects.bulk_create(new, batch_size=500)
        return counts


# Exports


def linkers_export(reveal: bool) -> ExportSpec:
    kind = column_labels(LINKERS.column("kind"))
    return ExportSpec(
        Linker,
        ("person__household",),
        ("grid_path", "id"),
        lambda k: [
            k.person.name,
            k.person.household.number,
            kind(k.kind),
            yes_no(k.cannot_link),
            k.cannot_link_reason,
            yes_no(k.phone_consent),
        ],
    )


def links_export(reveal: bool) -> ExportSpec:
    return ExportSpec(
        Link,
        ("household", "linker__person__household"),
        ("grid_path", "household_id", "start_on", "id"),
        lambda link: [
            link.household.number,
            link.linker.person.name,
            link.linker.person.household.number,
            link.start_on,
            link.end_on,
            link.end_reason,
            yes_no(link.pinned),
            link.cross_grid_reason,
            "",
        ],
    )


register_kind(LinkersKind(), position=90, export=linkers_export)
register_kind(LinksKind(), position=100, export=links_export)
