"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Thin views: they read the parameters (``formats``), call the cases app through ``selectors``
(reads) and ``submission`` (intake), and render XML or JSON by the URL's suffix. Decisions:

- Format: ``.xml`` or ``.json``; any other suffix (and any other path here) answers 404 with an
  error document in XML, the format every client reads.
- Methods: GET (and HEAD) on every resource, POST on ``requests`` only; others answer 405 with
  an error document and an ``Allow`` header. POST is exempt from CSRF: it is authenticated by
  its API key, not by a session cookie.
- ``jurisdiction_id`` (body or query string; empty = absent) is optional, as this server is one
  jurisdiction; when given it must be ours, else 404 (the spec's answer for an unknown
  jurisdiction). Ours is the setting ``GRIDGOV_OPEN311_JURISDICTION`` (or the environment
  variable of that name), by default the host the request was sent to (with or without port).
- POST answers **200**, not 201: the spec allows any 2xx, and 200 is what every client
  (FixMyStreet's ``is_success``, ``three``, ``open311`` 1.1's urllib) takes. It returns
  ``service_request_id`` (the matter number) and ``service_notice`` (who handles it and by
  when), never a ``token`` (services are ``realtime``) nor an ``account_id``.
- Errors: 403 for a missing, unknown or revoked API key; 404 for an unknown service, request,
  token or jurisdiction; 400 for everything else, one error per message, each naming the
  parameter. The error ``code`` is the HTTP status.
- GET requests: ``service_request_id`` (comma list) overrides every other filter;
  ``service_code`` (comma list; an unknown code matches nothing), ``status`` (open, closed),
  ``start_date`` / ``end_date`` (W3C datetimes; the window may span at most 90 days and
  defaults to the last 90 days; one bound alone puts the other 90 days away); ``page`` /
  ``page_size`` (the de-facto extension; default and maximum page size 1000, the spec's "first
  1000"; a larger size is capped, not refused); ``extensions=true`` adds ``notes`` (the public
  timeline). Newest first. One query per page (two with notes), whatever the number of rows.
- Tokens are never issued, so ``tokens/{token}`` always answers 404.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .definitions import definition_document, service_document
from .errors import BODY_ERRORS, body_error_response
from .formats import (
    FORMATS,
    JSON,
    XML,
    discovery_response,
    error_response,
    param,
    parse_comma_list,
    parse_datetime_param,
    parse_status_list,
    service_definition_response,
    service_requests_response,
    services_response,
)
from .selectors import (
    active_service,
    active_services,
    changeset,
    filter_requests,
    request_document,
    service_notice,
    service_requests,
)
from .services import api_key_check
from .submission import create_request, open311_errors

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_SPAN = dt.timedelta(days=90)
PAGE_SIZE = 1000  # default and maximum: the spec's "first 1000 requests"
# The last page that may be asked for: the database's OFFSET stays far inside 64 bits.
MAX_PAGE = 1_000_000
# Items of a comma list: each is a bound parameter, and PostgreSQL takes at most 65535.
MAX_LIST_ITEMS = 1000

View = Callable[..., HttpResponse]


def jurisdiction(request: HttpRequest) -> str:
    """This server's ``jurisdiction_id``: the setting, else the host the client called."""
    configured = settings.GRIDGOV_OPEN311_JURISDICTION
    return configured.strip() or request.get_host()


def _jurisdiction_known(request: HttpRequest) -> bool:
    given = param(request, "jurisdiction_id")
    if given is None:
        return True
    ours = jurisdiction(request).lower()
    return given.lower() in {ours, ours.rsplit(":", 1)[0]}


def _errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    return error_response(fmt, status, [(status, text) for text in descriptions])


def endpoint(*methods: str) -> Callable[[View], View]:
    """Check the suffix (404 in XML), the method (405) and the jurisdiction (404) first."""
    allowed = (*methods, "HEAD") if "GET" in methods else methods

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            fmt = fmt.lower()
            if fmt not in FORMATS:
                return _errors(
                    XML, 404, _("未知的格式“.%(f)s”：请用 .xml 或 .json") % {"f": fmt[:10]}
                )
            if request.method not in allowed:
                response = _errors(
                    fmt,
                    405,
                    _("不支持 %(m)s 方法；可用：%(a)s")
                    % {"m": request.method, "a": ", ".join(allowed)},
                )
                response["Allow"] = ", ".join(allowed)
                return response
            try:
                if not _jurisdiction_known(request):
                    return _errors(
                        fmt,
                        404,
                        _("jurisdiction_id: 未知的辖区“%(j)s”，本服务为“%(o)s”")
                        % {"j": param(request, "jurisdiction_id")[:60], "o": jurisdiction(request)},
                    )
                return view(request, fmt, **kwargs)
            except BODY_ERRORS as exc:
                return body_error_response(fmt, exc)

        return csrf_exempt(wrapper) if "POST" in methods else wrapper

    return decorate


# ---------------------------------------------------------------------------------------------
# Discovery and services


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    stamp = changeset()
    path = reverse("open311:discovery", kwargs={"fmt": fmt})
    base = request.build_absolute_uri(path.rsplit("/", 1)[0] + "/")
    contact = getattr(settings, "GRIDGOV_OPEN311_CONTACT", "") or _(
        "本平台的管理员（网格治理平台 gridgov）"
    )
    return discovery_response(
        fmt,
        {
            "changeset": stamp,
            "contact": contact,
            "key_service": _(
                "API 密钥（api_key）由本平台管理员签发：在服务器上运行"
                "“gridgov open311 keys create 系统名称”，或在管理后台的“Open311 接口密钥”中添加。"
                "只有提交（POST requests）需要密钥。"
            ),
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": stamp,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return services_response(fmt, [service_document(c) for c in active_services()])


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """``services/{code}``, and ``service/{code}`` that the ``open311`` 1.1 client calls."""
    category = active_service(code)
    if category is None:
        return _errors(fmt, 404, _("service_code: 未知的服务“%(c)s”") % {"c": code[:40]})
    return service_definition_response(fmt, definition_document(category))


# ---------------------------------------------------------------------------------------------
# Service requests


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    key = api_key_check(raw=param(request, "api_key") or "")
    if key is None:
        return _errors(fmt, 403, _("api_key: 缺少 API 密钥，或密钥无效、已吊销"))
    code = param(request, "service_code")
    if code is None:
        return _errors(fmt, 400, _("service_code: 必填"))
    category = active_service(code)
    if category is None:
        return _errors(fmt, 404, _("service_code: 未知的服务“%(c)s”") % {"c": code[:40]})
    try:
        matter = create_request(request, key=key, category=category)
    except ValidationError as exc:
        return _errors(fmt, 400, *open311_errors(exc))
    answer = {"service_request_id": matter.number, "service_notice": service_notice(matter)}
    return service_requests_response(fmt, [answer])


def _positive(
    request: HttpRequest, name: str, default: int, *, maximum: int, cap: bool = False
) -> int:
    """A whole number from 1 to ``maximum`` (ASCII digits only; with ``cap`` a larger one is
    ``maximum``); ValueError naming the parameter else."""
    raw = param(request, name)
    if raw is None:
        return default
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit()) or not digits:
        raise ValueError(_("%(n)s: 应为正整数，收到“%(v)s”") % {"n": name, "v": raw[:20]})
    # Length first: int() of thousands of digits is slow, and refused past 4300.
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        if cap:
            return maximum
        raise ValueError(_("%(n)s: 不能大于%(m)s") % {"n": name, "m": maximum})
    return int(digits)


def _window(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    """``start_date`` / ``end_date``: at most 90 days apart, by default the last 90 days."""
    bounds = {}
    for name in ("start_date", "end_date"):
        raw = param(request, name)
        bounds[name] = parse_datetime_param(raw, name=name) if raw is not None else None
    start, end = bounds["start_date"], bounds["end_date"]
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise ValueError(_("end_date: 早于 start_date"))
    if end - start > MAX_SPAN:
        raise ValueError(_("start_date/end_date: 时间跨度不能超过90天"))
    return start, end


def _with_notes(request: HttpRequest) -> bool:
    return (param(request, "extensions") or "").lower() in ("true", "1")


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    numbers = parse_comma_list(param(request, "service_request_id"))
    errors: list[str] = [
        _("%(n)s: 最多%(m)s项") % {"n": name, "m": MAX_LIST_ITEMS}
        for name in ("service_request_id", "service_code")
        if len(parse_comma_list(param(request, name))) > MAX_LIST_ITEMS
    ]
    filters: dict[str, Any] = {}
    page, size = 1, PAGE_SIZE
    try:
        page = _positive(request, "page", 1, maximum=MAX_PAGE)
        # A larger size is capped, not refused (the spec's "first 1000").
        size = _positive(request, "page_size", PAGE_SIZE, maximum=PAGE_SIZE, cap=True)
    except ValueError as exc:
        errors.append(str(exc))
    if numbers:
        filters["numbers"] = numbers  # overrides all other arguments
    else:
        filters["service_codes"] = parse_comma_list(param(request, "service_code"))
        try:
            filters["statuses"] = parse_status_list(param(request, "status"))
        except ValueError as exc:
            errors.append(str(exc))
        try:
            filters["start"], filters["end"] = _window(request)
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        return _errors(fmt, 400, *errors)
    notes = _with_notes(request)
    rows = filter_requests(service_requests(notes=notes), **filters)
    page_rows = rows[(page - 1) * size : page * size]
    return service_requests_response(fmt, [request_document(m, notes=notes) for m in page_rows])


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    """One request, as a one-element list (the ``georeport`` client reads ``json()[0]``)."""
    notes = _with_notes(request)
    matter = service_requests(notes=notes).filter(number=service_request_id).first()
    if matter is None:
        return _errors(
            fmt, 404, _("service_request_id: 未知的请求“%(n)s”") % {"n": service_request_id[:40]}
        )
    return service_requests_response(fmt, [request_document(matter, notes=notes)])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Services are ``realtime``: the request id is returned at once, no token is issued."""
    return _errors(fmt, 404, _("token: 未知的令牌；本服务不签发令牌，提交后直接返回请求编号"))


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Any other path under /open311/v2/: 404 in JSON if it asks for JSON, else XML."""
    fmt = JSON if request.path.lower().endswith(".json") else XML
    return _errors(fmt, 404, _("未知的资源：%(p)s") % {"p": request.path[:100]})
