"""Import and export of linkers and links (dataio kinds ``linkers`` and ``links``): all or
nothing, each refusal with its row, column and reason, and a round trip."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.dataio.exports import export_to
from gridgov.dataio.schemas import SCHEMAS
from gridgov.dataio.services import import_file
from gridgov.links.models import Link, Linker, LinkSource
from gridgov.links.services import link_create, link_end, linker_create
from gridgov.people.models import Relation

pytestmark = pytest.mark.django_db

LINK_KEYS = [c.key for c in SCHEMAS["links"].columns]
LINKER_KEYS = [c.key for c in SCHEMAS["linkers"].columns]


class Files:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.n = 0

    def csv(self, kind: str, rows: list[list[str]]) -> Path:
        self.n += 1
        path = self.root / f"{kind}-{self.n}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows([SCHEMAS[kind].headers, *rows])
        return path


@pytest.fixture
def files(tmp_path):
    return Files(tmp_path)


@pytest.fixture
def cadre(tree, make_user):
    """A village cadre of village A (平东村): imports there."""
    return make_user(Role.VILLAGE_CADRE, tree.village)


def link_row(household, linker, **extra: str) -> list[str]:
    person = linker.person
    values = {
        "household": household.number,
        "linker_name": person.name,
        "linker_household": person.household.number,
        **extra,
    }
    return [values.get(k, "") for k in LINK_KEYS]


def linker_row(person, kind: str = "联户党员", **extra: str) -> list[str]:
    values = {"name": person.name, "household": person.household.number, "kind": kind, **extra}
    return [values.get(k, "") for k in LINKER_KEYS]


def state() -> list[tuple]:
    """Every link and linker as stored: to prove a refused file changed nothing."""
    links = list(Link.objects.order_by("id").values_list("id", "linker_id", "end_on", "pinned"))
    linkers = list(
        Linker.objects.order_by("id").values_list("id", "kind", "cannot_link", "phone_consent")
    )
    return [*links, *linkers]


def refused(result, row: int, column: str, words: str) -> None:
    assert not result.ok
    found = [(e.row, e.column, e.reason) for e in result.errors]
    assert any(r == row and c == column and words in why for r, c, why in found), found


# Linkers


def test_linkers_import_create_then_unchanged_then_update(world, cadre, files):
    rows = [
        linker_row(world.head, "党员中心户", phone_consent="是"),
        linker_row(world.spouse, "村两委成员"),
    ]
    alone = import_file(kind="linkers", path=files.csv("linkers", [rows[1]]), user=cadre)
    assert alone.ok and alone.created == 1
    Linker.objects.all().delete()
    result = import_file(kind="linkers", path=files.csv("linkers", rows), user=cadre)
    assert (result.ok, result.created, result.updated) == (True, 2, 0), result.errors
    head = Linker.objects.get(person=world.head)
    assert head.kind == "center" and head.phone_consent and head.phone_consent_at
    assert head.grid_path == world.head.grid_path
    entry = AuditEntry.objects.filter(action="import", object_type="dataio.linkers").latest("id")
    assert entry.grid_path == world.tree.microgrid.code and entry.after["created"] == 2
    again = import_file(kind="linkers", path=files.csv("linkers", rows), user=cadre)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 2)
    rows[1] = linker_row(
        world.spouse, "村两委成员", cannot_link="是", cannot_link_reason="外出务工"
    )
    changed = import_file(kind="linkers", path=files.csv("linkers", rows), user=cadre)
    assert (changed.ok, changed.updated, changed.unchanged) == (True, 1, 1)
    assert Linker.objects.get(person=world.spouse).cannot_link_reason == "外出务工"


def test_a_single_refusal_is_reported(world, cadre, files):
    row = linker_row(world.other_person)
    result = import_file(kind="linkers", path=files.csv("linkers", [row]), user=cadre)
    refused(result, 2, "姓名", "不存在或不在您的管辖范围")
    assert result.error_count == 1 and not Linker.objects.exists()


def test_linkers_refusals_store_nothing(world, cadre, files, make_person):
    make_person(world.household, name="李秀英", relation=Relation.OTHER)  # a namesake
    rows = [
        linker_row(world.head, "党员中心户"),
        linker_row(world.head, "联户党员"),  # row 3: repeated
        linker_row(world.other_person),  # row 4: village B
        ["无此人", world.household.number, "联户党员", "", "", ""],  # row 5
        linker_row(world.child, cannot_link="是"),  # row 6: no reason
        linker_row(world.spouse),  # row 7: two 李秀英 in the household
        linker_row(world.child, "书记"),  # row 8: unknown kind
        linker_row(world.child, "党员中心户"),  # row 9: not a party member
    ]
    before = state()
    result = import_file(kind="linkers", path=files.csv("linkers", rows), user=cadre)
    refused(result, 3, "姓名", "与第2行重复")
    refused(result, 4, "姓名", "不存在或不在您的管辖范围")
    refused(result, 5, "姓名", "不存在或不在您的管辖范围")
    refused(result, 6, "不能联户原因", "须写明原因")
    refused(result, 7, "姓名", "有2人名叫李秀英")
    refused(result, 8, "联户人类型", "应为以下之一")
    refused(result, 9, "联户人类型", "陈小华不是党员，不能作为党员中心户")
    assert result.error_count == 7
    assert state() == before and not Linker.objects.exists()
    assert not AuditEntry.objects.filter(action="import").exists()


# Links


def test_links_import_happy_path(linking, cadre, files):
    rows = [
        link_row(linking.households[0], linking.member, pinned="是"),
        link_row(linking.households[1], linking.member, start_on="2025-03-01"),
        link_row(linking.households[2], linking.center),
    ]
    dry = import_file(kind="links", path=files.csv("links", rows), user=cadre, dry_run=True)
    assert (dry.ok, dry.created) == (True, 3) and not Link.objects.exists()
    result = import_file(kind="links", path=files.csv("links", rows), user=cadre)
    assert (result.ok, result.created) == (True, 3), result.errors
    first = Link.objects.get(household=linking.households[0])
    assert first.linker == linking.member and first.pinned and first.source == LinkSource.IMPORT
    assert (
        first.start_on == timezone.localdate()
        and first.grid_path == linking.households[0].grid_path
    )
    assert Link.objects.get(household=linking.households[1]).start_on == dt.date(2025, 3, 1)
    assert AuditEntry.objects.get(action="import", object_type="dataio.links").after["created"] == 3
    again = import_file(kind="links", path=files.csv("links", rows), user=cadre)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 3)


def test_an_exempt_member_is_refused(world, linking, cadre, files, make_member):
    today = timezone.localdate()
    seventy = make_member(name="满七十", birth=today.replace(year=today.year - 70))
    old = linker_create(person=seventy, kind="member", by=None)
    mobile = linker_create(person=make_member(name="外出", is_mobile=True), kind="member", by=None)
    rows = [
        link_row(linking.households[0], old),
        link_row(linking.households[1], mobile),
        link_row(linking.households[2], linking.member),
    ]
    result = import_file(kind="links", path=files.csv("links", rows), user=cadre)
    refused(result, 2, "联户人姓名", "年满70周岁")
    refused(result, 3, "联户人姓名", "流动党员")
    assert result.error_count == 2 and not Link.objects.exists()


def test_capacity_counts_the_files_own_rows_at_the_boundary(linking, cadre, files, settings):
    settings.GRIDGOV_RULES = {"links.capacity": {"member": [1, 3], "center": [5, 10]}}
    link_create(linker=linking.member, household=linking.households[0], by=None)
    at_limit = [link_row(h, linking.member) for h in linking.households[1:3]]
    # The household already linked to the member is listed again: it counts once.
    at_limit.append(link_row(linking.households[0], linking.member))
    assert import_file(kind="links", path=files.csv("links", at_limit), user=cadre, dry_run=True).ok
    over = [link_row(h, linking.member) for h in linking.households[1:4]]
    before = state()
    result = import_file(kind="links", path=files.csv("links", over), user=cadre)
    refused(result, 4, "联户人姓名", "将达4户，超过上限3户")
    assert result.error_count == 1 and state() == before


def test_unknown_and_out_of_scope_households_and_persons(world, linking, cadre, files):
    outsider = linker_create(person=world.other_person, kind="other", by=None)
    not_linker = world.spouse
    rows = [
        ["4406059999", "王联户", linking.member.person.household.number, "", "", "", "", "", ""],
        link_row(world.other_household, linking.member),  # row 3: household of village B
        link_row(linking.households[0], outsider),  # row 4: linker of village B
        [linking.households[1].number, not_linker.name, not_linker.household.number]
        + [""] * 6,  # row 5: not a linker
    ]
    result = import_file(kind="links", path=files.csv("links", rows), user=cadre)
    refused(result, 2, "户编号", "户编号4406059999不存在或不在您的管辖范围")
    refused(result, 3, "户编号", f"户编号{world.other_household.number}不存在或不在您的管辖范围")
    refused(result, 4, "联户人姓名", "不存在或不在您的管辖范围")
    refused(result, 5, "联户人姓名", "尚未登记为联户人")
    assert result.error_count == 4 and not Link.objects.exists()


def test_a_cross_micro_grid_link_needs_a_reason(world, linking, files, make_household):
    elsewhere = make_household(world.tree.other_microgrid)
    refusal = import_file(
        kind="links", path=files.csv("links", [link_row(elsewhere, linking.member)])
    )
    refused(refusal, 2, "跨微网格原因", "须写明跨微网格原因")
    assert not Link.objects.exists()
    row = link_row(elsewhere, linking.member, cross_grid_reason="亲属关系")
    result = import_file(kind="links", path=files.csv("links", [row]))
    assert result.ok and Link.objects.get().cross_grid_reason == "亲属关系"


def test_a_household_listed_twice_is_refused(linking, cadre, files):
    rows = [
        link_row(linking.households[0], linking.member),
        link_row(linking.households[0], linking.center),
    ]
    result = import_file(kind="links", path=files.csv("links", rows), user=cadre)
    refused(result, 3, "户编号", "与第2行重复")
    assert not Link.objects.exists()


def test_a_linked_household_is_replaced_only_when_the_row_says_so(linking, cadre, files):
    old = link_create(
        linker=linking.member,
        household=linking.households[0],
        start_on=dt.date(2024, 1, 1),
        by=None,
    )
    row = link_row(linking.households[0], linking.center, start_on="2025-06-01")
    result = import_file(kind="links", path=files.csv("links", [row]), user=cadre)
    refused(result, 2, "户编号", "更换原联户人")
    assert Link.objects.get().end_on is None
    early = link_row(
        linking.households[0], linking.center, start_on="2023-12-31", replace_link="是"
    )
    refused(
        import_file(kind="links", path=files.csv("links", [early]), user=cadre),
        2,
        "开始日期",
        "早于",
    )
    row = link_row(linking.households[0], linking.center, start_on="2025-06-01", replace_link="是")
    result = import_file(kind="links", path=files.csv("links", [row]), user=cadre)
    assert (result.ok, result.updated) == (True, 1), result.errors
    old.refresh_from_db()
    assert old.end_on == dt.date(2025, 5, 31) and old.end_reason
    new = Link.objects.get(end_on__isnull=True)
    assert new.linker == linking.center and new.start_on == dt.date(2025, 6, 1)


def test_history_rows_must_match_the_register(linking, cadre, files):
    row = link_row(
        linking.households[0], linking.member, start_on="2024-01-01", end_on="2024-06-30"
    )
    result = import_file(kind="links", path=files.csv("links", [row]), user=cadre)
    refused(result, 2, "结束日期", "只能核对")
    bad = link_row(
        linking.households[0], linking.member, start_on="2024-07-01", end_on="2024-06-30"
    )
    refused(
        import_file(kind="links", path=files.csv("links", [bad]), user=cadre), 2, "结束日期", "早于"
    )
    assert not Link.objects.exists()


def export_rows(kind: str, queryset) -> list[list[str]]:
    stream = io.BytesIO()
    export_to(stream, kind=kind, queryset=queryset, fmt="csv")
    lines = list(csv.reader(io.StringIO(stream.getvalue().decode("utf-8-sig"))))
    assert lines[0] == SCHEMAS[kind].headers
    return lines


def test_round_trip_export_then_import_changes_nothing(world, linking, cadre, files):
    linker_create(person=world.head, kind="center", phone_consent=True, by=None)
    old = link_create(
        linker=linking.member,
        household=linking.households[0],
        start_on=dt.date(2024, 1, 1),
        by=None,
    )
    link_end(link=old, reason="调整", end_on=dt.date(2024, 12, 31), by=None)
    link_create(
        linker=linking.center,
        household=linking.households[0],
        start_on=dt.date(2025, 1, 1),
        by=None,
    )
    link_create(linker=linking.member, household=linking.households[1], pinned=True, by=None)
    before = state()
    for kind, model in (("linkers", Linker), ("links", Link)):
        lines = export_rows(kind, model.objects.all())
        path = files.root / f"{kind}-export.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(lines)
        result = import_file(kind=kind, path=path, user=cadre)
        assert result.ok, result.errors
        assert (result.created, result.updated) == (0, 0)
        assert result.unchanged == model.objects.count()
    assert state() == before


def test_the_commands_import_and_export_links(linking, files, tmp_path):
    rows = [link_row(linking.households[0], linking.member)]
    out = io.StringIO()
    call_command("import", "links", str(files.csv("links", rows)), stdout=out, stderr=io.StringIO())
    assert "导入完成" in out.getvalue() and Link.objects.count() == 1
    target = tmp_path / "联户.csv"
    call_command("export", "links", str(target), stdout=io.StringIO())
    assert linking.households[0].number in target.read_text(encoding="utf-8-sig")
    twice = [link_row(linking.households[1], linking.member)] * 2
    with pytest.raises(CommandError):
        call_command(
            "import",
            "links",
            str(files.csv("links", twice)),
            "--report",
            str(tmp_path / "r.csv"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert Link.objects.count() == 1


def test_an_excel_list_imports_like_a_csv(linking, cadre, tmp_path):
    import xlsxwriter

    path = tmp_path / "联户名单.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("联户关系")
    text = book.add_format({"num_format": "@"})
    rows = [
        SCHEMAS["links"].headers,
        link_row(linking.households[0], linking.member, start_on="2025/3/1", pinned="是"),
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value, text)
    book.close()
    result = import_file(kind="links", path=path, user=cadre)
    assert (result.ok, result.created) == (True, 1), result.errors
    link = Link.objects.get()
    assert link.start_on == dt.date(2025, 3, 1) and link.pinned


def test_links_kept_in_force_are_not_refused_for_later_changes(linking, cadre, files, settings):
    from gridgov.links.services import linker_update

    for household in linking.households[:3]:
        link_create(linker=linking.member, household=household, by=None)
    linker_update(
        linker=linking.member, data={"cannot_link": True, "cannot_link_reason": "患病"}, by=None
    )
    settings.GRIDGOV_RULES = {"links.capacity": {"member": [1, 2], "center": [5, 10]}}
    rows = [link_row(h, linking.member) for h in linking.households[:3]]
    kept = import_file(kind="links", path=files.csv("links", rows), user=cadre)
    assert (kept.ok, kept.unchanged) == (True, 3), kept.errors
    rows.append(link_row(linking.households[3], linking.member))
    added = import_file(kind="links", path=files.csv("links", rows), user=cadre)
    refused(added, 5, "联户人姓名", "不能联户：患病")
    refused(added, 5, "联户人姓名", "超过上限2户")
    assert added.error_count == 2 and Link.objects.count() == 3
