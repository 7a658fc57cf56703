"""``core.bulkload.rows_append``: the bulk path of derived rows, on SQLite and PostgreSQL."""

import pytest
from django.contrib.auth.models import Group

from gridgov.core.bulkload import rows_append

pytestmark = pytest.mark.django_db


def test_rows_append_writes_every_row_as_given(monkeypatch):
    # More rows than one batch, so the batching's seams are crossed on SQLite.
    monkeypatch.setattr("gridgov.core.bulkload.APPEND_BATCH", 3)
    before = Group.objects.count()
    rows = ((f"追加组{i}",) for i in range(7))
    assert rows_append(Group, ["name"], rows) == 7
    assert Group.objects.count() == before + 7
    names = Group.objects.filter(name__startswith="追加组").values_list("name", flat=True)
    assert sorted(names) == [f"追加组{i}" for i in range(7)]


def test_rows_append_of_nothing_writes_nothing():
    before = Group.objects.count()
    assert rows_append(Group, ["name"], iter([])) == 0
    assert Group.objects.count() == before
