"""Personal numbers typed into free text, found and masked before the text is published.

Residents and cadres write citizen IDs, mobile numbers and bank card numbers into a matter's
description, address, answer or notes ("我的卡号6222 0212 3456 7890 123，电话138-1234-5678").
The stored text keeps them for staff who may see it; ``mask_free_text`` is what every public
output (Open311, the residents' pages under /p/, messages sent out through a gateway) shows:

- citizen IDs: 18 characters with GB 11643's check character and a real birth date (python-stdnum
  ``cn.ric``) after a province code, and the old 15-digit IDs (province, a 19YYMMDD birth
  date) →
  ``440605********1234``, as ``core.crypto.mask_citizen_id``;
- mainland mobile numbers, ``1[3-9]`` and 9 digits, also written ``138 1234 5678``,
  ``138-1234-5678``, ``1381234 5678``, ``+86 138…``, ``0086…`` → ``138****5678``, as
  ``core.crypto.mask_phone`` (``(+86)138…`` keeps its ``(+86)``);
- bank card numbers: 13 to 19 digits that pass the Luhn check, and 16 to 19 digits beginning
  with UnionPay's 62 (some domestic cards carry no Luhn digit), written whole or in groups of
  four (``6222 0212 3456 7890 123``) → ``6222***********0123`` (first and last four).

Full-width digits (``１３８…``) and every other Unicode decimal digit count as digits, and the
full-width plus, minus, brackets and the ideographic space as their ASCII forms. The digits of
one number may be joined by up to four of: any whitespace (newlines and the ideographic space
too), any dash, ``_ / . · ( )`` (``+86 (138) 1234-5678``, ``137 - 1234 - 5678``,
``138_1234_5678``, ``440605 - 199001011236``, one digit a line); invisible characters
(Unicode format characters such as the zero-width space, combining marks, filler characters)
are ignored wherever they are. A mobile number may be split anywhere into groups of three or
more digits, or digit by digit; a card in fours, or digit by digit; an ID any way at all.

A mobile number or an 18-character ID typed straight after other digits (``电话013812345678``)
is found inside the longer run too; so a long reference number (a household number, a grid
code) that happens to hold eleven digits shaped like a mobile number is masked there: we
would rather hide part of a code than publish a phone.

What is left alone, on purpose: dates (``2024年3月5日``, ``2024-03-05``), amounts, house and
room numbers, matter numbers (a date and a serial: ``20261204000123``, never a card, since no
card number begins with 20), and landlines (``0757-8888 1234``): the numbers an answer gives to
call are the office's, published on purpose, and a landline names a place, not a person. A
number split by other characters than spaces, dashes and dots (``138，1234，5678``), written in
Chinese numerals, or a card number glued to other digits, is not recognised.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.luhn import is_valid as luhn_valid

from .crypto import mask_citizen_id, mask_phone
from .identity import PROVINCE_CODES

# Between two groups of digits of one number: up to four joiners (after ``_ascii``).
_JOINER = r"[\s\-_/.()·]"
_GROUPS = re.compile(rf"\d+(?:{_JOINER}{{1,4}}\d+)*(?:{_JOINER}{{0,4}}[Xx])?")
_GROUP = re.compile(r"\d+[Xx]?|[Xx]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY = ("0086", "86")
CARD_LENGTHS = range(13, 20)
MAX_GROUPS = 19  # a card typed digit by digit; a run of more groups is split
# Characters that show nothing: ignored inside a number (and kept outside one). Unicode format
# characters (Cf: zero-width space and joiners, soft hyphen, BOM, bidi marks), combining marks,
# and the filler letters that render blank.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Mn", "Me"})
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")


def _invisible(char: str) -> bool:
    return char in _BLANK or unicodedata.category(char) in _INVISIBLE_CATEGORIES


@dataclass(frozen=True, slots=True)
class Found:
    """A personal number in a text: where it is (``start``–``end`` of the original text), what
    it is, and how it is shown."""

    kind: str  # "citizen_id", "mobile" or "bank_card"
    start: int
    end: int
    masked: str


# Full-width and other signs → ASCII, one character for one (positions stay the same).
_SIGNS = {
    "Ｘ": "X",
    "ｘ": "x",
    "＋": "+",
    "－": "-",
    "‐": "-",
    "‑": "-",
    "–": "-",
    "—": "-",
    "（": "(",
    "）": ")",
    "．": ".",
    "\u3000": " ",
    "\u00a0": " ",
}


_SIGNS.update({"＿": "_", "／": "/", "・": "·", "･": "·"})


def _ascii(char: str) -> str:
    digit = unicodedata.decimal(char, None)
    if digit is not None:
        return str(digit)
    if char in _SIGNS:
        return _SIGNS[char]
    if unicodedata.category(char) == "Pd":  # every dash: ‒ ― ﹘ ﹣ …
        return "-"
    return char


def normalize_digits(text: str) -> str:
    """``１３８　１２３４`` → ``138 1234``: every Unicode decimal digit (full-width,
    Arabic-Indic, …) as its ASCII digit; same length, same positions."""
    if text.isascii():
        return text
    return "".join(char if char.isascii() else _ascii(char) for char in text)


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def is_citizen_id(number: str) -> bool:
    """An 18-character ID with its check character and a real birth date, or a 15-digit one."""
    if len(number) == 18:
        # GB 11643's check character and birth date (python-stdnum), and a province code. Not
        # stdnum's full ``is_valid``: it also wants the county to have existed in the year of
        # birth, and an ID issued later under a newer code is still someone's ID.
        if not number[:17].isdigit() or number[:2] not in PROVINCE_CODES:
            return False
        try:
            return (
                ric.calc_check_digit(number) == number[17]
                and ric.get_birth_date(number).year >= 1890
            )
        except ValueError:  # stdnum's InvalidComponent: no such date
            return False
    if len(number) == 15 and number.isdigit():
        # The first-generation ID: region, YYMMDD of a 19xx birth, a 3-digit serial; no check.
        return number[:2] in PROVINCE_CODES and _valid_date(
            1900 + int(number[6:8]), int(number[8:10]), int(number[10:12])
        )
    return False


def _mobile_grouping(sizes: list[int]) -> bool:
    """How a mobile number is written: in groups of three digits or more (whole, 3-4-4, 3-3-5,
    …), or digit by digit. A group of one or two digits among longer ones is a date's month or
    day (a date and a number after it: "1999-01-01 999"), so not one number."""
    return min(sizes) >= 3 or max(sizes) == 1


def _mobile(groups: list[str]) -> str | None:
    """The 11-digit mobile number ``groups`` are, with or without the country code (its own
    group, or written before the first group with no space)."""
    first, rest = groups[0], groups[1:]
    for prefix in ("", *_COUNTRY):
        if first == prefix and rest:
            candidate = rest
        elif prefix and first.startswith(prefix):
            candidate = [first[len(prefix) :], *rest]
        elif not prefix:
            candidate = groups
        else:
            continue
        number = "".join(candidate)
        if _MOBILE.fullmatch(number) and _mobile_grouping([len(g) for g in candidate]):
            return number
    return None


def _is_matter_number(number: str) -> bool:
    """A date (20YYMMDD) and a serial of 6 to 8 digits: gridgov's matter numbers, not a card
    (no card number begins with 20), nor a date with a phone typed after it (19 digits)."""
    return (
        14 <= len(number) <= 16
        and number.startswith("20")
        and _valid_date(int(number[:4]), int(number[4:6]), int(number[6:8]))
    )


def _card_grouping(groups: list[str]) -> bool:
    """A card is written whole, or in fours with a shorter last group (4-4-4-4-3), or 4-6-5, or
    digit by digit."""
    sizes = [len(g) for g in groups]
    if len(sizes) == 1 or max(sizes) == 1:
        return True
    if all(size == 4 for size in sizes[:-1]) and 1 <= sizes[-1] <= 4:
        return True
    return sizes in ([4, 6, 5], [4, 6, 4], [6, 13])


def mask_bank_card(number: str) -> str:
    """``6222021234567890123`` → ``6222***********0123``."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _classify(groups: list[str]) -> tuple[str, str] | None:
    """What the digits of ``groups`` (one number, maybe written in groups) are, masked."""
    joined = "".join(groups)
    digits = joined.upper()
    if digits[-1] == "X":
        return ("citizen_id", mask_citizen_id(digits)) if is_citizen_id(digits) else None
    if is_citizen_id(digits):
        return "citizen_id", mask_citizen_id(digits)
    mobile = _mobile(groups)
    if mobile is not None:
        return "mobile", mask_phone(mobile)
    if (
        len(digits) in CARD_LENGTHS
        and _card_grouping(groups)
        and not _is_matter_number(digits)
        and (luhn_valid(digits) or (digits.startswith("62") and len(digits) >= 16))
    ):
        return "bank_card", mask_bank_card(digits)
    return None


def _glued(digits: str, offset: int) -> list[Found]:
    """Citizen IDs and mobile numbers inside a longer run of digits with no separator (a number
    typed straight after another: "电话：013812345678"), left to right. Not cards (one window in
    ten of any long number passes Luhn) nor old 15-digit IDs (one in twenty-five would pass)."""
    found: list[Found] = []
    at = 0
    while at + 11 <= len(digits):
        window = digits[at : at + 18]
        if len(window) == 18 and is_citizen_id(window):
            found.append(
                Found("citizen_id", offset + at, offset + at + 18, mask_citizen_id(window))
            )
            at += 18
        elif _MOBILE.fullmatch(digits[at : at + 11]):
            mobile = digits[at : at + 11]
            found.append(Found("mobile", offset + at, offset + at + 11, mask_phone(mobile)))
            at += 11
        else:
            at += 1
    return found


def _starts_id_or_mobile(groups: list[tuple[int, str]]) -> bool:
    """Whether the first groups of ``groups`` are a citizen ID or a mobile number."""
    for j in range(min(len(groups), MAX_GROUPS), 1, -1):
        kind = _classify([g for _, g in groups[:j]])
        if kind is not None and kind[0] != "bank_card":
            return True
    return False


def _visible(text: str) -> tuple[str, list[int]]:
    """``text`` without its invisible characters, digits and signs in ASCII, and for each of its
    characters the position it came from in ``text``."""
    if text.isascii():
        return text, list(range(len(text)))
    kept: list[str] = []
    where: list[int] = []
    for at, char in enumerate(text):
        if char.isascii():
            kept.append(char)
        elif _invisible(char):
            continue
        else:
            kept.append(_ascii(char))
        where.append(at)
    return "".join(kept), where


def find_personal_numbers(text: str) -> list[Found]:
    """Every citizen ID, mobile number and bank card number in ``text``, left to right.

    A run of digit groups joined by spaces, dashes, brackets… (``_JOINER``) may hold several
    numbers, or one number next to others ("电话 138 1234 5678 2024年"): from each group, the
    longest run of whole groups that is such a number is taken, then the search goes on after
    it. A group longer than a number is searched for IDs and mobiles glued inside it.
    """
    normalized, where = _visible(text)
    found: list[Found] = []

    def add(kind: str, start: int, end: int, masked: str) -> None:
        # back to the original text: from the first character to the last one kept
        found.append(Found(kind, where[start], where[end - 1] + 1, masked))

    for run in _GROUPS.finditer(normalized):
        groups = [(m.start() + run.start(), m.group()) for m in _GROUP.finditer(run.group())]
        i = 0
        while i < len(groups):
            for j in range(min(len(groups), i + MAX_GROUPS), i, -1):
                window = groups[i:j]  # only the run's last group may be an X
                kind = _classify([g for _, g in window])
                if kind is None:
                    continue
                if kind[0] == "bank_card":
                    # "6200 0000 0000 0005 130 0000 0000": a card and a phone after it, not a
                    # 19-digit card (no Luhn digit needed after 62) and 8 digits left over.
                    for k in range(j - 1, i, -1):
                        shorter = _classify([g for _, g in groups[i:k]])
                        if shorter is not None and _starts_id_or_mobile(groups[k:]):
                            j, window, kind = k, groups[i:k], shorter
                            break
                start = window[0][0]
                end = window[-1][0] + len(window[-1][1])
                if (
                    kind[0] == "mobile"
                    and len(window) > 1
                    and window[0][1] in _COUNTRY
                    and ")" in normalized[start : window[1][0]]
                ):
                    start = window[1][0]  # "(+86)138…" keeps its "(+86)"
                else:
                    while start > 0 and normalized[start - 1] == "+":  # "+86"
                        start -= 1
                add(kind[0], start, end, kind[1])
                i = j
                break
            else:
                offset, group = groups[i]
                if len(group) > 11 and not _is_matter_number(group):
                    for item in _glued(group.upper(), offset):
                        add(item.kind, item.start, item.end, item.masked)
                i += 1
    return found


def mask_free_text(text: str | None) -> str:
    """``text`` with each personal number replaced by its masked form (see the module)."""
    if not text:
        return text or ""
    parts: list[str] = []
    at = 0
    for item in find_personal_numbers(text):
        parts.append(text[at : item.start])
        parts.append(item.masked)
        at = item.end
    parts.append(text[at:])
    return "".join(parts)
