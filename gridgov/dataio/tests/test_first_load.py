"""A first load takes the tables' indexes and foreign keys off and puts every one back.

Big loads (``gridgov.core.bulkload.REBUILD_AFTER`` rows and at least the table's size) rebuild
indexes instead of maintaining them; when every row is new the unique indexes go too and rows
are inserted without ``ON CONFLICT``. These tests lower the threshold to one row so that a small
file takes that path, and check that the schema afterwards is exactly the schema before, that
the constraints hold again, and that the data is what a row-by-row load would have stored.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from gridgov.core import bulkload
from gridgov.core.crypto import lookup_hash
from gridgov.dataio.services import import_file
from gridgov.people.models import Household, Person, PersonSensitive, Relation

from .conftest import ids, person_row

pytestmark = pytest.mark.django_db


def schema(model) -> dict[str, tuple]:
    """Every index and constraint of the model's table: name → what it covers and enforces."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: (
            tuple(info["columns"]),
            info["primary_key"],
            info["unique"],
            info["foreign_key"],
            info["index"],
        )
        for name, info in found.items()
    }


@pytest.fixture
def rebuild_always(monkeypatch):
    monkeypatch.setattr(bulkload, "REBUILD_AFTER", 1)


def household_rows(microgrid: str, numbers: list[str]) -> list[list[str]]:
    return [
        [n, microgrid, f"东街{i}号", "", "", "否", "否", "否", "", "否"]
        for i, n in enumerate(numbers)
    ]


def test_first_load_restores_every_index_and_constraint(tree, files, rebuild_always):
    tables = [Household, Person, PersonSensitive]
    before = {m: schema(m) for m in tables}
    assert any(info[3] for info in before[Person].values())  # a foreign key to check
    numbers = [f"{tree.microgrid.code}{i:04d}" for i in range(3)]
    result = import_file(
        kind="households",
        path=files.csv("households", household_rows(tree.microgrid.code, numbers)),
    )
    assert (result.ok, result.created) == (True, 3), result.errors
    people = ids(4)
    rows = [
        person_row(people[0], numbers[0], relation="户主", phone="13812345678"),
        person_row(
            people[1],
            numbers[0],
            relation="配偶",
            disability_category="肢体残疾",
            disability_grade="2",
        ),
        person_row(people[2], numbers[1], relation="户主"),
        person_row(people[3], numbers[2], relation="户主", serious_illness="是"),
    ]
    result = import_file(kind="persons", path=files.csv("persons", rows))
    assert (result.ok, result.created) == (True, 4), result.errors

    assert {m: schema(m) for m in tables} == before
    assert Person.objects.count() == 4 and PersonSensitive.objects.count() == 2
    spouse = Person.objects.get(id_hash=lookup_hash(people[1]))
    assert spouse.sensitive.disability_grade == 2 and spouse.grid_path == tree.microgrid.code
    heads = dict(Household.objects.with_head().values_list("number", "head_name"))
    assert all(heads.values()) and len(heads) == 3

    # The unique constraint is enforced again.
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            household=spouse.household,
            grid_path=spouse.grid_path,
            name="重复",
            id_cipher=b"x",
            id_hash=spouse.id_hash,
            id_masked="x",
            sex="F",
            birth_date=spouse.birth_date,
        )


def test_a_big_load_with_stored_rows_upserts_and_keeps_unique_indexes(
    households, files, rebuild_always
):
    hh = households[0]
    stored = ids(1)[0]
    first = import_file(
        kind="persons", path=files.csv("persons", [person_row(stored, hh.number, name="旧名")])
    )
    assert first.ok
    before = schema(Person)
    new = ids(3)
    rows = [person_row(stored, hh.number, name="新名")] + [
        person_row(n, hh.number, relation=Relation.CHILD.label) for n in new
    ]
    result = import_file(kind="persons", path=files.csv("persons", rows))
    assert (result.ok, result.created, result.updated) == (True, 3, 1), result.errors
    assert schema(Person) == before
    assert Person.objects.get(id_hash=lookup_hash(stored)).name == "新名"
    assert Person.objects.filter(household=hh).count() == 4
