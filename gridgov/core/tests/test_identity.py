import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from gridgov.core.identity import (
    IdentifierError,
    citizen_id_check_char,
    make_citizen_id,
    parse_citizen_id,
    validate_county_code,
    validate_phone,
)

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))


@given(birth=births, seq=st.integers(0, 999))
def test_valid_ids_round_trip_and_agree_with_stdnum(birth, seq):
    number = make_citizen_id("440605", birth, seq)
    cid = parse_citizen_id(number)
    assert cid.birth_date == birth
    assert cid.sex == ("M" if seq % 2 else "F")
    assert number[-1] == ric.calc_check_digit(number)


@given(birth=births, seq=st.integers(0, 999), pos=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_error_is_caught(birth, seq, pos, delta):
    number = make_citizen_id("440605", birth, seq)
    wrong = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    with pytest.raises(IdentifierError):
        parse_citizen_id(wrong)


def test_known_example_with_x_check_character():
    cid = parse_citizen_id("11010519491231002x")
    assert (cid.number, cid.birth_date, cid.sex) == (
        "11010519491231002X",
        dt.date(1949, 12, 31),
        "F",
    )


def test_wrong_check_digit_names_expected_character():
    with pytest.raises(IdentifierError, match="校验位错误：应为X"):
        parse_citizen_id("110105194912310021")


def test_future_birth_date_is_refused():
    number = make_citizen_id("440605", dt.date(2030, 1, 1), 11)
    with pytest.raises(IdentifierError, match="在今天之后"):
        parse_citizen_id(number, today=dt.date(2026, 11, 22))


def test_impossible_date_and_unknown_region_and_length():
    with pytest.raises(IdentifierError, match="不存在"):
        first17 = "44060519900230001"
        parse_citizen_id(first17 + citizen_id_check_char(first17))
    with pytest.raises(IdentifierError, match="区划代码"):
        parse_citizen_id(make_citizen_id("999999", dt.date(1990, 1, 1), 1))
    with pytest.raises(IdentifierError, match="18位"):
        parse_citizen_id("12345")


def test_county_codes():
    assert validate_county_code("440605") == "440605"
    for bad in ("440600", "4406", "990605", "440699"):
        with pytest.raises(IdentifierError):
            validate_county_code(bad)


def test_phones():
    assert validate_phone("+86 138 1234 5678") == "13812345678"
    assert validate_phone("0757-86281234") == "0757-86281234"
    with pytest.raises(IdentifierError):
        validate_phone("12345")
