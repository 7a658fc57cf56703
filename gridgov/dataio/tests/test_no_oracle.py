"""An import tells nobody whether a citizen ID, household number or organization code is
registered outside their scope: such a row is refused with the neutral words of core.oracle,
the same for every kind, and nothing of the other village shows in the result, the error
report (a file that travels) or the audit log."""

from __future__ import annotations

import io

import pytest

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.core.oracle import NOT_HERE
from gridgov.dataio.reports import write_error_report
from gridgov.dataio.services import import_file
from gridgov.orgs.models import OrgKind
from gridgov.orgs.services import party_org_create
from gridgov.people.models import Person

from .conftest import ids, person_row, snapshot


@pytest.fixture
def cadre(tree, make_user):
    return make_user(Role.VILLAGE_CADRE, tree.village)


def village_b_marks(tree, households, outsider=None) -> list[str]:
    marks = [
        tree.other_village.code,
        tree.other_village.name,
        tree.other_microgrid.code,
        tree.other_microgrid.name,
        households[2].number,
        households[2].address,
    ]
    if outsider is not None:
        marks += [outsider.name]
    return marks


def report_text(result, fmt: str) -> str:
    stream = io.BytesIO()
    write_error_report(result, stream, fmt=fmt)
    if fmt == "csv":
        return stream.getvalue().decode("utf-8-sig")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def test_a_person_of_another_village_is_refused_in_neutral_words(
    tree, households, files, cadre, make_person
):
    outsider = make_person(households[2], name="赵秘密")
    audit_before = list(AuditEntry.objects.values_list("pk", flat=True))
    state = snapshot()
    row = person_row(outsider.reveal_citizen_id(), households[0].number, name="赵某")
    result = import_file(kind="persons", path=files.csv("persons", [row]), user=cadre)
    assert not result.ok
    assert [(e.row, e.column, e.reason) for e in result.errors] == [(2, "身份证号", str(NOT_HERE))]
    assert snapshot() == state
    texts = [str([(e.column, e.value, e.reason) for e in result.errors])]
    texts += [report_text(result, fmt) for fmt in ("csv", "xlsx")]
    new_entries = AuditEntry.objects.exclude(pk__in=audit_before)
    texts += [str(list(new_entries.values()))]
    for text in texts:
        leaked = [m for m in village_b_marks(tree, households, outsider) if m in text]
        assert not leaked, (leaked, text)
    assert Person.objects.get(pk=outsider.pk).household_id == households[2].pk


def test_a_person_in_scope_is_updated_not_refused(tree, households, files, cadre, make_person):
    mine = make_person(households[0], name="陈大明")
    row = person_row(mine.reveal_citizen_id(), households[1].number, name="陈大明")
    result = import_file(kind="persons", path=files.csv("persons", [row]), user=cadre)
    assert result.ok, result.errors
    assert Person.objects.get(pk=mine.pk).household_id == households[1].pk


def test_the_neutral_words_are_one_text_for_every_kind_of_key(tree, households, files, cadre):
    party_org_create(
        code="P440605001202",
        name="平西村党支部",
        kind=OrgKind.BRANCH,
        node=tree.other_village,
        by=None,
    )
    taken_household = import_file(
        kind="households",
        path=files.csv("households", [[households[2].number, tree.microgrid.code]]),
        user=cadre,
    )
    taken_org = import_file(
        kind="party_orgs",
        path=files.csv("party_orgs", [["P440605001202", "新支部", "党支部", tree.village.code]]),
        user=cadre,
    )
    # Each line repeats only the cell the user typed, and the neutral reason.
    assert [(e.value, e.reason) for e in taken_household.errors] == [
        (households[2].number, str(NOT_HERE))
    ]
    assert [(e.value, e.reason) for e in taken_org.errors] == [("P440605001202", str(NOT_HERE))]
    for result in (taken_household, taken_org):
        assert "平西村" not in report_text(result, "csv")


def test_a_new_id_and_the_other_villages_id_differ_only_by_the_refusal(
    tree, households, files, cadre, make_person
):
    """With a second, unrelated error in the file, the rest of the report is the same whether
    the ID is registered elsewhere or not registered at all."""
    outsider = make_person(households[2], name="赵秘密")
    bad_phone = {"phone": "12"}
    taken = person_row(outsider.reveal_citizen_id(), households[0].number, **bad_phone)
    fresh = person_row(ids(1)[0], households[0].number, **bad_phone)
    errors_taken = import_file(kind="persons", path=files.csv("persons", [taken]), user=cadre)
    errors_fresh = import_file(kind="persons", path=files.csv("persons", [fresh]), user=cadre)
    shape = [(e.row, e.column, e.reason) for e in errors_fresh.errors]
    assert [(e.row, e.column, e.reason) for e in errors_taken.errors] == shape
