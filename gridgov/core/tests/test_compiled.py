"""A CompiledRead gives what the queryset gives, compiling each shape of condition once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Q, Value
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from gridgov.core.compiled import CompiledRead
from gridgov.grid.models import GridNode


def _with_parents():
    return GridNode.objects.select_related("parent__parent").defer("parent__boundary")


def _values(node: GridNode) -> dict:
    """A node's own columns and the parents read with it (None where none was)."""
    out = {f.attname: getattr(node, f.attname) for f in GridNode._meta.concrete_fields}
    parent = node._state.fields_cache.get("parent")
    grandparent = parent and parent._state.fields_cache.get("parent")
    out["parent"] = parent and (parent.pk, parent.name, parent.code)
    out["grandparent"] = grandparent and (grandparent.pk, grandparent.name)
    return out


@pytest.fixture
def counted_compiles(monkeypatch):
    """How many times the ORM compiled a full SELECT."""
    calls = []
    real = SQLCompiler.as_sql

    def as_sql(self, *args, **kwargs):
        calls.append(self.query.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)
    return calls


@pytest.mark.django_db
def test_the_instances_are_those_of_the_queryset_related_rows_and_conversions_included(tree):
    GridNode.objects.filter(pk=tree.microgrid.pk).update(
        boundary={"type": "Polygon", "coordinates": [[[113.1, 23.0], [113.2, 23.0]]]}
    )
    read = CompiledRead("test.nodes")
    for code in (tree.microgrid.code, tree.other_microgrid.code, tree.group.code):
        rows = _with_parents().filter(code__startswith=code[:12], level=tree.microgrid.level)
        by_orm = [_values(n) for n in rows]
        assert by_orm  # the comparison is about real rows
        assert [_values(n) for n in read.fetch(rows)] == by_orm
    node = read.fetch(_with_parents().filter(code=tree.microgrid.code))[0]
    assert node.boundary["type"] == "Polygon"  # the JSON column was converted
    assert node.created_at.tzinfo is not None  # and the datetime made aware
    with CaptureQueriesContext(connection) as queries:
        assert node.parent.parent == tree.village  # read with it: no further query
    assert not queries.captured_queries


@pytest.mark.django_db
def test_each_shape_of_condition_compiles_once_then_runs_with_its_own_values(
    tree, counted_compiles
):
    read = CompiledRead("test.nodes")

    def paths(*codes):
        q = Q()
        for code in codes:
            q |= Q(code__startswith=code)
        return _with_parents().filter(q)

    one = [tree.village.code, tree.other_village.code]
    for code in one * 2:
        assert {n.code for n in read.fetch(paths(code))} == set(
            paths(code).values_list("code", flat=True)
        )
    both = read.fetch(paths(*one))
    assert {n.code for n in both} == set(paths(*one).values_list("code", flat=True))
    # One compile for one path, one for two paths; the ORM's own reads above compiled theirs.
    compiled_by_read = len(counted_compiles) - 5  # the five values_list reads
    assert compiled_by_read == 2
    assert len(read._kept) == 2


@pytest.mark.django_db
def test_a_later_run_is_one_query_and_no_compile(tree, counted_compiles):
    read = CompiledRead("test.nodes")
    read.get(_with_parents().filter(code=tree.group.code))
    before = len(counted_compiles)
    with CaptureQueriesContext(connection) as queries:
        node = read.get(_with_parents().filter(code=tree.microgrid.code))
    assert node == tree.microgrid
    assert len(queries.captured_queries) == 1
    assert tree.microgrid.code in str(queries.captured_queries[0]["sql"])
    assert len(counted_compiles) == before


@pytest.mark.django_db
def test_get_answers_as_the_queryset_would(tree, make_household):
    read = CompiledRead("test.get")
    with pytest.raises(GridNode.DoesNotExist):
        read.get(_with_parents().filter(code="000000"))
    with pytest.raises(GridNode.MultipleObjectsReturned):
        read.get(_with_parents().filter(code__startswith=tree.town.code))
    assert read.get(_with_parents().filter(code=tree.town.code)) == tree.town


@pytest.mark.django_db
def test_an_empty_condition_reads_nothing(tree):
    read = CompiledRead("test.nodes")
    with CaptureQueriesContext(connection) as queries:
        assert read.fetch(_with_parents().none()) == []
    assert not queries.captured_queries


@pytest.mark.django_db
def test_no_condition_at_all_reads_every_row(tree):
    read = CompiledRead("test.nodes")
    assert len(read.fetch(_with_parents())) == GridNode.objects.count() == 8
    assert len(read.fetch(_with_parents())) == 8


@pytest.mark.django_db
def test_a_queryset_of_another_shape_is_refused(tree):
    read = CompiledRead("test.nodes")
    read.fetch(_with_parents().filter(code=tree.town.code))
    for other in (
        GridNode.objects.filter(code=tree.town.code),  # other related rows
        _with_parents().order_by("-code").filter(code=tree.town.code),
        _with_parents().filter(code=tree.town.code)[:1],
        _with_parents().defer("boundary").filter(code=tree.town.code),
    ):
        with pytest.raises(ValueError, match="another shape"):
            read.fetch(other)
    with pytest.raises(ValueError, match="another shape"):
        read.fetch(_with_parents().filter(code=tree.town.code).values("code"))
    with pytest.raises(ValueError, match="plain reads"):
        read.fetch(_with_parents().prefetch_related("children"))


@pytest.mark.django_db
def test_values_and_tuples_come_as_the_queryset_gives_them(tree):
    pairs, flat = CompiledRead("test.pairs"), CompiledRead("test.flat")
    for code in (tree.village.code, tree.other_village.code):
        rows = GridNode.objects.filter(code__startswith=code).order_by("code")
        assert pairs.fetch(rows.values_list("code", "level")) == list(
            rows.values_list("code", "level")
        )
        assert flat.fetch(rows.values_list("pk", flat=True)) == list(
            rows.values_list("pk", flat=True)
        )
    assert len(pairs._kept) == len(flat._kept) == 1


@pytest.mark.django_db
def test_first_orders_by_key_when_the_queryset_has_no_order(tree):
    read = CompiledRead("test.first")
    towns = GridNode.objects.filter(code__startswith=tree.town.code).order_by()
    assert read.first(towns) == towns.first() == tree.town
    assert read.first(GridNode.objects.filter(code="0").order_by()) is None


@pytest.mark.django_db
def test_a_select_with_parameters_of_its_own_runs_through_the_orm(tree, counted_compiles):
    read = CompiledRead("test.annotated")

    def annotated():
        return _with_parents().annotate(mark=Value("甲")).filter(code=tree.village.code)

    for _ in range(2):
        (node,) = read.fetch(annotated())
        assert node.mark == "甲" and node == tree.village
    # Compiled at each run, as without a CompiledRead (the first run once more, to find out).
    assert len(counted_compiles) == 3


@pytest.mark.django_db
def test_past_the_limit_of_shapes_a_read_runs_through_the_orm(tree, monkeypatch):
    from gridgov.core import compiled

    monkeypatch.setattr(compiled, "KEPT_MAX", 2)
    read = CompiledRead("test.lists")
    codes = [n.code for n in GridNode.objects.order_by("code")]
    for size in range(1, 5):
        rows = _with_parents().filter(code__in=codes[:size])
        assert [n.code for n in read.fetch(rows)] == codes[:size]
    assert len(read._kept) == 2  # lists of one and two values; three and four were not kept


def test_the_django_version_is_checked(monkeypatch):
    """Outside the tested versions the system check stops the server; inside it says nothing."""
    import django

    from gridgov.core.checks import compiled_reads_django_version
    from gridgov.core.compiled import TESTED_DJANGO

    assert compiled_reads_django_version(None) == []
    (low, high) = TESTED_DJANGO
    for version in [(*high, 0, "final", 0), (low[0], low[1] - 1, 0, "final", 0)]:
        monkeypatch.setattr(django, "VERSION", version)
        errors = compiled_reads_django_version(None)
        assert [e.id for e in errors] == ["core.E002"]
        assert errors[0].is_serious()
