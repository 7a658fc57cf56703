"""Open311 GeoReport v2 documents in XML and JSON, and the parsing of its parameters.

Pure functions over plain Python data (dicts and lists): no database, no models, so the views
over ``gridgov.cases`` only map rows to dicts and call these.

Shapes, per the spec (http://wiki.open311.org/GeoReport_v2) and the JSON Schemas of
``open311/schema-validation``:

- XML: ``<?xml version="1.0" encoding="utf-8"?>`` and no namespace; a list is a container
  element with one child per item (``services/service``, ``service_requests/request``,
  ``errors/error``, ``attributes/attribute``, ``values/value``, ``endpoints/endpoint``,
  ``formats/format``). Booleans are ``true``/``false``.
- JSON ("Spark convention"): the root element is dropped, so ``services``,
  ``service_requests`` and ``errors`` are bare arrays (a single request is a one-element
  array) and ``service_definition`` and ``discovery`` are objects.
- Ids and codes (``service_code``, ``service_request_id``, ``token``, attribute ``code``,
  value ``key``, ``address_id``, ``zipcode``, ``account_id``) are always strings, as the JSON
  Schemas type them (the spec's ``"service_code":001`` is not valid JSON). The ``code`` of an
  error is kept as given: the spec's example is the number ``403``; a string code stays a string.
- Datetimes must be aware; they are written in Asia/Shanghai, to the second:
  ``2026-03-01T09:30:00+08:00``.
- ``None``: a key that is present with the value ``None`` is written as the spec's examples do
  it, an empty element in XML (``<agency_responsible></agency_responsible>``) and ``null`` in
  JSON (``"agency_responsible":null``); a key that is absent is not written at all (a POST
  response carries ``service_request_id`` or ``token``, never both).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils.translation import gettext as _

SHANGHAI = ZoneInfo("Asia/Shanghai")

XML = "xml"
JSON = "json"
FORMATS = (XML, JSON)
CONTENT_TYPES = {
    XML: "text/xml; charset=utf-8",
    JSON: "application/json; charset=utf-8",
}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# Root element → the tag of its items; None for an object root.
ROOTS: dict[str, str | None] = {
    "discovery": None,
    "services": "service",
    "service_definition": None,
    "service_requests": "request",
    "errors": "error",
}
# Tag of the items of a list-valued field, inside a document.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "request_updates": "request_update",
}
STRING_FIELDS = frozenset(
    {
        "service_code",
        "service_request_id",
        "token",
        "code",
        "key",
        "address_id",
        "zipcode",
        "account_id",
        "update_id",
    }
)
BOOLEAN_FIELDS = frozenset({"metadata", "variable", "required"})
INTEGER_FIELDS = frozenset({"order"})

# Characters XML 1.0 does not allow, even escaped (C0 controls other than tab, LF, CR, …).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class FormatError(ValueError):
    """A document that cannot be written: unknown format or root, naive datetime, bad type."""


# ---------------------------------------------------------------------------------------------
# Rendering


def format_datetime(value: dt.datetime) -> str:
    """``2026-03-01T09:30:00+08:00``: W3C datetime, Asia/Shanghai, whole seconds."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise FormatError(f"naive datetime {value.isoformat()}: Open311 needs an aware datetime")
    return value.astimezone(SHANGHAI).replace(microsecond=0).isoformat()


def _normalize(value: Any, field: str = "") -> Any:
    """Plain JSON-ready data: ids as strings, datetimes as text, Decimals as numbers."""
    if value is None:
        return None
    if field in STRING_FIELDS and not isinstance(value, Mapping | list | tuple):
        return value if isinstance(value, str) else str(value)
    if field in BOOLEAN_FIELDS and not isinstance(value, bool):
        raise FormatError(f"{field}: expected true or false, got {value!r}")
    if field in INTEGER_FIELDS and (isinstance(value, bool) or not isinstance(value, int)):
        raise FormatError(f"{field}: expected an integer, got {value!r}")
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return value  # a number in JSON (_JSONEncoder), fixed-point text in XML
    if isinstance(value, Mapping):
        return {str(k): _normalize(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize(item, field) for item in value]
    return str(value)


def _error_items(errors: Iterable[tuple[int | str, str]]) -> list[dict[str, Any]]:
    return [{"code": code, "description": str(description)} for code, description in errors]


def _prepare(root: str, data: Any) -> Any:
    if root not in ROOTS:
        raise FormatError(f"unknown Open311 root {root!r}; one of {', '.join(ROOTS)}")
    is_list = ROOTS[root] is not None
    if is_list and not isinstance(data, list | tuple):
        raise FormatError(f"{root}: expected a list of items")
    if not is_list and not isinstance(data, Mapping):
        raise FormatError(f"{root}: expected a mapping")
    if root == "errors":
        # Error codes are kept as given (number or string); the descriptions are plain text.
        return [
            {"code": item["code"], "description": _normalize(item.get("description"))}
            for item in data
        ]
    return _normalize(list(data) if is_list else data)


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return _XML_INVALID.sub("", str(value))


def _xml_fill(element: ET.Element, value: Any, field: str) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _xml_fill(ET.SubElement(element, key), child, key)
    elif isinstance(value, list):
        tag = ITEM_TAGS.get(field) or (field[:-1] if field.endswith("s") else "item")
        for item in value:
            _xml_fill(ET.SubElement(element, tag), item, tag)
    else:
        element.text = _xml_text(value)


def render_xml(root: str, data: Any) -> str:
    """The document as XML text; text is escaped (``<script>`` comes out as ``&lt;script&gt;``)."""
    prepared = _prepare(root, data)
    element = ET.Element(root)
    _xml_fill(element, prepared, root)
    body = ET.tostring(element, encoding="unicode", short_empty_elements=False)
    return f"{XML_DECLARATION}\n{body}\n"


class _JSONEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            return float(o)
        return super().default(o)


def render_json(root: str, data: Any) -> str:
    """The document as JSON text, root dropped (bare arrays for lists).

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc., as Django's ``json_script`` does:
    the same string to every JSON parser, and inert if a browser ever renders it as HTML.
    """
    text = json.dumps(
        _prepare(root, data), ensure_ascii=False, separators=(",", ":"), cls=_JSONEncoder
    )
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(fmt: str, root: str, data: Any) -> str:
    if fmt == XML:
        return render_xml(root, data)
    if fmt == JSON:
        return render_json(root, data)
    raise FormatError(f"unknown Open311 format {fmt!r}; one of {', '.join(FORMATS)}")


def document_response(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """An HttpResponse holding the document, with the spec's content type for ``fmt``."""
    return HttpResponse(
        render(fmt, root, data).encode("utf-8"), content_type=CONTENT_TYPES[fmt], status=status
    )


def error_response(fmt: str, status: int, errors: Iterable[tuple[int | str, str]]) -> HttpResponse:
    """An ``errors`` document: ``[(code, description), …]``; 404 not found, 403 API key, 400
    anything else. An unknown ``fmt`` (e.g. a bad URL suffix) is answered in XML, the
    format every client reads."""
    return document_response(
        fmt if fmt in FORMATS else XML, "errors", _error_items(errors), status=status
    )


# Convenience builders: the root names in one place for the views.


def services_response(fmt: str, services: list[Mapping[str, Any]]) -> HttpResponse:
    return document_response(fmt, "services", services)


def service_definition_response(fmt: str, definition: Mapping[str, Any]) -> HttpResponse:
    return document_response(fmt, "service_definition", definition)


def service_requests_response(
    fmt: str, requests: list[Mapping[str, Any]], *, status: int = 200
) -> HttpResponse:
    return document_response(fmt, "service_requests", requests, status=status)


def discovery_response(fmt: str, discovery: Mapping[str, Any]) -> HttpResponse:
    return document_response(fmt, "discovery", discovery)


# ---------------------------------------------------------------------------------------------
# Parsing parameters


def _blank(value: str | None) -> bool:
    return value is None or value.strip() == ""


def param(request: Any, name: str) -> str | None:
    """A parameter from the POST body, else the query string, stripped; an empty value counts
    as absent ("a null parameter should be treated as equivalent to a non-declared parameter").

    Clients differ: FixMyStreet and ``three`` put ``api_key`` in the body, the ``open311``
    1.1 client in the query string of the POST URL, and sends ``jurisdiction_id=`` empty.
    """
    for source in (request.POST, request.GET):
        for value in reversed(source.getlist(name)):
            if not _blank(value):
                return value.strip()
    return None


def param_list(request: Any, name: str) -> list[str]:
    """Every non-empty value of a repeated parameter (e.g. FixMyStreet's repeated
    ``media_url``), body first, then query string."""
    values = [*request.POST.getlist(name), *request.GET.getlist(name)]
    return [value.strip() for value in values if not _blank(value)]


_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\d*\])?$")


def parse_attributes(querydict: Any) -> dict[str, str | list[str]]:
    """``attribute[CODE]=v`` → ``{"CODE": "v"}``; ``attribute[CODE][]=v1&attribute[CODE][]=v2``
    (a multivaluelist; ``[0]``, ``[1]`` indexes too) → ``{"CODE": ["v1", "v2"]}``.

    Empty values are absent. A plain ``attribute[CODE]`` repeated keeps its last value, as a
    QueryDict does; if a code comes both plain and with ``[]``, the values are merged into a list.
    """
    singles: dict[str, str] = {}
    multis: dict[str, list[str]] = {}
    getlist = getattr(querydict, "getlist", None)
    for key in querydict:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        code = match.group(1).strip()
        if not code:
            continue
        raw = getlist(key) if getlist is not None else querydict[key]
        values = [raw] if isinstance(raw, str) else list(raw)
        values = [v.strip() for v in values if not _blank(v)]
        if not values:
            continue
        if match.group(2) is None:
            singles[code] = values[-1]
        else:
            multis.setdefault(code, []).extend(values)
    result: dict[str, str | list[str]] = dict(singles)
    for code, values in multis.items():
        result[code] = [singles[code], *values] if code in singles else values
    return result


# Datetimes a client may send: matters are from this era; the years beyond could not be
# shifted by a time zone or a 90-day window without leaving Python's datetime range.
DATETIME_MIN_YEAR = 1900
DATETIME_MAX_YEAR = 2999

_W3C_DATETIME = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<time>\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
    r"(?P<tz>[Zz]|[+\- ]\d{2}(?::?\d{2})?)?)?$"
)


def parse_datetime_param(value: str, *, name: str = "") -> dt.datetime:
    """A W3C (ISO 8601) datetime parameter as an aware datetime.

    Accepts ``2010-01-01T00:00:00Z``, ``…+08:00`` / ``+0800`` / ``+08``, fractional seconds,
    ``2010-01-01T00:00`` and a bare date (midnight). Without an offset the time is Beijing time
    (+08:00). A ``+`` that arrived as a space (an unencoded ``+08:00`` in a query string) is
    read as ``+``. Anything else raises ValueError with a message for the client.
    """
    text = (value or "").strip()
    match = _W3C_DATETIME.match(text)
    parsed: dt.datetime | None = None
    if match:
        time = (match["time"] or "00:00:00").replace(",", ".")
        if "." in time:  # fromisoformat takes at most 6 fractional digits on Python 3.11
            whole, fraction = time.split(".")
            time = f"{whole}.{fraction[:6].ljust(6, '0')}"
        tz = match["tz"] or ""
        if tz[:1] == " ":
            tz = "+" + tz[1:]
        if tz in ("Z", "z"):
            tz = "+00:00"
        elif tz and ":" not in tz:
            tz = f"{tz[:3]}:{tz[3:] or '00'}"
        try:
            parsed = dt.datetime.fromisoformat(f"{match['date']}T{time}{tz}")
        except ValueError:
            parsed = None
    if parsed is None:
        label = f"{name}: " if name else ""
        raise ValueError(
            label
            + _(
                "无法识别的日期时间“%(value)s”；应为 W3C 格式（ISO 8601），"
                "如 2010-01-01T00:00:00Z 或 2010-01-01T08:00:00+08:00"
            )
            % {"value": text[:40]}
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    if not DATETIME_MIN_YEAR <= parsed.year <= DATETIME_MAX_YEAR:
        # Also keeps window arithmetic (±90 days) and the shift to UTC inside Python's range.
        raise ValueError(
            (f"{name}: " if name else "")
            + _("日期时间“%(value)s”超出范围：年份应在%(lo)s至%(hi)s之间")
            % {"value": text[:40], "lo": DATETIME_MIN_YEAR, "hi": DATETIME_MAX_YEAR}
        )
    return parsed


def parse_comma_list(value: str | None) -> list[str]:
    """``"001, 002,,001"`` → ``["001", "002"]``: stripped, empties dropped, first order kept."""
    if value is None:
        return []
    seen: dict[str, None] = {}
    for item in value.split(","):
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


STATUSES = ("open", "closed")


def parse_status_list(value: str | None) -> list[str]:
    """``status=open,closed`` (any case) → ``["open", "closed"]``; another value raises
    ValueError naming it. Empty means every status: ``[]``."""
    statuses = [item.lower() for item in parse_comma_list(value)]
    unknown = [item for item in statuses if item not in STATUSES]
    if unknown:
        raise ValueError(
            _("status: 无法识别的状态“%(value)s”；可选 open、closed，以逗号分隔")
            % {"value": ",".join(unknown)[:40]}
        )
    return list(dict.fromkeys(statuses))
