"""Exports: masked, without sensitive columns, one query, and importable again."""

from __future__ import annotations

import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.dataio.exports import export_headers, export_to
from gridgov.dataio.schemas import SCHEMAS
from gridgov.dataio.services import import_file
from gridgov.grid.models import GridNode
from gridgov.orgs.models import PartyOrganization
from gridgov.people.dataio import MONITORING
from gridgov.people.models import Household, Person
from gridgov.people.services import person_sensitive_set

from .conftest import ids, person_row

pytestmark = pytest.mark.django_db


def read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        ["" if v is None else str(v) for v in row]
        for row in book.worksheets[0].iter_rows(values_only=True)
    ]


def read_csv(data: bytes) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def people(households, files):
    numbers = ids(6)
    rows = [
        person_row(n, households[0].number, name=f"人{i}", phone=f"1380000000{i}")
        for i, n in enumerate(numbers)
    ]
    assert import_file(kind="persons", path=files.csv("persons", rows)).ok
    person_sensitive_set(
        person=Person.objects.get(name="人0"), data={"special_group": "released"}, by=None
    )
    return numbers


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_persons_export_masks_ids_and_phones_and_leaves_out_sensitive_columns(people, fmt):
    stream = io.BytesIO()
    count = export_to(stream, kind="persons", queryset=Person.objects.all(), fmt=fmt)
    assert count == 6
    rows = (read_xlsx if fmt == "xlsx" else read_csv)(stream.getvalue())
    assert "身份证号和电话已脱敏" in rows[0][0]
    assert rows[1][: len(export_headers("persons"))] == export_headers("persons")
    assert not {"特殊人群", "残疾类别", "残疾等级", "大病重病", "健康状况"} & set(rows[1])
    text = repr(rows)
    for number in people:
        assert number not in text
    assert "13800000001" not in text and "138****0001" in text
    assert "刑满释放" not in text
    first = dict(zip(rows[1], rows[2], strict=False))
    assert first["身份证号"] == Person.objects.order_by("household_id", "id")[0].id_masked
    assert first["性别"] == "男" and first["与户主关系"] == "子女"


def test_export_has_no_per_row_queries(people, django_assert_max_num_queries):
    from gridgov.orgs.services import party_member_create, party_org_create

    org = party_org_create(
        code="O1",
        name="支部",
        kind="branch",
        node=GridNode.objects.get(level="village", code__endswith="201"),
        by=None,
    )
    import datetime as dt

    for person in Person.objects.all():
        party_member_create(
            person=person,
            organization=org,
            status="full",
            joined_on=dt.date(2005, 1, 1),
            full_member_on=dt.date(2006, 1, 1),
            by=None,
        )
    for kind, qs in [
        ("persons", Person.objects.all()),
        ("party_members", org.members.all()),
        ("households", Household.objects.all()),
    ]:
        for fmt in ("xlsx", "csv"):
            with django_assert_max_num_queries(1):
                count = export_to(io.BytesIO(), kind=kind, queryset=qs, fmt=fmt)
            assert count == qs.count()


def test_export_refuses_a_queryset_of_another_model(people):
    with pytest.raises(ValueError, match="Person"):
        export_to(io.BytesIO(), kind="households", queryset=Person.objects.all(), fmt="csv")


_numbers = itertools.count(1)
addresses = st.text(
    alphabet=st.sampled_from("平东村西街一二三号祠堂边ABC123-（）,\"' "), max_size=30
).map(str.strip)
coordinates = st.one_of(
    st.none(), st.floats(-89.9, 89.9, allow_nan=False).map(lambda x: round(x, 6))
)
household_rows = st.lists(
    st.tuples(
        addresses,
        coordinates,
        coordinates,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.sampled_from(list(MONITORING)),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=household_rows, fmt=st.sampled_from(["xlsx", "csv"]))
def test_households_round_trip_through_export_and_import(tree, tmp_path, rows, fmt):
    mg = tree.microgrid.code
    yes = {True: "是", False: "否"}
    batch = f"RT{next(_numbers):04d}-"
    table = [
        [
            f"{batch}{i}",
            mg,
            a,
            "" if la is None else repr(la),
            "" if ln is None else repr(ln),
            yes[d],
            yes[k],
            yes[t],
            m,
            yes[f],
        ]
        for i, (a, la, ln, d, k, t, m, f) in enumerate(rows)
    ]
    from .conftest import write_csv

    source = write_csv(tmp_path / f"{batch}.csv", [SCHEMAS["households"].headers, *table])
    assert import_file(kind="households", path=source).created == len(rows)
    stream = io.BytesIO()
    qs = Household.objects.filter(number__startswith=batch)
    assert export_to(stream, kind="households", queryset=qs, fmt=fmt) == len(rows)
    exported = tmp_path / f"{batch}.{fmt}"
    exported.write_bytes(stream.getvalue())
    again = import_file(kind="households", path=exported)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, len(rows)), (
        again.errors
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_grid_and_orgs_round_trip(tree, tmp_path, files, fmt):
    boundary = '{"type": "Polygon", "coordinates": [[[113.1, 23.0], [113.2, 23.0], [113.2, 23.1], [113.1, 23.0]]]}'
    import_file(
        kind="grid",
        path=files.csv("grid", [[tree.group.code, "一组", "23.05", "113.15", boundary]]),
    )
    import_file(
        kind="party_orgs",
        path=files.csv(
            "party_orgs",
            [
                ["V1", "村党总支", "党总支", tree.village.code, ""],
                ["G1", "一组党支部", "党支部", tree.group.code, "V1"],
            ],
        ),
    )
    for kind, qs in [
        ("grid", GridNode.objects.all()),
        ("party_orgs", PartyOrganization.objects.all()),
    ]:
        stream = io.BytesIO()
        count = export_to(stream, kind=kind, queryset=qs, fmt=fmt)
        path = tmp_path / f"{kind}.{fmt}"
        path.write_bytes(stream.getvalue())
        result = import_file(kind=kind, path=path)
        assert (result.ok, result.unchanged) == (True, count), result.errors
