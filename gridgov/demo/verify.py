"""Checks of a written demo area, without a database: the columns of the import contract, valid
and unique citizen IDs, references between files, nested boundaries.

Used by the tests and by ``gridgov demo --csv-only --check`` (the benchmark); a problem is named
by file, line and value, as an import error would be.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import shape

from gridgov.core.identity import IdentifierError, parse_citizen_id
from gridgov.dataio.schemas import SCHEMAS, YES_NO

LIMIT = 50  # problems reported at most


@dataclass
class Report:
    rows: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, line: int, message: str) -> None:
        if len(self.problems) < LIMIT:
            self.problems.append(f"{kind}.csv:{line}: {message}")

    @property
    def ok(self) -> bool:
        return not self.problems


def read_rows(out: Path, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column key) of a demo file; the header line is checked too."""
    schema = SCHEMAS[kind]
    with (out / f"{kind}.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if header != schema.headers:
            raise ValueError(f"{kind}.csv: header {header} != {schema.headers}")
        keys = [c.key for c in schema.columns]
        for line, row in enumerate(reader, start=2):
            yield line, dict(zip(keys, row, strict=True))


def _cell_problem(column, value: str) -> str | None:
    if not value:
        return f"{column.header} is required" if column.required else None
    if column.kind == "choice" and value not in column.choices:
        return f"{column.header}={value!r} is not one of the choices"
    if column.kind == "bool" and value not in YES_NO:
        return f"{column.header}={value!r} is not 是/否"
    try:
        if column.kind == "date":
            dt.date.fromisoformat(value)
        elif column.kind == "int":
            int(value)
        elif column.kind == "float":
            float(value)
        elif column.kind == "geojson":
            geom = json.loads(value)
            if geom.get("type") not in ("Polygon", "MultiPolygon"):
                return f"{column.header} is not a Polygon/MultiPolygon"
    except ValueError:
        return f"{column.header}={value[:40]!r} does not parse as {column.kind}"
    return None


def verify(out: Path, *, as_of: dt.date) -> Report:
    """Check every file of a demo area; persons are streamed, not held."""
    report = Report()
    nodes: set[str] = set()
    households: set[str] = set()
    heads: Counter[str] = Counter()
    persons: set[str] = set()
    orgs: set[str] = set()
    bodies: set[str] = set()

    def cells(kind: str):
        schema = SCHEMAS[kind]
        for line, row in read_rows(out, kind):
            report.rows[kind] += 1
            for column in schema.columns:
                problem = _cell_problem(column, row[column.key])
                if problem:
                    report.add(kind, line, problem)
            yield line, row

    for line, row in cells("grid"):
        code = row["code"]
        if code in nodes or len(code) not in (6, 9, 12, 15, 18):
            report.add("grid", line, f"code {code} repeated or of a wrong length")
        if len(code) > 6 and code[: len(code) - 3 if len(code) > 9 else 6] not in nodes:
            report.add("grid", line, f"parent of {code} missing or later in the file")
        nodes.add(code)
    for line, row in cells("party_orgs"):
        if row["code"] in orgs:
            report.add("party_orgs", line, f"code {row['code']} repeated")
        if row["node"] not in nodes:
            report.add("party_orgs", line, f"node {row['node']} not in grid.csv")
        if row["parent"] and row["parent"] not in orgs:
            report.add("party_orgs", line, f"parent {row['parent']} missing or later")
        orgs.add(row["code"])
    for line, row in cells("bodies"):
        if row["code"] in bodies or row["node"] not in nodes:
            report.add("bodies", line, f"code {row['code']} repeated or node unknown")
        bodies.add(row["code"])
    for line, row in cells("households"):
        if row["number"] in households:
            report.add("households", line, f"number {row['number']} repeated")
        if len(row["microgrid"]) != 18 or row["microgrid"] not in nodes:
            report.add("households", line, f"micro-grid {row['microgrid']} not in grid.csv")
        households.add(row["number"])
    sex_code = SCHEMAS["persons"].column("sex").choices
    joined_on = {r["citizen_id"]: r["joined_on"] for _line, r in read_rows(out, "party_members")}
    for line, row in cells("persons"):
        number = row["citizen_id"]
        try:
            cid = parse_citizen_id(number, today=as_of)
        except IdentifierError as exc:
            report.add("persons", line, f"{number}: {exc}")
            continue
        if number in persons:
            report.add("persons", line, f"citizen ID {number} repeated")
        persons.add(number)
        if sex_code.get(row["sex"]) != cid.sex or row["birth_date"] != cid.birth_date.isoformat():
            report.add("persons", line, f"{number}: sex or birth date disagree with the ID")
        joined = joined_on.get(number)
        if joined and joined < f"{cid.birth_date.year + 18:04d}{row['birth_date'][4:]}":
            report.add("persons", line, f"{number}: joined the party before turning 18")
        if row["household"] not in households:
            report.add("persons", line, f"household {row['household']} not in households.csv")
        if row["relation"] == "户主":
            heads[row["household"]] += 1
        if row["phone"] and not (len(row["phone"]) == 11 and row["phone"].startswith("1")):
            report.add("persons", line, f"phone {row['phone']} is not a mobile number")
    for number in households:
        if heads[number] != 1:
            report.add("households", 0, f"household {number} has {heads[number]} heads")
            break
    year_ago = as_of - dt.timedelta(days=366)
    for line, row in cells("party_members"):
        if row["citizen_id"] not in persons or row["organization"] not in orgs:
            report.add("party_members", line, "person or organization unknown")
        joined = dt.date.fromisoformat(row["joined_on"])
        if row["status"] == "正式党员":
            full = dt.date.fromisoformat(row["full_member_on"] or "9999-12-31")
            if full > as_of or (full - joined).days not in (365, 366):
                report.add("party_members", line, "full member: 转正 should be a year after 入党")
        elif row["full_member_on"] or joined < year_ago:
            report.add("party_members", line, "probationary member joined over a year ago")
    seats: set[tuple[str, str, str]] = set()
    for line, row in cells("memberships"):
        key = (row["body"], row["citizen_id"], row["term_start"])
        if row["body"] not in bodies or row["citizen_id"] not in persons or key in seats:
            report.add("memberships", line, f"body/person unknown or seat repeated: {key}")
        seats.add(key)
    for line, row in cells("grid_posts"):
        if row["node"] not in nodes or row["citizen_id"] not in persons:
            report.add("grid_posts", line, "node or person unknown")
    return report


def boundary_problems(out: Path, *, tolerance: float = 2e-6) -> list[str]:
    """Children whose polygon is not within their parent's (buffered by ``tolerance`` degrees)."""
    shapes: dict[str, object] = {}
    problems: list[str] = []
    for _line, row in read_rows(out, "grid"):
        geom = shape(json.loads(row["boundary"]))
        code = row["code"]
        if not geom.is_valid or geom.is_empty:
            problems.append(f"{code}: invalid or empty polygon")
        parent = code[:-3] if len(code) > 9 else code[:6] if len(code) == 9 else None
        if parent is not None:
            outer = shapes[parent]
            if not outer.buffer(tolerance).contains(geom):
                problems.append(f"{code}: not within {parent}")
        if len(code) < 18:
            shapely.prepare(geom)
            shapes[code] = geom
    return problems
