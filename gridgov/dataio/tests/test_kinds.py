"""Grid, organizations, households, party members, memberships and posts; scope; templates."""

from __future__ import annotations

import io

import pytest

from gridgov.accounts.roles import Role
from gridgov.core.crypto import lookup_hash
from gridgov.core.models import AuditEntry
from gridgov.core.oracle import NOT_HERE
from gridgov.dataio.schemas import SCHEMAS
from gridgov.dataio.services import import_file, write_template
from gridgov.grid.models import GridNode
from gridgov.orgs.models import (
    BodyMembership,
    GovernanceBody,
    GridPost,
    PartyMember,
    PartyOrganization,
)
from gridgov.people.models import Household, HouseholdMove, Person

from .conftest import ids, person_row, snapshot

pytestmark = pytest.mark.django_db


def test_grid_nodes_load_parents_from_the_codes_in_any_order(tree, files):
    v = tree.village.code
    rows = [
        [f"{v}002001", "二组1号微网格", "23.01", "113.1", ""],
        [
            f"{v}002",
            "第二村民小组",
            "",
            "",
            '{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}',
        ],
    ]
    result = import_file(kind="grid", path=files.csv("grid", rows))
    assert (result.ok, result.created) == (True, 2), result.errors
    group = GridNode.objects.get(code=f"{v}002")
    micro = GridNode.objects.get(code=f"{v}002001")
    assert (group.parent, group.level, micro.parent, micro.level) == (
        tree.village,
        "group",
        group,
        "microgrid",
    )
    assert group.boundary["type"] == "Polygon" and micro.lat == 23.01
    assert import_file(kind="grid", path=files.csv("grid", rows)).unchanged == 2


def test_grid_node_without_a_parent_and_bad_codes(tree, files):
    before = snapshot()
    rows = [
        ["440605009201001", "无上级的组", "", "", ""],
        ["12345", "坏代码", "", "", ""],
        ["440605001201000", "末三位为零", "", "", ""],
        ["990000", "不存在的县", "", "", ""],
    ]
    result = import_file(kind="grid", path=files.csv("grid", rows))
    assert [e.row for e in result.errors] == [2, 3, 4, 5]
    assert "上级网格440605009201不存在" in result.errors[0].reason
    assert "6、9、12、15或18位" in result.errors[1].reason
    assert "000" in result.errors[2].reason
    assert snapshot() == before


def test_party_orgs_with_parents_in_the_same_file_and_unknown_node(tree, files):
    rows = [
        ["D-GROUP", "一组党支部", "党支部", tree.group.code, "D-VILLAGE"],
        ["D-VILLAGE", "平东村党总支", "党总支", tree.village.code, ""],
    ]
    result = import_file(kind="party_orgs", path=files.csv("party_orgs", rows))
    assert result.ok, result.errors
    branch = PartyOrganization.objects.get(code="D-GROUP")
    assert branch.parent.code == "D-VILLAGE" and branch.grid_path == tree.group.code
    tree.village.refresh_from_db()
    assert tree.village.organizations_count == 1
    before = snapshot()
    bad = [
        ["X1", "无网格", "党支部", "440605001299", ""],
        ["X2", "微网格上的党委", "党委", tree.microgrid.code, ""],
        ["X3", "上级在别村", "党小组", tree.other_village.code, "D-GROUP"],
    ]
    result = import_file(kind="party_orgs", path=files.csv("party_orgs", bad))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "所在网格代码"),
        (3, "类型"),
        (4, "上级组织代码"),
    ]
    assert result.errors[0].reason == "未知的网格代码：440605001299"
    assert result.errors[1].reason == "党委不能设在微网格一级"
    assert snapshot() == before


def test_bodies_and_an_unknown_node(tree, files):
    rows = [
        ["B1", "平东村村民委员会", "村民委员会", tree.village.code],
        ["B2", "x", "组委会", "440605001201999"],
    ]
    result = import_file(kind="bodies", path=files.csv("bodies", rows))
    assert [(e.row, e.column) for e in result.errors] == [(3, "所在网格代码")]
    assert not GovernanceBody.objects.exists()
    assert import_file(kind="bodies", path=files.csv("bodies", rows[:1])).created == 1


def test_households_unknown_microgrid_and_moves(tree, files):
    mg, other = tree.microgrid.code, tree.other_microgrid.code
    before = snapshot()
    result = import_file(
        kind="households",
        path=files.csv("households", [["H-1", "440605001201001009"], ["H-2", tree.group.code]]),
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "微网格代码"), (3, "微网格代码")]
    assert result.errors[0].reason == "未知的微网格代码：440605001201001009"
    assert snapshot() == before
    assert import_file(kind="households", path=files.csv("households", [["H-1", mg]])).created == 1
    import_file(kind="persons", path=files.csv("persons", [person_row(ids(1)[0], "H-1")]))
    result = import_file(kind="households", path=files.csv("households", [["H-1", other]]))
    assert result.updated == 1
    household = Household.objects.get(number="H-1")
    assert household.grid_path == other
    assert Person.objects.get().grid_path == other
    move = HouseholdMove.objects.get()
    assert (move.from_microgrid.code, move.to_microgrid.code) == (mg, other)
    tree.microgrid.refresh_from_db()
    tree.other_microgrid.refresh_from_db()
    assert (tree.microgrid.households_count, tree.other_microgrid.households_count) == (0, 1)
    assert (tree.microgrid.persons_count, tree.other_microgrid.persons_count) == (0, 1)


@pytest.fixture
def registry(tree, households, files):
    """An organization, a body and three persons of the first household."""
    import_file(
        kind="party_orgs",
        path=files.csv("party_orgs", [["ORG1", "平东村党支部", "党支部", tree.village.code, ""]]),
    )
    import_file(
        kind="bodies",
        path=files.csv("bodies", [["BODY1", "平东村村委会", "村民委员会", tree.village.code]]),
    )
    numbers = ids(3)
    rows = [
        person_row(n, households[0].number, relation="户主" if i == 0 else "子女")
        for i, n in enumerate(numbers)
    ]
    assert import_file(kind="persons", path=files.csv("persons", rows)).ok
    return numbers


def test_party_members_set_flags_and_counters(tree, households, registry, files):
    a, b, _c = registry
    rows = [
        [a, "ORG1", "正式党员", "2005-07-01", "2006-07-01", "是", ""],
        [b, "ORG1", "预备党员", "2024-07-01", "", "", ""],
    ]
    result = import_file(kind="party_members", path=files.csv("party_members", rows))
    assert (result.ok, result.created) == (True, 2), result.errors
    member = PartyMember.objects.get(person__id_hash=lookup_hash(a))
    assert member.is_center_household and member.grid_path == tree.village.code
    assert Person.objects.get(id_hash=lookup_hash(a)).is_party_member
    assert Household.objects.get(pk=households[0].pk).is_party_household
    org = PartyOrganization.objects.get(code="ORG1")
    assert (org.members_count, org.full_members_count) == (2, 1)
    tree.microgrid.refresh_from_db()
    assert tree.microgrid.party_members_count == 2
    assert import_file(kind="party_members", path=files.csv("party_members", rows)).unchanged == 2


def test_party_member_rules(tree, households, registry, files):
    a, b, c = registry
    before = snapshot()
    rows = [
        [a, "ORG1", "正式党员", "2005-07-01", "", "", ""],
        [b, "ORG1", "预备党员", "2024-07-01", "2025-07-01", "", ""],
        [c, "ORG1", "正式党员", "1985-01-01", "1986-01-01", "", ""],
        [ids(1)[0], "ORG1", "正式党员", "2005-07-01", "2006-07-01", "", ""],
        [a, "NOPE", "正式党员", "2005-07-01", "2006-07-01", "", ""],
    ]
    result = import_file(kind="party_members", path=files.csv("party_members", rows))
    found = [(e.row, e.column, e.reason) for e in result.errors]
    assert (2, "转正日期", "正式党员须填写转正日期") in found
    assert (3, "转正日期", "预备党员尚无转正日期") in found
    assert (4, "入党日期", "入党时未满18岁") in found
    assert any(r == 5 and col == "身份证号" and "未登记" in why for r, col, why in found)
    assert (6, "组织代码", "未知的组织代码：NOPE") in found
    assert snapshot() == before


def test_memberships_and_grid_posts(tree, households, registry, files):
    a, b, _c = registry
    rows = [
        ["BODY1", a, "主任", "2021-01-01", "2026-01-01"],
        ["BODY1", b, "委员", "2021-01-01", ""],
    ]
    assert import_file(kind="memberships", path=files.csv("memberships", rows)).created == 2
    rows[1][2] = "副主任"
    result = import_file(kind="memberships", path=files.csv("memberships", rows))
    assert (result.updated, result.unchanged) == (1, 1)
    assert BodyMembership.objects.get(role="vice_chair").grid_path == tree.village.code
    bad = [["BODY1", a, "主任", "2021-01-01", "2020-01-01"]]
    assert (
        import_file(kind="memberships", path=files.csv("memberships", bad)).errors[0].column
        == "任期结束"
    )

    posts = [
        [tree.village.code, a, "网格长", "2021-01-01", ""],
        [tree.microgrid.code, b, "专职网格员", "2022-03-01", ""],
    ]
    assert import_file(kind="grid_posts", path=files.csv("grid_posts", posts)).created == 2
    posts[1][4] = "2024-12-31"
    result = import_file(kind="grid_posts", path=files.csv("grid_posts", posts))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert GridPost.objects.get(kind="worker").end_on.isoformat() == "2024-12-31"
    dup = import_file(kind="grid_posts", path=files.csv("grid_posts", [posts[0], posts[0]]))
    assert dup.errors[0].row == 3 and dup.errors[0].reason == "与第2行重复"


def test_a_village_cadre_cannot_import_into_another_village(tree, files, make_user):
    cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    before = snapshot()
    existing = tree.other_microgrid.code
    missing = tree.other_village.code + "001999"
    result = import_file(
        kind="households",
        path=files.csv(
            "households", [["H-9", existing], ["H-8", missing], ["H-7", tree.microgrid.code]]
        ),
        user=cadre,
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "微网格代码"), (3, "微网格代码")]
    reasons = [e.reason.replace(existing, "CODE").replace(missing, "CODE") for e in result.errors]
    # The same words whether the other village's code exists or not.
    assert reasons[0] == reasons[1] == "微网格代码CODE不存在或不在您的管辖范围"
    assert snapshot() == before
    ok = import_file(
        kind="households", path=files.csv("households", [["H-7", tree.microgrid.code]]), user=cadre
    )
    assert ok.ok and AuditEntry.objects.filter(action="import").latest("id").actor_id == cadre.pk


def test_under_restricts_like_a_scope(tree, households, files):
    row = person_row(ids(1)[0], households[2].number)  # the other village's household
    result = import_file(kind="persons", path=files.csv("persons", [row]), under=tree.village.code)
    assert result.errors[0].reason == f"户编号{households[2].number}不存在或不在您的管辖范围"
    assert import_file(
        kind="persons", path=files.csv("persons", [row]), under=tree.other_village.code
    ).ok


def test_a_person_registered_outside_the_scope_is_not_taken_over(
    tree, households, files, make_user, make_person
):
    outsider = make_person(households[2])
    cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    row = person_row(outsider.reveal_citizen_id(), households[0].number)
    result = import_file(kind="persons", path=files.csv("persons", [row]), user=cadre)
    # The neutral words of core.oracle: nothing about where the resident is registered.
    assert result.errors[0].column == "身份证号" and result.errors[0].reason == str(NOT_HERE)
    assert Person.objects.get(pk=outsider.pk).household_id == households[2].pk


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_templates_have_the_exact_header_and_an_instruction_sheet(kind, fmt):
    stream = io.BytesIO()
    write_template(kind, stream, fmt=fmt)
    if fmt == "csv":
        assert stream.getvalue().decode("utf-8-sig").strip() == ",".join(SCHEMAS[kind].headers)
        return
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    assert [c.value for c in book.worksheets[0][1]] == SCHEMAS[kind].headers
    guide = book["填写说明"]
    listed = {row[0]: row[1] for row in guide.iter_rows(min_row=2, values_only=True) if row[1]}
    for column in SCHEMAS[kind].columns:
        assert listed[column.header] == ("必填" if column.required else "选填")


def test_template_round_trip(tree, tmp_path):
    import openpyxl

    stream = io.BytesIO()
    write_template("households", stream)
    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    sheet = book.worksheets[0]
    mg = tree.microgrid.code
    sheet.append([f"{mg}0001", mg, "东街1号", None, None, "是", "否", "", "边缘易致贫户", ""])
    sheet.append([f"{mg}0002", mg, "东街2号"])
    path = tmp_path / "filled.xlsx"
    book.save(path)
    result = import_file(kind="households", path=path)
    assert (result.ok, result.created) == (True, 2), result.errors
    first = Household.objects.get(number=f"{mg}0001")
    assert first.is_dibao and first.monitoring_type == "marginal"
    csv_stream = io.BytesIO()
    write_template("households", csv_stream, fmt="csv")
    path = tmp_path / "filled.csv"
    path.write_bytes(csv_stream.getvalue() + f"{mg}0003,{mg}\r\n".encode())
    assert import_file(kind="households", path=path).created == 1


def test_worker_process_and_in_process_validation_agree(households, files, monkeypatch, settings):
    from gridgov.dataio import pipeline, services

    rows = [person_row(n, households[0].number) for n in ids(30)]
    rows.append(person_row("1", households[0].number))
    path = files.csv("persons", rows)
    monkeypatch.setattr(pipeline, "WORKER_MIN_ROWS", 0)
    monkeypatch.setattr(pipeline, "_spare_core", lambda: True)
    started = []

    def spy(*args):
        started.append(args)
        yield from pipeline.worker_chunks(*args)

    monkeypatch.setattr(services, "worker_chunks", spy)
    in_worker = import_file(kind="persons", path=path, dry_run=True)
    assert started, "the worker process was not used"
    settings.GRIDGOV_IMPORT_WORKER = False
    in_process = import_file(kind="persons", path=path, dry_run=True)
    assert in_worker.errors == in_process.errors and in_worker.error_count == 1
    assert pipeline.use_worker(10**6) is False


def test_an_organization_or_body_that_moves_takes_its_members_along(
    tree, households, registry, files
):
    a, b, _c = registry
    import_file(
        kind="party_members",
        path=files.csv(
            "party_members", [[a, "ORG1", "正式党员", "2005-07-01", "2006-07-01", "", ""]]
        ),
    )
    import_file(
        kind="memberships", path=files.csv("memberships", [["BODY1", b, "委员", "2021-01-01", ""]])
    )
    moved = import_file(
        kind="party_orgs",
        path=files.csv("party_orgs", [["ORG1", "平东村党支部", "党支部", tree.group.code, ""]]),
    )
    assert moved.updated == 1
    assert PartyMember.objects.get().grid_path == tree.group.code
    import_file(
        kind="bodies",
        path=files.csv("bodies", [["BODY1", "平东村村委会", "村民委员会", tree.group.code]]),
    )
    assert BodyMembership.objects.get().grid_path == tree.group.code
    tree.village.refresh_from_db()
    tree.group.refresh_from_db()
    assert (tree.village.organizations_count, tree.group.organizations_count) == (0, 1)
