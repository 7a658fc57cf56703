"""Whole-file problems (headers, encodings, empty and big files) and the ID fast path."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.core.identity import IdentifierError, make_citizen_id, parse_citizen_id
from gridgov.dataio.readers import detect_encoding
from gridgov.dataio.schemas import SCHEMAS
from gridgov.dataio.services import import_file
from gridgov.dataio.validation import CellError, CitizenIdChecker, parse_date
from gridgov.people.models import Household, Person

from .conftest import ids, person_row, snapshot, write_csv

HOUSEHOLD_HEADER = SCHEMAS["households"].headers


@pytest.mark.django_db
def test_missing_required_column_is_named_on_row_1(tree, files):
    before = snapshot()
    header = [h for h in HOUSEHOLD_HEADER if h != "微网格代码"]
    result = import_file(
        kind="households", path=files.csv("households", [["H1", "东街"]], header=header[:2])
    )
    assert not result.ok
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (1, "微网格代码", "缺少必填列：微网格代码")
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_unknown_extra_column_is_refused(tree, files):
    mg = tree.microgrid.code
    result = import_file(
        kind="households",
        path=files.csv(
            "households", [[f"{mg}0001", mg, "备注"]], header=["户编号", "微网格代码", "备注"]
        ),
    )
    error = result.errors[0]
    assert result.error_count == 1 and (error.row, error.column) == (1, "备注")
    assert error.reason.startswith("未知的列：备注") and "户编号" in error.reason
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_headers_with_a_required_star_and_spaces_are_accepted(tree, files):
    mg = tree.microgrid.code
    result = import_file(
        kind="households",
        path=files.csv("households", [[f"{mg}0001", mg]], header=["户编号*", " 微网格代码 ＊"]),
    )
    assert result.ok and result.created == 1


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"])
def test_empty_file_is_refused(tree, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    result = import_file(kind="households", path=path)
    assert not result.ok and result.error_count == 1
    assert result.errors[0].row == 0 and "空" in result.errors[0].reason


@pytest.mark.django_db
def test_header_without_rows_is_refused(tree, files):
    result = import_file(kind="households", path=files.csv("households", []))
    assert not result.ok and "没有数据行" in result.errors[0].reason


@pytest.mark.django_db
def test_xlsx_with_merged_header_cells_is_refused(tree, files):
    mg = tree.microgrid.code
    path = files.xlsx("households", [[f"{mg}0001", mg]], merge="A1:B1")
    before = snapshot()
    result = import_file(kind="households", path=path)
    assert not result.ok
    error = result.errors[0]
    assert error.row == 1 and "合并单元格" in error.reason and "A1:B1" in error.reason
    assert snapshot() == before


@pytest.mark.django_db
def test_xlsx_with_merged_data_cells_is_refused(tree, files, tmp_path):
    import xlsxwriter

    mg = tree.microgrid.code
    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["户编号", "微网格代码"])
    sheet.write_row(1, 0, [f"{mg}0001", mg])
    sheet.write_row(2, 0, [f"{mg}0002"])
    sheet.merge_range("B2:B3", mg)
    book.close()
    result = import_file(kind="households", path=path)
    assert not result.ok
    assert (result.errors[0].row, result.errors[0].column) == (2, "微网格代码")
    assert "B2:B3" in result.errors[0].reason
    assert not Household.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_or_utf8_imports_correctly(tree, tmp_path, encoding):
    mg = tree.microgrid.code
    rows = [
        HOUSEHOLD_HEADER[:3],
        [f"{mg}0001", mg, "平东村东街一巷3号"],
        [f"{mg}0002", mg, "祠堂边"],
    ]
    path = write_csv(tmp_path / f"{encoding}.csv", rows, encoding=encoding)
    result = import_file(kind="households", path=path)
    assert result.ok and result.created == 2, result.errors
    assert Household.objects.get(number=f"{mg}0001").address == "平东村东街一巷3号"


def test_encoding_detection_keeps_utf8_cut_inside_a_character():
    text = "平东村" * 10
    data = text.encode()
    assert detect_encoding(data[:-1]) == "utf-8"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbf" + data) == "utf-8-sig"


@pytest.mark.django_db
def test_unsupported_type_and_too_big_files_are_refused(tree, tmp_path, settings):
    path = tmp_path / "notes.txt.pdf"
    path.write_bytes(b"%PDF")
    assert "不支持的文件类型" in import_file(kind="grid", path=path).errors[0].reason
    settings.GRIDGOV_IMPORT_MAX_BYTES = 100
    path = write_csv(tmp_path / "h.csv", [HOUSEHOLD_HEADER] + [["x" * 50]] * 3)
    result = import_file(kind="households", path=path)
    assert not result.ok and "文件太大" in result.errors[0].reason


@pytest.mark.django_db
def test_a_20_mb_file_imports_correctly(make_household, tmp_path, settings):
    """Far below GRIDGOV_IMPORT_MAX_BYTES (200 MB): it imports, streamed, in one transaction."""
    assert settings.GRIDGOV_IMPORT_MAX_BYTES >= 20 * 2**20
    households = [make_household() for _ in range(40)]
    padding = "（" + "备注" * 38 + "）"
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        import csv

        writer = csv.writer(f)
        writer.writerow(SCHEMAS["persons"].headers)
        n = 0
        birth = dt.date(1950, 1, 1)
        while f.tell() < 20 * 2**20:
            number = make_citizen_id("440605", birth + dt.timedelta(days=n // 400), n % 400 * 2 + 1)
            writer.writerow(
                person_row(number, households[n % 40].number, name=f"人{n}", health_note=padding)
            )
            n += 1
    assert path.stat().st_size >= 20 * 2**20
    result = import_file(kind="persons", path=path)
    assert result.ok, result.errors[:3]
    assert result.created == n == Person.objects.count()


@given(
    birth=st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2024, 12, 31)),
    seq=st.integers(0, 999),
    edit=st.one_of(
        st.none(),
        st.tuples(st.integers(0, 17), st.sampled_from("0123456789Xx ")),
    ),
    region=st.sampled_from(["440605", "110105", "999999", "440600"]),
)
@settings(max_examples=400, deadline=None)
def test_fast_id_checker_answers_exactly_as_parse_citizen_id(birth, seq, edit, region):
    number = make_citizen_id(region, birth, seq)
    if edit is not None:
        pos, char = edit
        number = number[:pos] + char + number[pos + 1 :]
    today = dt.date(2025, 1, 1)
    checker = CitizenIdChecker(today)
    checker(make_citizen_id("440605", dt.date(2000, 1, 1), 1))  # warm caches
    try:
        expected = parse_citizen_id(number, today=today)
    except IdentifierError as exc:
        with pytest.raises(CellError) as caught:
            checker(number)
        assert str(caught.value) == str(exc)
    else:
        for _ in range(2):  # first through parse_citizen_id, then the cached fast path
            assert checker(number) == (
                expected.number,
                expected.birth_date.isoformat(),
                expected.sex,
            )


def _edited_id(birth, seq, edit, region):
    number = make_citizen_id(region, birth, seq)
    if edit is not None:
        pos, char = edit
        number = number[:pos] + char + number[pos + 1 :]
    return number


ID_CASES = st.tuples(
    st.dates(min_value=dt.date(1880, 1, 1), max_value=dt.date(2026, 12, 31)),
    st.integers(0, 999),
    st.one_of(st.none(), st.tuples(st.integers(0, 17), st.sampled_from("0123456789Xx "))),
    st.sampled_from(["440605", "110105", "999999", "440600"]),
)
VALID_CASES = st.tuples(
    st.dates(min_value=dt.date(1890, 1, 1), max_value=dt.date(2024, 12, 31)),
    st.integers(0, 999),
    st.none(),
    st.sampled_from(["440605", "110105"]),
)


@given(
    cases=st.one_of(
        st.lists(ID_CASES, min_size=1, max_size=40),
        # Mostly valid columns, so that the vectorized path itself is what answers.
        st.lists(VALID_CASES, min_size=1, max_size=40).flatmap(
            lambda valid: st.lists(ID_CASES, max_size=2).map(lambda odd: valid + odd)
        ),
    )
)
@settings(max_examples=300, deadline=None)
def test_id_column_answers_row_by_row_as_parse_citizen_id(cases):
    """The vectorized column check accepts, normalizes and refuses exactly as the row check."""
    from gridgov.dataio.columns import CitizenIdColumn

    today = dt.date(2025, 1, 1)
    column = [_edited_id(*case) for case in cases]
    refused = {}
    numbers, births, sexes = CitizenIdColumn(today)(
        column, lambda i, raw, reason: refused.setdefault(i, reason)
    )
    for i, raw in enumerate(column):
        try:
            expected = parse_citizen_id(raw, today=today)
        except IdentifierError as exc:
            assert refused.get(i) == str(exc)
            assert births[i] == sexes[i] == ""  # nothing derived from a refused number
        else:
            assert i not in refused
            assert (numbers[i], births[i], sexes[i]) == (
                expected.number,
                expected.birth_date.isoformat(),
                expected.sex,
            )


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2020-07-01", "2020-07-01"),
        ("2020/7/1", "2020-07-01"),
        ("2020.07.01", "2020-07-01"),
        ("20200701", "2020-07-01"),
        ("2020年7月1日", "2020-07-01"),
        ("2020-07-01 00:00:00", "2020-07-01"),
    ],
)
def test_dates_in_the_forms_cadres_type(raw, iso):
    assert parse_date(raw) == iso


@pytest.mark.parametrize("raw", ["2020-02-30", "07/01/2020", "昨天"])
def test_bad_dates_say_why(raw):
    with pytest.raises(CellError):
        parse_date(raw)


@pytest.mark.django_db
def test_error_list_is_capped_but_counted(households, files):
    rows = [person_row("123", households[0].number) for _ in range(1205)]
    result = import_file(kind="persons", path=files.csv("persons", rows))
    assert result.error_count == 1205 and len(result.errors) == 1000
    assert result.errors[0].row == 2 and result.errors[-1].row == 1001


@pytest.mark.django_db
def test_capped_errors_are_the_first_by_row_across_columns(households, files):
    """Rows are checked column by column; the errors kept must still be the first rows'."""
    number = households[0].number
    good = ids(1205)
    rows = [person_row(good[n], number, relation="未知") for n in range(600)]  # a later column
    rows += [person_row("123", number) for _n in range(605)]  # an earlier column
    result = import_file(kind="persons", path=files.csv("persons", rows))
    assert result.error_count == 1205 and len(result.errors) == 1000
    assert [e.row for e in result.errors] == list(range(2, 1002))
    assert result.errors[0].column == "与户主关系" and result.errors[-1].column == "身份证号"


@pytest.mark.django_db
def test_ids_helper_is_unique(households):
    assert len(set(ids(50))) == 50


def test_column_cipher_writes_what_core_crypto_reads():
    from gridgov.core.crypto import cipher, decrypt, lookup_hash
    from gridgov.dataio.columns import ColumnCipher

    fast = ColumnCipher(cipher())
    values = [make_citizen_id("440605", dt.date(1990, 1, 1), n) for n in range(3)] + ["13812345678"]
    blobs = fast.encrypt(values * 3000) + fast.encrypt(values)
    assert [decrypt(b) for b in blobs[:4]] == values
    assert decrypt(blobs[-1]) == values[-1]
    assert len({b[1:13] for b in blobs}) == len(blobs)  # no nonce twice, across calls
    assert fast.lookup_hash(values) == [lookup_hash(v) for v in values]


@pytest.mark.django_db
def test_operators_may_lift_the_upload_limit(tmp_path, settings):
    settings.GRIDGOV_IMPORT_MAX_BYTES = 10
    path = write_csv(tmp_path / "g.csv", [["代码", "名称"], ["440605", "南海区"]])
    assert "文件太大" in import_file(kind="grid", path=path).errors[0].reason
    assert import_file(kind="grid", path=path, max_bytes=None).ok
