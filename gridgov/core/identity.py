"""Chinese identifiers: citizen ID numbers (GB 11643-1999), division codes, phone numbers.

``parse_citizen_id`` is written for speed because imports call it millions of times; its answers
are checked against python-stdnum's ``cn.ric`` by property tests.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from operator import mul

from django.utils.translation import gettext as _

# GB 11643-1999: weights of the 17 digits, and the check character for sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province codes of GB/T 2260 (first two digits of every division code).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_DIGITS17 = re.compile(r"[0-9]{17}[0-9X]\Z")  # ASCII only: not other scripts' digits
_MOBILE = re.compile(r"1[3-9]\d{9}\Z")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}\Z")
EARLIEST_BIRTH = dt.date(1890, 1, 1)


class IdentifierError(ValueError):
    """An identifier that is not valid; the message says why, in the user's language."""


@dataclass(frozen=True, slots=True)
class CitizenId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F": the 17th digit is odd for men (GB 11643 §5.3)

    @property
    def region(self) -> str:
        return self.number[:6]


def normalize_citizen_id(raw: str) -> str:
    """The ID as stored: NFKC (full-width digits and Ｘ, typed with a Chinese input method,
    become ASCII), all white space removed (also the ideographic space), x upper-cased."""
    return "".join(unicodedata.normalize("NFKC", raw or "").split()).upper()


def citizen_id_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def parse_citizen_id(raw: str, *, today: dt.date | None = None) -> CitizenId:
    """Validate an 18-character citizen ID and derive birth date and sex, or raise why not."""
    number = normalize_citizen_id(raw)
    if len(number) != 18:
        raise IdentifierError(_("身份证号应为18位，实为%(n)d位") % {"n": len(number)})
    if not _DIGITS17.match(number):
        raise IdentifierError(_("身份证号只能含数字，末位可为X"))
    if number[:6] not in _known_counties():
        raise IdentifierError(_("身份证号前六位%(p)s不是GB/T 2260区划代码") % {"p": number[:6]})
    expected = ID_CHECK_CHARS[sum(map(mul, map(int, number[:17]), ID_WEIGHTS)) % 11]
    if number[17] != expected:
        raise IdentifierError(
            _("身份证号校验位错误：应为%(e)s，实为%(a)s") % {"e": expected, "a": number[17]}
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(_("身份证号中的出生日期%(d)s不存在") % {"d": number[6:14]}) from None
    if birth > (today or _today()):
        raise IdentifierError(_("身份证号中的出生日期%(d)s在今天之后") % {"d": birth.isoformat()})
    if birth < EARLIEST_BIRTH:
        raise IdentifierError(_("身份证号中的出生日期%(d)s过早") % {"d": birth.isoformat()})
    return CitizenId(number, birth, "M" if int(number[16]) % 2 else "F")


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def make_citizen_id(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid ID from its parts (demo data and tests)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + citizen_id_check_char(first17)


def normalize_phone(raw: str) -> str:
    return re.sub(r"[\s()]", "", raw.strip()).removeprefix("+86")


def validate_phone(raw: str) -> str:
    number = normalize_phone(raw)
    if _MOBILE.match(number) or _LANDLINE.match(number):
        return number
    raise IdentifierError(_("电话号码%(v)s格式不对（手机11位，或带区号的固定电话）") % {"v": raw})


@cache
def _known_counties() -> dict[str, str]:
    """County-level codes in python-stdnum's division table (GB/T 2260 with history) → name."""
    from stdnum.numdb import get as numdb_get

    counties: dict[str, str] = {}
    for _len, low, high, _props, children in numdb_get("cn/loc").prefixes:
        for _len2, low2, high2, props2, _children in children:
            for n in range(int(low2), int(high2) + 1):
                code = low + str(n).zfill(len(low2))
                name = props2.get("county", "")
                if low == high and not code.endswith("00"):
                    # Names carry their validity years, e.g. "[1986-]房山区"; keep the latest.
                    counties[code] = re.sub(r"\[[^\]]*\]", "", name.split(",")[-1])
    return counties


def is_county_code(code: str) -> bool:
    """A county-level code of GB/T 2260 (with history), as the citizen ID check accepts it."""
    return code in _known_counties()


def county_name(code: str) -> str:
    return _known_counties().get(code, "")


def validate_county_code(code: str) -> str:
    code = code.strip()
    if not re.fullmatch(r"\d{6}", code):
        raise IdentifierError(_("县级区划代码应为6位数字：%(c)s") % {"c": code})
    if code[:2] not in PROVINCE_CODES:
        raise IdentifierError(_("区划代码前两位%(p)s不是省级代码") % {"p": code[:2]})
    if code.endswith("00") or code not in _known_counties():
        raise IdentifierError(_("%(c)s不是GB/T 2260中的县级区划代码") % {"c": code})
    return code
