"""Error bodies of the API and the handlers that produce them.

Every error is JSON with a Chinese ``detail``; validation errors add ``errors``: field → reasons,
whether they come from the request schema (pydantic) or from a service (Django ValidationError).
Out of scope and absent objects share one 404 body, so a 404 never tells that a row exists.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gridgov.core.apitools import not_found_message

logger = logging.getLogger("gridgov.api")


def _pydantic_reason(error: dict[str, Any]) -> str:
    """A Chinese reason for one pydantic error (request schema validation)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    reasons = {
        "missing": _("必填"),
        "string_type": _("应为文本"),
        "string_too_long": _("最多%(n)s个字符") % {"n": ctx.get("max_length")},
        "string_too_short": _("至少%(n)s个字符") % {"n": ctx.get("min_length")},
        "string_pattern_mismatch": _("格式不对"),
        "int_parsing": _("应为整数"),
        "int_type": _("应为整数"),
        "int_from_float": _("应为整数"),
        "float_parsing": _("应为数字"),
        "float_type": _("应为数字"),
        "bool_parsing": _("应为 true 或 false"),
        "bool_type": _("应为 true 或 false"),
        "date_parsing": _("应为日期，格式 YYYY-MM-DD"),
        "date_from_datetime_parsing": _("应为日期，格式 YYYY-MM-DD"),
        "date_from_datetime_inexact": _("应为日期，不含时间"),
        "date_type": _("应为日期，格式 YYYY-MM-DD"),
        "enum": _("应为以下之一：%(v)s") % {"v": ctx.get("expected", "")},
        "literal_error": _("应为以下之一：%(v)s") % {"v": ctx.get("expected", "")},
        "greater_than_equal": _("不能小于%(v)s") % {"v": ctx.get("ge")},
        "greater_than": _("应大于%(v)s") % {"v": ctx.get("gt")},
        "less_than_equal": _("不能大于%(v)s") % {"v": ctx.get("le")},
        "less_than": _("应小于%(v)s") % {"v": ctx.get("lt")},
        "extra_forbidden": _("不能提交或修改此字段"),
        "json_invalid": _("请求体不是有效的JSON"),
        "dict_type": _("应为JSON对象"),
        "model_attributes_type": _("应为JSON对象"),
        "list_type": _("应为列表"),
        "null_forbidden": _("不能为 null；不修改就不要提交此字段"),
        "int_overflow": _("数值超出范围"),
        "finite_number": _("应为有限的数字"),
        "bad_text": _("含有空字符（NUL）或无效的 Unicode 字符"),
        "too_deep": _("嵌套层数过多"),
        "int_parsing_size": _("数值超出范围"),
        "datetime_parsing": _("应为日期时间，格式 YYYY-MM-DDTHH:MM:SS"),
        "datetime_type": _("应为日期时间，格式 YYYY-MM-DDTHH:MM:SS"),
        "datetime_from_date_parsing": _("应为日期时间，格式 YYYY-MM-DDTHH:MM:SS"),
        "string_unicode": _("应为文本"),
        "is_instance_of": _("类型不对"),
        "value_error": _("值不对（%(msg)s）") % {"msg": error.get("msg", "")},
    }
    return reasons.get(kind) or _("格式不对（%(msg)s）") % {"msg": error.get("msg", kind)}


def _pydantic_field(loc: list[Any] | tuple[Any, ...]) -> str:
    # loc is (source, [param name,] field, ...): ("body", "payload", "name") or ("query", "limit").
    parts = [str(p) for p in loc[1:] if p != "payload"]
    return ".".join(parts) or str(loc[0] if loc else NON_FIELD_ERRORS)


def _validation_response(api: NinjaAPI, request: HttpRequest, errors: dict[str, list[str]]):
    body = {"detail": _("提交的数据有误，请按字段修改后重试"), "errors": errors}
    return api.create_response(request, body, status=422)


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api``."""

    @api.exception_handler(DjangoValidationError)
    def service_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            errors = {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
        return _validation_response(api, request, errors)

    @api.exception_handler(NinjaValidationError)
    def schema_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_pydantic_field(error.get("loc", ())), []).append(
                _pydantic_reason(error)
            )
        return _validation_response(api, request, errors)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        """Visible but not the user's to act on (a step of a matter held by another level)."""
        detail = str(exc) or _("无权进行此操作")
        return api.create_response(request, {"detail": detail}, status=403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        what = getattr(exc, "what", "")
        return api.create_response(request, {"detail": not_found_message(what)}, status=404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {"detail": _("需要登录，或提供有效的接口令牌（Authorization: Bearer <令牌>）")}
        response = api.create_response(request, body, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="gridgov"'
        return response

    @api.exception_handler(OverflowError)
    def overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        """A number or date beyond what the database or Python holds (SQLite's 64-bit
        integers, a date shifted past year 9999): the input's fault, never a 500."""
        return _validation_response(api, request, {NON_FIELD_ERRORS: [_("数值或日期超出范围")]})

    @api.exception_handler(DataError)
    def data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
        """PostgreSQL's refusal of a value (integer out of range, text too long): the schemas
        bound what they can; this answers what slips past them, as a 422, not a 500."""
        logger.warning("API input refused by the database: %s", exc)
        return _validation_response(
            api, request, {NON_FIELD_ERRORS: [_("数值超出范围或格式不对，数据库无法保存")]}
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        detail = _("请求体过大：不能超过%(n)s字节") % {"n": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        return api.create_response(request, {"detail": detail}, status=413)

    @api.exception_handler(SuspiciousOperation)
    def bad_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return api.create_response(request, {"detail": _("请求无法解析")}, status=400)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        """The last resort: logged with its traceback, answered as JSON like every error."""
        logger.error("API server error: %s %s", request.method, request.path, exc_info=exc)
        body = {"detail": _("服务器内部错误，已记录，请稍后重试")}
        return api.create_response(request, body, status=500)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = str(exc)
        if detail == "Cannot parse request body":  # ninja's own message for bad JSON
            detail = _("请求体不是有效的JSON")
        return api.create_response(request, {"detail": detail}, status=exc.status_code)
