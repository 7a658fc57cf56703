"""Every error under /api/ is the API's JSON error body (``{"detail": ...}``), whatever answers it.

Ninja's handlers (api/errors.py) word the errors of the operations. What answers before an
operation runs is Django's: a form body that cannot be parsed (raised when a middleware first
reads ``request.POST``), a body too large, a path that matches no operation. Those would be HTML
pages; this middleware, placed before any middleware that reads the body, answers them as JSON
(the Open311 twin is ``open311.errors.Open311ErrorsMiddleware``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from gridgov.open311.errors import BODY_ERRORS

PREFIX = "/api/"


def _json_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _detail(status: int) -> str:
    details = {
        400: _("请求无法解析，请检查参数和请求体"),
        403: _("禁止访问"),
        404: _("不存在，或不在您的权限范围内"),
        405: _("不支持此请求方法"),
        413: _("请求体过大：不能超过%(n)s字节") % {"n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
    }
    return details.get(status) or _("服务器内部错误，已记录，请稍后重试")


class ApiErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - read now: errors of reading are raised lazily
                request.FILES  # noqa: B018
            except BODY_ERRORS as exc:
                status = 413 if type(exc).__name__ == "RequestDataTooBig" else 400
                return _json_error(status, _detail(status))
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code < 400 or content_type.startswith("application/json"):
            return response
        replaced = _json_error(response.status_code, _detail(response.status_code))
        if "Allow" in response:
            replaced["Allow"] = response["Allow"]
        return replaced
