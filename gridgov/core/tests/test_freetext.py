"""Personal numbers in free text (core.freetext): every citizen ID, mobile and bank card number
written into Chinese text is masked, whatever its spacing and digits; dates, amounts, matter
numbers and house numbers are left as they are."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from gridgov.core.freetext import find_personal_numbers, mask_free_text, normalize_digits
from gridgov.core.identity import make_citizen_id

REGIONS = ["440605", "110105", "320102", "510104", "620102", "330106", "650102"]
FULL_WIDTH = str.maketrans("0123456789+-() X", "０１２３４５６７８９＋－（）\u3000Ｘ")

# ----------------------------------------------------------------------------------------------
# Strategies: the numbers, the ways people write them, and the Chinese text around them.

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))


@st.composite
def citizen_ids(draw) -> str:
    return make_citizen_id(draw(st.sampled_from(REGIONS)), draw(births), draw(st.integers(0, 999)))


@st.composite
def old_citizen_ids(draw) -> str:
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1999, 12, 31)))
    serial = draw(st.integers(0, 999))
    return f"{draw(st.sampled_from(REGIONS))}{birth:%y%m%d}{serial:03d}"


@st.composite
def mobiles(draw) -> str:
    return f"1{draw(st.integers(3, 9))}{draw(st.integers(0, 10**9 - 1)):09d}"


@st.composite
def cards(draw) -> str:
    prefix = draw(st.sampled_from(["62", "4", "51", "35"]))
    length = draw(st.integers(16, 19) if prefix == "62" else st.just(16))
    body = prefix + "".join(
        draw(
            st.lists(
                st.sampled_from("0123456789"),
                min_size=length - len(prefix) - 1,
                max_size=length - len(prefix) - 1,
            )
        )
    )
    number = body + luhn.calc_check_digit(body)
    assert luhn.is_valid(number)
    return number


def grouped(number: str, sizes: list[int], sep: str) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at : at + size])
        at += size
    if at < len(number):
        parts.append(number[at:])
    return sep.join(p for p in parts if p)


# What people put between the digits of one number, and what shows nothing at all.
JOINERS = st.sampled_from(
    [" ", "-", "  ", " -", " - ", "_", "/", ".", "\n", "\u3000", "–", "—", "－", "\r\n", "·", ") "]
)
INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e"])


def split_at(number: str, draw, sizes: list[int]) -> str:
    """``number`` in groups of ``sizes`` with a generated joiner between each two."""
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at : at + size])
        at += size
    if at < len(number):
        parts.append(number[at:])
    parts = [p for p in parts if p]
    return "".join(p + (draw(JOINERS) if k < len(parts) - 1 else "") for k, p in enumerate(parts))


def sprinkle(text: str, draw) -> str:
    """Invisible characters put between characters of ``text``."""
    out = []
    for char in text:
        out.append(char)
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(INVISIBLE))
    return "".join(out)


@st.composite
def mobile_groupings(draw) -> list[int]:
    return draw(
        st.sampled_from([[11], [3, 4, 4], [3, 8], [7, 4], [4, 3, 4], [3, 3, 5], [5, 6], [1] * 11])
    )


@st.composite
def written_mobiles(draw) -> tuple[str, str]:
    number = draw(mobiles())
    sep = draw(st.sampled_from(["", " ", "-", "  ", " - "[:2], "joiners"]))
    if sep == "joiners":
        body = split_at(number, draw, draw(mobile_groupings()))
    else:
        body = grouped(number, [3, 4, 4], sep) if sep else number
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "(+86)", "0086", "86-", "86 "]))
    return number, prefix + body


@st.composite
def written_ids(draw) -> tuple[str, str]:
    number = draw(st.one_of(citizen_ids(), old_citizen_ids()))
    lower = number.endswith("X") and draw(st.booleans())
    number_text = number[:-1] + "x" if lower else number
    sep = draw(st.sampled_from(["", " ", "-", "joiners", "digits"]))
    if sep == "joiners":
        number_text = split_at(number_text, draw, [6, 8 if len(number) == 18 else 6])
    elif sep == "digits":  # typed digit by digit
        number_text = split_at(number_text, draw, [1] * len(number))
    elif sep:
        number_text = grouped(number_text, [6, 8 if len(number) == 18 else 6], sep)
    return number, number_text


@st.composite
def written_cards(draw) -> tuple[str, str]:
    number = draw(cards())
    sep = draw(st.sampled_from(["", " ", "-", "joiners", "digits"]))
    if sep == "joiners":
        return number, split_at(number, draw, [4] * 4)
    if sep == "digits":
        return number, split_at(number, draw, [1] * len(number))
    return number, grouped(number, [4] * 4, sep) if sep else number


@st.composite
def written(draw) -> tuple[str, str]:
    """A personal number and the way it is written, maybe in full-width characters."""
    number, text = draw(st.one_of(written_mobiles(), written_ids(), written_cards()))
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    if draw(st.booleans()):
        text = sprinkle(text, draw)
    return number, text


# Chinese text with ordinary numbers in it, every number followed by its unit.
WORDS = st.sampled_from(
    [
        "我",
        "的",
        "电话",
        "是",
        "请",
        "联系",
        "村委会",
        "卡号",
        "身份证",
        "号码",
        "平东村",
        "三巷",
        "反映",
        "路灯",
        "不亮",
        "，",
        "。",
        "：",
        "、",
        "！",
        "（",
        "）",
        " ",
        "\n",
    ]
)
ORDINARY = st.one_of(
    st.builds(lambda d: f"{d.year}年{d.month}月{d.day}日", st.dates()),
    st.builds(lambda d: f"{d:%Y-%m-%d}", st.dates(min_value=dt.date(1900, 1, 1))),
    st.builds(lambda n: f"{n}元", st.integers(0, 10**8)),
    st.builds(lambda n, c: f"{n}.{c:02d}元", st.integers(0, 10**6), st.integers(0, 99)),
    st.builds(lambda n: f"{n}号", st.integers(1, 9999)),
    st.builds(
        lambda b, u, r: f"{b}栋{u}单元{r}室",
        st.integers(1, 99),
        st.integers(1, 9),
        st.integers(101, 3299),
    ),
    st.builds(lambda n: f"{n}%", st.integers(0, 100)),
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
)


@st.composite
def matter_numbers(draw) -> str:
    day = draw(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2099, 12, 31)))
    return f"{day:%Y%m%d}{draw(st.integers(1, 10**8 - 1)):06d}"


# Numbers are never glued to each other: a word or a space comes between.
ordinary_text = st.lists(
    st.tuples(WORDS, st.one_of(ORDINARY, st.builds(lambda n: f"事项{n}", matter_numbers()))),
    max_size=8,
).map(lambda pairs: "".join(w + n for w, n in pairs))
chinese_text = ordinary_text


def digits_of(text: str) -> str:
    """The text without the signs a number may be written with (spaces, dashes, dots, plus,
    brackets): a number left whole, however written, is a substring of it. Stars and other
    characters stay, so a masked number and the digits after it do not join."""
    return re.sub(SIGNS, "", normalize_digits(text).upper())


# The signs a number may be written with, and the characters that show nothing.
SIGNS = r"[\s\-_/.·+()–—\u200b-\u200f\u2060\ufeff\u00ad]"


# ----------------------------------------------------------------------------------------------
# Properties


# Between two numbers: a space or punctuation; before the first, nothing (the text before ends
# with no digit); after the last, a full stop.
SEPARATORS = st.sampled_from([" ", "，", "：", "\n", "、"])


def one_digit_at_a_time(text: str) -> bool:
    visible = re.sub(r"[\u200b-\u200f\u2060\ufeff\u00ad]", "", normalize_digits(text))
    return not re.search(r"\d\d", visible)


def no_digit_at(edge: str, text: str, index: int) -> bool:
    return edge != "" or not text or not normalize_digits(text[index]).isdigit()


@given(
    before=chinese_text,
    numbers=st.lists(st.tuples(SEPARATORS, written()), min_size=1, max_size=3),
    after=chinese_text,
)
def test_personal_numbers_in_chinese_text_are_never_left_whole(before, numbers, after):
    assume(no_digit_at("", before, -1))
    # Two numbers typed digit by digit with a space between are one run of digits, which no
    # reader (nor the masker) can split: they get a comma.
    edges = [
        "，" if one_digit_at_a_time(t) or (k and one_digit_at_a_time(numbers[k - 1][1][1])) else e
        for k, (e, (_, t)) in enumerate(numbers)
    ]
    text = (
        before
        + "".join(e + t for e, (_, (_, t)) in zip(edges, numbers, strict=True))[1:]
        + "。"
        + after
    )
    masked = mask_free_text(text)
    for _, (number, _) in numbers:
        assert number.upper() not in digits_of(masked), (text, masked)
    # what is around them is kept as it was
    assert masked.startswith(before) and masked.endswith("。" + after)


@given(
    before=st.sampled_from(["", "0", "电话：0", "编号123", "2024年3月5日", "100元"]),
    number=st.one_of(mobiles(), citizen_ids()),
    after=st.sampled_from(["", "0", "1234", "5元", "号"]),
)
def test_mobiles_and_ids_glued_to_other_digits_are_never_left_whole(before, number, after):
    masked = mask_free_text(before + number + after)
    assert number not in digits_of(masked)


@given(ordinary_text)
def test_dates_amounts_matter_and_house_numbers_are_not_masked(text):
    assert mask_free_text(text) == text
    assert find_personal_numbers(text) == []


@given(st.text(max_size=200))
def test_any_text_is_masked_without_error_and_keeps_what_is_not_a_number(text):
    masked = mask_free_text(text)
    assert isinstance(masked, str)
    # masking only ever replaces digits (and the signs written with them) by a masked number
    kept = r"[0-9*Xx]|" + SIGNS + r"|[\u0300-\u036f\u1160\u115f\u3164\uffa0\u2800\u180e]"
    assert re.sub(kept, "", normalize_digits(masked)) == re.sub(kept, "", normalize_digits(text))
    assume(not find_personal_numbers(text))
    assert masked == text


# ----------------------------------------------------------------------------------------------
# Examples: the masked forms, and the boundaries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证11010519491231002X。", "身份证110105********002X。"),
        ("身份证号11010519491231002x", "身份证号110105********002x"[:-1] + "X"),
        ("旧证440605850101123", "旧证440605*****1123"),
        ("电话13812345678", "电话138****5678"),
        ("电话 138 1234 5678 谢谢", "电话 138****5678 谢谢"),
        ("电话138-1234-5678", "电话138****5678"),
        ("电话+86 138 1234 5678", "电话138****5678"),
        ("电话（+86）13812345678", "电话（+86）138****5678"),
        ("电话86 1381234 5678", "电话138****5678"),
        ("电话1 3 8 1 2 3 4 5 6 7 8", "电话138****5678"),
        ("电话008613812345678", "电话138****5678"),
        ("电话１３８１２３４５６７８", "电话138****5678"),
        ("卡号4111 1111 1111 1111", "卡号4111********1111"),
        ("卡号4111-1111-1111-1111", "卡号4111********1111"),
        ("卡号6222021234567890128", "卡号6222***********0128"),
        ("卡号6222 0212 3456 7890 123", "卡号6222***********0123"),
    ],
)
def test_masked_forms(text, expected):
    assert mask_free_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024年3月5日下午，平东村3巷12号门口",
        "2024-03-05 2024-03-06 两次反映",
        "补助15000元，已于20240305发放",
        "与事项20261204000123为同一问题",  # a matter number: a date and a serial
        "与事项202612041234567为同一问题",  # …after the millionth matter
        "村委会电话0757-8888 1234",  # an office's landline: published on purpose
        "12栋3单元501室，面积85.5平方米",
        "电话1281234567",  # 10 digits: not a mobile
        "1999-01-01 999年",  # a date and a number: not a mobile split 4-2-2-3
        "号码12812345678",  # 12x is no mobile prefix
        "卡号4111111111111112",  # fails Luhn, not UnionPay
    ],
)
def test_ordinary_numbers_are_kept(text):
    assert mask_free_text(text) == text


def test_an_id_with_a_wrong_check_character_is_not_an_id():
    """The check character decides what is an ID (a wrong one is, at most, another number:
    here eleven of its digits are shaped like a mobile number, and masked as one)."""
    assert not ric.is_valid("110105194912310021")
    kinds = [f.kind for f in find_personal_numbers("身份证110105194912310021")]
    assert kinds == ["mobile"]
    assert [f.kind for f in find_personal_numbers("身份证11010519491231002X")] == ["citizen_id"]


def test_boundaries_of_card_lengths():
    for length in (12, 20):
        body = "4" + "0" * (length - 2)
        number = body + luhn.calc_check_digit(body)
        assert mask_free_text(number) == number
    for length in (13, 19):
        body = "4" + "0" * (length - 2)
        number = body + luhn.calc_check_digit(body)
        assert mask_free_text(number) != number


def test_unionpay_numbers_without_a_luhn_digit_are_cards_from_16_digits():
    number = "6222021234567890"
    assert not luhn.is_valid(number)
    assert mask_free_text(number) == "6222********7890"
    assert mask_free_text(number[:15]) == number[:15]


def test_empty_and_none():
    assert mask_free_text("") == "" and mask_free_text(None) == ""


# Found by the attacker probe: numbers written with other joiners, digit by digit, or with
# invisible characters inside, were published in clear (or 14 of an ID's 18 digits were).
@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("电话 +86 (138) 1234-5678", "1234-5678"),
        ("电话 139-123-45678", "139-123-45678"),
        ("电话 137 - 1234 - 5678", "1234 - 5678"),
        ("电话 138_1234_5678", "138_1234_5678"),
        ("电话 138/1234/5678", "138/1234/5678"),
        ("电话\n138\n1234\n5678", "1234\n5678"),
        ("身份证 440605 - 199001011236", "199"),
        ("身份证 4 4 0 6 0 5 1 9 9 0 0 1 0 1 1 2 3 6", "9 9 0"),
        ("身份证4406\u200b05199001011236", "1990"),
        ("电话138\u200b1234\u20605678", "1234"),
        ("电话１３８\u3000１２３４\u3000５６７８", "１２３４"),
    ],
)
def test_probe_free_text_numbers_masked(text, hidden):
    assert hidden not in mask_free_text(text), mask_free_text(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证 440605 - 199001011236。", "身份证 440605********1236。"),
        ("电话 139-123-45678", "电话 139****5678"),
        ("电话 +86 (138) 1234-5678", "电话 138****5678"),
        ("身份证4406\u200b05199001011236", "身份证440605********1236"),
        ("卡号4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "卡号4111********1111"),
    ],
)
def test_masked_forms_with_other_joiners(text, expected):
    assert mask_free_text(text) == expected


def test_invisible_characters_outside_numbers_are_kept():
    text = "平东村\u200b3巷12号"
    assert mask_free_text(text) == text
