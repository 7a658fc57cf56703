"""The generator and its CSV files, without a database."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict

import numpy as np
import pytest

from gridgov.core.identity import IdentifierError, parse_citizen_id
from gridgov.dataio.schemas import LOAD_ORDER, SCHEMAS
from gridgov.demo.generate import generate
from gridgov.demo.identity import IdAllocator
from gridgov.demo.orgs import MISMATCH, Term, natural_kind
from gridgov.demo.scales import SCALES, Scale
from gridgov.demo.verify import boundary_problems, read_rows, verify

AS_OF = dt.date(2026, 11, 22)
TINY = Scale(
    "tiny", ((2, 2),), groups=5, microgrids=9, households=300, min_households_per_microgrid=20
)


def rows(out, kind):
    return [row for _line, row in read_rows(out, kind)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    made = generate(TINY, seed=7, out=out, as_of=AS_OF)
    return out, made


def test_same_seed_gives_identical_files_and_another_seed_does_not(tiny, tmp_path):
    out, _made = tiny
    again = generate(TINY, seed=7, out=tmp_path / "again", as_of=AS_OF)
    other = generate(TINY, seed=8, out=tmp_path / "other", as_of=AS_OF)
    for kind in LOAD_ORDER:
        name = f"{kind}.csv"
        assert (out / name).read_bytes() == (again.out / name).read_bytes(), kind
    for kind in ("grid", "households", "persons", "party_members", "memberships"):
        name = f"{kind}.csv"
        assert (out / name).read_bytes() != (other.out / name).read_bytes(), kind


def test_files_follow_the_import_contract_and_refer_to_each_other(tiny):
    out, made = tiny
    for kind in LOAD_ORDER:
        with (out / f"{kind}.csv").open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == SCHEMAS[kind].headers
    report = verify(out, as_of=AS_OF)
    assert report.problems == []
    assert report.rows == Counter(made.rows)


def test_verify_names_the_bad_row(tiny, tmp_path):
    out, _made = tiny
    bad = tmp_path / "bad"
    bad.mkdir()
    for kind in LOAD_ORDER:
        text = (out / f"{kind}.csv").read_text(encoding="utf-8")
        if kind == "persons":
            first = rows(out, "persons")[0]["citizen_id"]
            broken = first[:17] + ("0" if first[17] != "0" else "1")
            text = text.replace(first, broken, 1)
        (bad / f"{kind}.csv").write_text(text, encoding="utf-8")
    problems = verify(bad, as_of=AS_OF).problems
    assert [p for p in problems if p.startswith("persons.csv:")] == [
        f"persons.csv:2: {broken}: {_check_error(broken)}"
    ]


def _check_error(number: str) -> str:
    try:
        parse_citizen_id(number)
    except IdentifierError as exc:
        return str(exc)
    raise AssertionError("the ID should not be valid")


def test_structure_of_the_tree(tiny):
    out, _made = tiny
    grid = rows(out, "grid")
    by_length = Counter(len(r["code"]) for r in grid)
    assert by_length == {6: 1, 9: 1, 12: 2, 15: 5, 18: 9}
    county, town = grid[0], grid[1]
    assert (county["code"], county["name"]) == ("440605", "南海区")
    assert (town["code"], town["name"]) == ("440605122", "西樵镇")
    villages = [r for r in grid if len(r["code"]) == 12]
    for v in villages:
        assert v["code"][9] in "02" and v["name"].endswith(("村", "社区"))
    groups = [r for r in grid if len(r["code"]) == 15]
    assert all(g["name"].startswith("第") and g["name"].endswith("小组") for g in groups)
    micros = [r for r in grid if len(r["code"]) == 18]
    assert all(m["name"].endswith("号微网格") for m in micros)
    for row in grid:
        lat, lng = float(row["lat"]), float(row["lng"])
        assert 22.7 < lat < 23.3 and 112.8 < lng < 113.3
        for x, y in _coords(json.loads(row["boundary"])):
            assert len(f"{x}".split(".")[-1]) <= 6 and len(f"{y}".split(".")[-1]) <= 6


def _coords(geojson):
    polys = geojson["coordinates"]
    if geojson["type"] == "Polygon":
        polys = [polys]
    for poly in polys:
        for ring in poly:
            yield from ring


def test_boundaries_nest_and_the_check_can_fail(tiny, tmp_path):
    out, _made = tiny
    assert boundary_problems(out) == []
    moved = tmp_path / "moved"
    moved.mkdir()
    lines = (out / "grid.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    last = lines[-1]
    # Shift the last micro-grid 0.1° east: it leaves its group.
    shifted = last.replace("[113.", "[114.").replace("[112.", "[113.")
    (moved / "grid.csv").write_text("".join([*lines[:-1], shifted]), encoding="utf-8")
    assert any("not within" in p for p in boundary_problems(moved))


def test_people_are_plausible(tiny):
    out, _made = tiny
    persons = rows(out, "persons")
    households = rows(out, "households")
    micro_codes = {r["code"] for r in rows(out, "grid") if len(r["code"]) == 18}
    assert all(h["microgrid"] in micro_codes for h in households)
    members = defaultdict(list)
    ids = set()
    for p in persons:
        cid = parse_citizen_id(p["citizen_id"], today=AS_OF)
        assert {"男": "M", "女": "F"}[p["sex"]] == cid.sex
        assert p["birth_date"] == cid.birth_date.isoformat()
        ids.add(cid.number)
        members[p["household"]].append(p)
    assert len(ids) == len(persons)
    assert set(members) == {h["number"] for h in households}
    regions = Counter(i[:6] for i in ids)
    assert regions["440605"] > 0.7 * len(ids)
    assert len(persons) / len(households) == pytest.approx(2.43, abs=0.25)
    for people in members.values():
        heads = [p for p in people if p["relation"] == "户主"]
        assert len(heads) == 1
        head_birth = dt.date.fromisoformat(heads[0]["birth_date"])
        for p in people:
            born = dt.date.fromisoformat(p["birth_date"])
            if p["relation"] == "子女":
                assert 18 * 365 <= (born - head_birth).days <= 41 * 366
            if p["relation"] == "父母":
                assert 18 * 365 <= (head_birth - born).days <= 41 * 366
            if p["phone"]:
                assert (AS_OF - born).days >= 18 * 365


def test_party_members_and_organizations(tiny):
    out, _made = tiny
    orgs = {r["code"]: r for r in rows(out, "party_orgs")}
    members = rows(out, "party_members")
    persons = {r["citizen_id"]: r for r in rows(out, "persons")}
    households = {r["number"]: r for r in rows(out, "households")}
    assert len(members) == pytest.approx(0.015 * len(persons), abs=len(orgs))
    for m in members:
        org = orgs[m["organization"]]
        assert org["kind"] == "党小组"
        home = households[persons[m["citizen_id"]]["household"]]["microgrid"]
        assert org["node"] == home  # members belong to the party group where they live
        joined = dt.date.fromisoformat(m["joined_on"])
        if m["status"] == "预备党员":
            assert (AS_OF - joined).days < 366 and not m["full_member_on"]
        else:
            full = dt.date.fromisoformat(m["full_member_on"])
            assert full <= AS_OF and (full - joined).days in (365, 366)
    micro_groups = [o for o in orgs.values() if o["kind"] == "党小组"]
    assert len(micro_groups) == 9
    for o in orgs.values():
        assert o["parent"] == "" or o["parent"] in orgs


def test_org_kind_rule_and_the_planted_findings(tiny):
    out, made = tiny
    assert (
        natural_kind(100) == "党委"
        and natural_kind(51) == "党总支"
        and natural_kind(50) == "党支部"
    )
    assert len(made.mismatched) == 1
    village_orgs = [r for r in rows(out, "party_orgs") if len(r["node"]) == 12]
    members = Counter(r["organization"][1:13] for r in rows(out, "party_members"))
    wrong = [o for o in village_orgs if o["kind"] != natural_kind(members[o["node"]])]
    assert [o["node"] for o in wrong] == made.mismatched
    assert wrong[0]["kind"] == MISMATCH[natural_kind(members[wrong[0]["node"]])]


def test_bodies_memberships_and_barred_supervisors(tiny):
    out, made = tiny
    bodies = {r["code"]: r for r in rows(out, "bodies")}
    assert Counter(b["kind"] for b in bodies.values()) == {
        "村民委员会": 2,
        "村民代表会议": 2,
        "村务监督委员会": 2,
        "集体经济组织": 2,
        "村民小组": 5,
        "组委会": 5,
    }
    persons = {r["citizen_id"]: r for r in rows(out, "persons")}
    seats = defaultdict(list)
    term = Term.current(AS_OF)
    for m in rows(out, "memberships"):
        assert m["term_start"] == term.start.isoformat()
        seats[m["body"]].append(m)
    barred = 0
    for code, body in bodies.items():
        if body["kind"] != "村务监督委员会":
            continue
        committee = seats[code.replace("-JWH", "-CWH")]
        assert 3 <= len(seats[code]) <= 5
        cadres = {m["citizen_id"] for m in committee}
        homes = {persons[c]["household"] for c in cadres}
        for s in seats[code]:
            if s["citizen_id"] in cadres or persons[s["citizen_id"]]["household"] in homes:
                barred += 1
    assert barred == made.barred == 2
    posts = rows(out, "grid_posts")
    heads = {p["node"] for p in posts if p["kind"] == "网格长"}
    assert {r["code"] for r in rows(out, "grid") if len(r["code"]) in (12, 15)} <= heads


def test_village_scale_fits_make_run(tmp_path):
    made = generate(SCALES["village"], seed=1, out=tmp_path, as_of=AS_OF)
    assert made.levels["village"] == 1
    assert 4 <= made.levels["group"] <= 6
    assert 11 <= made.levels["microgrid"] <= 13
    assert 600 <= made.rows["households"] <= 900
    assert made.total_seconds < 10


def test_id_allocator_is_unique_until_the_sequence_runs_out():
    ids = IdAllocator(["440605"], AS_OF)
    day = np.full(500, 30000)
    region = np.zeros(500, dtype=int)
    first = ids.allocate(region, day, np.ones(500, dtype=bool))
    assert len(set(first)) == 500
    assert all(int(i[16]) % 2 == 1 for i in first)
    women = ids.allocate(region, day, np.zeros(500, dtype=bool))
    assert len(set(women) | set(first)) == 1000
    with pytest.raises(OverflowError):
        ids.allocate(region[:1], day[:1], np.ones(1, dtype=bool))


def test_term_is_the_one_running_on_the_reference_date():
    assert Term.current(dt.date(2026, 11, 22)).start == dt.date(2026, 3, 31)
    assert Term.current(dt.date(2026, 3, 1)).start == dt.date(2021, 3, 31)
    assert Term.current(dt.date(2023, 1, 1)).end == dt.date(2026, 3, 30)
