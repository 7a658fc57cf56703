"""No citizen ID or phone number in a URL, and no API answer kept by a cache.

A URL is written to access logs (gunicorn's, a reverse proxy's), browser history and the
``Referer`` of the next request, none of which the data key protects. So an exact search by
citizen ID or phone travels in a POST body (the search page's form, ``POST /api/v1/persons/search``)
and a request whose query string holds something that looks like a full citizen ID or mobile
or landline number is refused before any view runs, with a message that says where to search
instead and never repeats the value. This closes every parameter at once (``?q=``,
``?citizen_id=``, ``?phone=``, filters and export links), including those no view reads.

Grid codes (18 digits for a micro-grid) are not citizen IDs but may look like one; parameters
that carry a grid code (``GRID_CODE_PARAMS``) are exempt when their value is a plain code that
is not a valid citizen ID (a grid code's digits 7-14 are town, village and group serials, never
a real birth date with the right check character). The path is checked too (not /static/): a
valid citizen ID or a mobile number standing alone in it (``/open311/v2/requests/<ID>.json``)
is refused the same way. Open311 answers its own errors in its own format and has no search by
person; its query strings are left out, its paths are not.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import escape

from .freetext import find_personal_numbers, is_citizen_id

# Separators people type inside a number ("138 1234 5678", "4406-0519…"), removed between digits.
_INNER_SEPARATORS = re.compile(r"(?<=\d)[\s\-‐‑–—]+(?=[\dX])")
# A run of digits not glued to other letters or digits (so hex ids and long codes don't match).
_RUN = r"(?<![0-9A-Z]){}(?![0-9A-Z])"
_CITIZEN_ID = re.compile(
    _RUN.format(r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])\d{3}[\dX]")
)
_MOBILE = re.compile(_RUN.format(r"(?:86)?1[3-9]\d{9}"))
_LANDLINE = re.compile(_RUN.format(r"0\d{9,11}"))

GRID_CODE_PARAMS = frozenset({"under", "node", "village", "microgrid", "code", "place"})
GRID_CODE = re.compile(r"\d{6}(?:\d{3}){0,4}\Z")
# Paths whose answers are their own protocol's documents; they search nobody by number.
EXEMPT_PREFIXES = ("/open311/", "/static/")
# Paths never checked: file names of static assets are hashes, not people.
PATH_EXEMPT_PREFIXES = ("/static/",)


def holds_personal_number(value: str) -> bool:
    """Whether ``value`` holds something that looks like a full citizen ID (a plausible birth
    date inside 18 characters, checksum or not: one digit off still names the person) or a
    full mobile or landline number."""
    text = unicodedata.normalize("NFKC", value).upper()
    text = _INNER_SEPARATORS.sub("", text)
    return bool(
        _CITIZEN_ID.search(text)
        or _MOBILE.search(text)
        or _LANDLINE.search(text)
        # written with other joiners or invisible characters ("138_1234_5678", "4406\u200b05…")
        or path_holds_personal_number(value)
    )


def personal_params(request: HttpRequest) -> list[str]:
    """The names of query parameters whose value (or name) holds a personal number."""
    found = []
    for name, values in request.GET.lists():
        if holds_personal_number(name):
            found.append("?")
            continue
        for value in values:
            code = value.strip()
            if name in GRID_CODE_PARAMS and GRID_CODE.match(code) and not _id18(code):
                continue
            if holds_personal_number(value):
                found.append(name)
                break
    return found


def _id18(code: str) -> bool:
    """A valid 18-character citizen ID (not a 15-digit one: group codes look like those)."""
    return len(code) == 18 and is_citizen_id(code)


def _glued(char: str) -> bool:
    return char.isdigit() or (char.isascii() and char.isalnum())


def path_holds_personal_number(path: str) -> bool:
    """Whether the URL path holds a valid citizen ID, or a mobile number not glued to other
    letters or digits (a long code may hold eleven digits shaped like one)."""
    for found in find_personal_numbers(path):
        # 18 characters only: a 15-digit group code (county, town, village, group) is shaped
        # like a first-generation ID (province, a 19YYMMDD date, a serial).
        if found.kind == "citizen_id" and len(found.masked) == 18:
            return True
        if found.kind == "mobile":
            before = path[found.start - 1 : found.start]
            after = path[found.end : found.end + 1]
            # not glued to a code's letters or digits (a hex job id may hold eleven digits)
            if not _glued(before) and not _glued(after):
                return True
    return False


def refusal_text() -> str:
    return translation.gettext(
        "网址中不能含有完整的身份证号或电话号码（网址会被记录在日志和浏览记录中）。"
        "按身份证号或电话查找，请用搜索页的表单提交；接口请用 POST /api/v1/persons/search。"
    )


class PersonalNumberInUrlMiddleware:
    """Refuse a request whose query string holds a full citizen ID or phone number.

    The API answers 422 in its own error shape (``{"detail", "errors": {param: [reason]}}``);
    pages answer 400 with a short page that links to the search page. Neither repeats the value.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PATH_EXEMPT_PREFIXES) and path_holds_personal_number(
            request.path
        ):
            return _refuse(request, ["path"])
        if request.META.get("QUERY_STRING") and not request.path.startswith(EXEMPT_PREFIXES):
            names = personal_params(request)
            if names:
                return _refuse(request, names)
        return self.get_response(request)


def _refuse(request: HttpRequest, names: list[str]) -> HttpResponse:
    reason = refusal_text()
    if request.path.startswith("/api/"):
        body = {
            "detail": translation.gettext("提交的数据有误，请按字段修改后重试"),
            "errors": {name: [reason] for name in names},
        }
        return HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=422,
            content_type="application/json; charset=utf-8",
        )
    try:
        search = reverse("web:search")
    except NoReverseMatch:
        search = "/"
    title = translation.gettext("网址中含有个人号码")
    link = translation.gettext("去搜索页")
    page = (
        '<!doctype html><html lang="zh-hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body><main>"
        f"<h1>{escape(title)}</h1><p>{escape(reason)}</p>"
        f'<p><a href="{escape(search)}">{escape(link)}</a></p></main></body></html>'
    )
    return HttpResponse(page, status=400, content_type="text/html; charset=utf-8")


class ApiNoStoreMiddleware:
    """Every answer under /api/ (data, errors, the schema and its docs) is ``Cache-Control:
    no-store``: it may hold residents' data, and a shared or browser cache would keep it beyond
    the user's session and scope. Open311 answers that are not public say so themselves."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
