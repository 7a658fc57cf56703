"""``gridgov demo`` loads the village scale through the importer with zero errors."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from gridgov.core.identity import parse_citizen_id
from gridgov.demo.loader import LoadError, file_parts, load
from gridgov.demo.verify import read_rows
from gridgov.grid.models import GridLevel, GridNode
from gridgov.orgs.models import (
    BodyMembership,
    GovernanceBody,
    GridPost,
    PartyMember,
    PartyOrganization,
)
from gridgov.orgs.selectors import org_type_findings, supervision_barred
from gridgov.people.models import Household, Person

LEVEL_BY_LENGTH = {6: "county", 9: "town", 12: "village", 15: "group", 18: "microgrid"}


@pytest.fixture
def village(db, tmp_path):
    out = StringIO()
    call_command("demo", scale="village", seed=3, out=str(tmp_path), stdout=out, stderr=StringIO())
    return tmp_path, out.getvalue()


def count(out, kind):
    return sum(1 for _ in read_rows(out, kind))


def test_village_scale_loads_completely(village, make_user):
    out, printed = village
    assert "导入合计" in printed
    levels = Counter(LEVEL_BY_LENGTH[len(r["code"])] for _l, r in read_rows(out, "grid"))
    assert dict(Counter(GridNode.objects.values_list("level", flat=True))) == dict(levels)
    assert levels["village"] == 1 and 4 <= levels["group"] <= 6

    assert Household.objects.count() == count(out, "households")
    assert not Household.objects.exclude(microgrid__level=GridLevel.MICROGRID).exists()
    assert not Household.objects.with_head().filter(head_pk__isnull=True).exists()
    assert Person.objects.count() == count(out, "persons")
    assert PartyOrganization.objects.count() == count(out, "party_orgs")
    assert PartyMember.objects.count() == count(out, "party_members")
    assert GovernanceBody.objects.count() == count(out, "bodies")
    assert BodyMembership.objects.count() == count(out, "memberships")
    assert GridPost.objects.count() == count(out, "grid_posts")

    numbers = set()
    for person in Person.objects.all():
        cid = parse_citizen_id(person.reveal_citizen_id())
        assert (cid.sex, cid.birth_date) == (person.sex, person.birth_date)
        assert person.grid_path == person.household.grid_path
        numbers.add(cid.number)
    assert len(numbers) == Person.objects.count()
    assert Person.objects.filter(is_party_member=True).count() == PartyMember.objects.count()

    admin = make_user(superuser=True)
    village_code = next(r["code"] for _l, r in read_rows(out, "grid") if len(r["code"]) == 12)
    findings = org_type_findings(admin)
    assert village_code in {f.org.node.code for f in findings}
    assert len(supervision_barred(admin)) == 2


def test_if_empty_skips_and_a_second_load_is_refused(village, tmp_path):
    before = Person.objects.count()
    out = StringIO()
    call_command("demo", scale="village", if_empty=True, out=str(tmp_path / "x"), stdout=out)
    assert "跳过" in out.getvalue()
    assert not (tmp_path / "x").exists()
    with pytest.raises(CommandError, match="--if-empty"):
        call_command("demo", scale="village", out=str(tmp_path / "y"), stdout=StringIO())
    assert Person.objects.count() == before


def test_csv_only_writes_files_and_leaves_the_database_alone(db, tmp_path):
    call_command(
        "demo", scale="village", csv_only=True, check=True, out=str(tmp_path), stdout=StringIO()
    )
    assert count(tmp_path, "persons") > 1000
    assert not GridNode.objects.exists()


def test_files_over_the_upload_limit_go_in_parts_and_errors_name_the_file_row(
    db, tmp_path, settings
):
    settings.GRIDGOV_IMPORT_MAX_BYTES = 50_000
    out = tmp_path / "parts"
    call_command("demo", scale="village", csv_only=True, out=str(out), stdout=StringIO())
    with file_parts(out / "persons.csv", 50_000) as parts:
        assert len(parts) >= 3
        texts = [p.read_text(encoding="utf-8") for p, _offset in parts]
        assert all(p.stat().st_size <= 50_000 for p, _offset in parts)
    original = (out / "persons.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = original[0]
    assert all(t.startswith(header) for t in texts)
    assert "".join(t[len(header) :] for t in texts) == "".join(original[1:])

    # A bad ID in the last part is reported with its line in persons.csv.
    line = len(original) - 1
    cells = original[line].split(",")
    cells[0] = cells[0][:17] + ("0" if cells[0][17] != "0" else "1")
    original[line] = ",".join(cells)
    (out / "persons.csv").write_text("".join(original), encoding="utf-8")
    with pytest.raises(LoadError) as caught, transaction.atomic():
        load(out)
    assert caught.value.kind == "persons"
    assert caught.value.lines[0].startswith(f"第{line + 1}行")
    assert not GridNode.objects.exists() and not Person.objects.exists()


def test_village_scale_loads_in_parts(db, tmp_path, settings):
    settings.GRIDGOV_IMPORT_MAX_BYTES = 50_000
    call_command("demo", scale="village", out=str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert Person.objects.count() == count(tmp_path, "persons")
    assert not Household.objects.with_head().filter(head_pk__isnull=True).exists()


def test_a_load_error_stops_the_command_and_stores_nothing(db, tmp_path, monkeypatch):
    from gridgov.demo.management.commands import demo as command

    real_generate = command.generate

    def generate_then_break(*args, **kwargs):
        made = real_generate(*args, **kwargs)
        path = made.out / "party_members.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[2] = lines[2].replace("正式党员", "老党员")
        path.write_text("".join(lines), encoding="utf-8")
        return made

    monkeypatch.setattr(command, "generate", generate_then_break)
    err = StringIO()
    with pytest.raises(CommandError, match="党员"):
        call_command("demo", scale="village", out=str(tmp_path), stdout=StringIO(), stderr=err)
    assert "第3行" in err.getvalue() and "老党员" in err.getvalue()
    assert not GridNode.objects.exists() and not Person.objects.exists()
