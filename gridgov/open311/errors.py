"""Every error under /open311/ is an Open311 ``errors`` document, in the format asked for.

The views answer their own errors (400, 403, 404, 405) as documents. What reaches a client
before or around a view is Django's: a body too large (``DATA_UPLOAD_MAX_MEMORY_SIZE``), a
broken multipart body, a form body in another charset, a NUL refused by
``core.middleware.NulRefusedMiddleware``, an unknown path, a server error. Those would be HTML
or plain text, which no Open311 client reads. ``Open311ErrorsMiddleware``, placed before any
middleware that reads the body, closes that class:

- on the way in, it reads the form body of a POST itself, so that ``RequestDataTooBig``
  (raised lazily, when ``request.POST`` is first read) answers 413 and a body that cannot be
  parsed answers 400, both as documents;
- on the way out, any answer of status 400 or more that is not already an Open311 document
  (a 500 page, a text/plain refusal) is replaced by a document of the same status.

The format is the path's suffix: ``.json`` → JSON, anything else XML (the spec's default).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .formats import CONTENT_TYPES, JSON, XML, error_response

PREFIX = "/open311/"

# Errors of reading the body: the client's fault, so 4xx, never 500.
BODY_ERRORS = (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    MultiPartParserError,
    BadRequest,
    SuspiciousOperation,
    UnicodeDecodeError,
)


def asked_format(request: HttpRequest) -> str:
    """``json`` if the path ends in ``.json`` (any case), else ``xml``."""
    return JSON if request.path.lower().endswith(".json") else XML


def status_description(status: int) -> str:
    """The description of an error that no view described (Django's own answers)."""
    descriptions = {
        400: _("请求无法解析，请检查参数和请求体"),
        403: _("禁止访问"),
        404: _("未知的资源"),
        405: _("不支持此请求方法"),
        413: _("请求体过大：表单字段合计不能超过%(n)s字节")
        % {"n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
        500: _("服务器内部错误，已记录，请稍后重试"),
    }
    if status in descriptions:
        return descriptions[status]
    return descriptions[500] if status >= 500 else descriptions[400]


def body_error_response(fmt: str, exc: BaseException) -> HttpResponse:
    """The document for a body that cannot be read: 413 when too large, else 400."""
    if isinstance(exc, RequestDataTooBig):
        return error_response(fmt, 413, [(413, status_description(413))])
    reason = _("无法读取请求内容（%(e)s）") % {"e": str(exc)[:120] or type(exc).__name__}
    return error_response(fmt, 400, [(400, reason)])


def is_document(response: HttpResponse) -> bool:
    return response.get("Content-Type", "") in CONTENT_TYPES.values()


def _described(response: HttpResponse) -> str:
    """A short plain-text answer (e.g. the NUL refusal) keeps its words; HTML pages do not."""
    if response.get("Content-Type", "").startswith("text/plain") and not response.streaming:
        text = response.content.decode("utf-8", "replace").strip()
        if text and len(text) <= 300:
            return text
    return status_description(response.status_code)


class Open311ErrorsMiddleware:
    """See the module docstring. Passes every other path through untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        fmt = asked_format(request)
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - read now: errors of reading are raised lazily
                request.FILES  # noqa: B018
            except BODY_ERRORS as exc:
                return body_error_response(fmt, exc)
        response = self.get_response(request)
        if response.status_code < 400 or is_document(response):
            return response
        replaced = error_response(
            fmt, response.status_code, [(response.status_code, _described(response))]
        )
        for header in ("Allow", "Retry-After"):
            if header in response:
                replaced[header] = response[header]
        return replaced
