"""Importing persons: every bad row answered by row, column and reason, and nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.core.crypto import lookup_hash, mask_citizen_id
from gridgov.core.identity import make_citizen_id
from gridgov.core.models import AuditEntry
from gridgov.dataio.services import import_file
from gridgov.people.models import Household, Person, PersonMove, PersonSensitive

from .conftest import ids, person_row, snapshot

pytestmark = pytest.mark.django_db


def only_error(result):
    assert not result.ok and result.error_count == 1, result.errors
    return result.errors[0]


def test_valid_rows_are_stored_encrypted_masked_and_audited_once(households, files):
    hh = households[0]
    head, spouse = ids(1, sex="M")[0], ids(1, sex="F")[0]
    path = files.csv(
        "persons",
        [
            person_row(
                head, hh.number, name="陈大明", sex="男", relation="户主", phone="13812345678"
            ),
            person_row(spouse, hh.number, name="李小红", sex="女", relation="配偶"),
        ],
    )
    result = import_file(kind="persons", path=path)
    assert (result.ok, result.created, result.updated, result.unchanged) == (True, 2, 0, 0)
    person = Person.objects.get(id_hash=lookup_hash(head))
    assert person.reveal_citizen_id() == head and person.id_masked == mask_citizen_id(head)
    assert person.reveal_phone() == "13812345678" and person.phone_masked == "138****5678"
    assert person.grid_path == hh.grid_path and person.sex == "M"
    hh.refresh_from_db()
    assert hh.head == person
    entry = AuditEntry.objects.filter(action="import").get()
    assert entry.object_type == "dataio.persons"
    assert entry.after["created"] == 2 and len(entry.after["sha256"]) == 64
    assert head not in str(entry.after)


def test_wrong_check_digit_names_row_column_and_expected_character(households, files):
    good = make_citizen_id("440605", dt.date(1990, 1, 1), 11)
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    before = snapshot()
    path = files.csv(
        "persons",
        [person_row(ids(1)[0], households[0].number), person_row(wrong, households[0].number)],
    )
    error = only_error(import_file(kind="persons", path=path))
    assert (error.row, error.column) == (3, "身份证号")
    assert error.reason == f"身份证号校验位错误：应为{good[17]}，实为{wrong[17]}"
    assert error.value == mask_citizen_id(wrong)  # a report never carries a full ID
    assert snapshot() == before


def test_birth_date_in_the_future_is_refused(households, files):
    future = make_citizen_id("440605", timezone.localdate() + dt.timedelta(days=30), 11)
    before = snapshot()
    error = only_error(
        import_file(
            kind="persons",
            path=files.csv("persons", [person_row(future, households[0].number)]),
        )
    )
    assert (error.row, error.column) == (2, "身份证号") and "在今天之后" in error.reason
    assert snapshot() == before


def test_sex_and_birth_date_columns_must_agree_with_the_id(households, files):
    man = make_citizen_id("440605", dt.date(1970, 3, 4), 11)
    before = snapshot()
    result = import_file(
        kind="persons",
        path=files.csv(
            "persons",
            [
                person_row(man, households[0].number, sex="女"),
                person_row(ids(1)[0], households[0].number, birth="1999-01-01"),
            ],
        ),
    )
    assert not result.ok and result.error_count == 2
    sex, birth = result.errors
    assert (sex.row, sex.column, sex.value) == (2, "性别", "女")
    assert sex.reason == "性别与身份证号不符：身份证号第17位表示男"
    assert (birth.row, birth.column) == (3, "出生日期") and "应为1980-05" in birth.reason
    assert snapshot() == before


def test_unknown_household_is_an_error(households, files):
    before = snapshot()
    error = only_error(
        import_file(kind="persons", path=files.csv("persons", [person_row(ids(1)[0], "nope-1")]))
    )
    assert (error.row, error.column, error.value) == (2, "户编号", "nope-1")
    assert error.reason == "未知的户编号：nope-1"
    assert snapshot() == before


def test_same_id_twice_in_the_file_and_once_in_the_database(households, files, make_person):
    stored = make_person(households[0], name="原有")
    number = stored.reveal_citizen_id()
    before = snapshot()
    path = files.csv(
        "persons",
        [
            person_row(number, households[0].number, name="改名一"),
            person_row(ids(1)[0], households[0].number),
            person_row(number, households[1].number, name="改名二"),
        ],
    )
    error = only_error(import_file(kind="persons", path=path))
    assert (error.row, error.column, error.reason) == (4, "身份证号", "与第2行重复")
    assert error.value == mask_citizen_id(number)
    assert snapshot() == before
    assert Person.objects.get(pk=stored.pk).name == "原有"


def test_every_error_is_listed_not_just_the_first(households, files):
    rows = [person_row("123", households[0].number) for _ in range(5)]
    rows.append(person_row(ids(1)[0], households[0].number, relation="表亲"))
    result = import_file(kind="persons", path=files.csv("persons", rows))
    assert result.error_count == 6
    assert [e.row for e in result.errors] == [2, 3, 4, 5, 6, 7]
    assert result.errors[-1].column == "与户主关系" and "户主" in result.errors[-1].reason


def test_reimport_changes_nothing_and_adds_only_the_import_audit_entry(households, files):
    hh = households[0]
    rows = [
        person_row(
            n, hh.number, name=f"人{i}", relation="户主" if i == 0 else "子女", phone="13900000000"
        )
        for i, n in enumerate(ids(4))
    ]
    rows[1] = person_row(
        ids(1)[0], hh.number, name="有残疾", disability_category="肢体残疾", disability_grade="2"
    )
    path = files.csv("persons", rows)
    assert import_file(kind="persons", path=path).created == 4
    before = snapshot()
    audits = AuditEntry.objects.count()
    again = import_file(kind="persons", path=path)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 4)
    after = snapshot()
    assert after["persons"] == before["persons"]  # updated_at untouched: no row was written
    assert AuditEntry.objects.count() == audits + 1
    assert AuditEntry.objects.latest("id").action == "import"


def test_an_update_of_one_field_updates_exactly_that_row(households, files):
    hh = households[0]
    numbers = ids(3)
    rows = [person_row(n, hh.number, name=f"人{i}") for i, n in enumerate(numbers)]
    import_file(kind="persons", path=files.csv("persons", rows))
    stamps = dict(Person.objects.values_list("name", "updated_at"))
    rows[1] = person_row(numbers[1], hh.number, name="人1", phone="13711112222")
    result = import_file(kind="persons", path=files.csv("persons", rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    changed = Person.objects.get(name="人1")
    assert changed.reveal_phone() == "13711112222"
    assert changed.updated_at > stamps["人1"]
    assert Person.objects.get(name="人0").updated_at == stamps["人0"]
    assert Person.objects.get(name="人2").updated_at == stamps["人2"]


def test_dry_run_checks_and_counts_but_stores_nothing(households, files):
    before = snapshot()
    path = files.csv("persons", [person_row(n, households[0].number) for n in ids(3)])
    result = import_file(kind="persons", path=path, dry_run=True)
    assert (result.ok, result.dry_run, result.created) == (True, True, 3)
    assert snapshot() == before


def test_moving_a_person_writes_history_and_moves_the_head(households, files):
    a, b, _other = households
    head, child = ids(2)
    path = files.csv(
        "persons", [person_row(head, a.number, relation="户主"), person_row(child, a.number)]
    )
    import_file(kind="persons", path=path)
    path = files.csv(
        "persons", [person_row(head, b.number, relation="户主"), person_row(child, a.number)]
    )
    result = import_file(kind="persons", path=path)
    assert (result.updated, result.unchanged) == (1, 1)
    mover = Person.objects.get(id_hash=lookup_hash(head))
    move = PersonMove.objects.get()
    assert (move.person, move.from_household, move.to_household) == (mover, a, b)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.head is None and b.head == mover


def test_two_heads_in_one_household_are_refused(households, files, make_person):
    hh = households[0]
    path = files.csv(
        "persons",
        [person_row(n, hh.number, relation="户主") for n in ids(2)],
    )
    error = only_error(import_file(kind="persons", path=path))
    assert (error.row, error.column) == (3, "与户主关系") and "第2行" in error.reason
    make_person(hh, name="老户主", relation="head")
    error = only_error(
        import_file(
            kind="persons",
            path=files.csv("persons", [person_row(ids(1)[0], hh.number, relation="户主")]),
        )
    )
    assert "已有户主老户主" in error.reason


def test_sensitive_values_live_apart_and_go_when_emptied(households, files):
    number = ids(1)[0]
    hh = households[0]
    path = files.csv(
        "persons",
        [person_row(number, hh.number, special_group="社区矫正对象", serious_illness="是")],
    )
    assert import_file(kind="persons", path=path).ok
    record = PersonSensitive.objects.get()
    assert (record.special_group, record.serious_illness) == ("corrections", True)
    assert record.grid_path == hh.grid_path
    assert (
        import_file(
            kind="persons", path=files.csv("persons", [person_row(number, hh.number)])
        ).updated
        == 1
    )
    assert not PersonSensitive.objects.exists()


def test_grade_needs_a_category_and_phone_must_be_a_phone(households, files):
    hh = households[0]
    result = import_file(
        kind="persons",
        path=files.csv(
            "persons",
            [
                person_row(ids(1)[0], hh.number, disability_grade="2"),
                person_row(ids(1)[0], hh.number, phone="12345"),
            ],
        ),
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "残疾等级"), (3, "联系电话")]
    assert "残疾类别" in result.errors[0].reason and result.errors[1].value == "*****"


def test_an_id_stored_as_a_number_by_excel_gets_a_clear_hint(households, files):
    path = files.xlsx(
        "persons", [[4.406051990010112e17, "张三", "", "", households[0].number, "户主"]]
    )
    error = only_error(import_file(kind="persons", path=path))
    assert error.column == "身份证号" and "设为文本" in error.reason


def test_household_counts_follow(households, files, tree):
    import_file(
        kind="persons",
        path=files.csv("persons", [person_row(n, households[0].number) for n in ids(3)]),
    )
    tree.microgrid.refresh_from_db()
    assert tree.microgrid.persons_count == 3
    assert Household.objects.get(pk=households[0].pk).members.count() == 3
