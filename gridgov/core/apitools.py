"""What every app's API router uses: error bodies, scoped reads, scope-checked writes, paging,
payloads. The NinjaAPI instance that mounts the routers is in ``gridgov.api``."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.renderers import JSONRenderer

from .apischemas import PageQuery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

M = TypeVar("M", bound=models.Model)
M_co = TypeVar("M_co", bound=models.Model, covariant=True)


class Restrictable(Protocol[M_co]):
    """A ``ScopedQuerySet`` or the manager made from one (``Model.objects``)."""

    @property
    def model(self) -> type[M_co]: ...

    def restrict(
        self, user: User | AnonymousUser | None, action: str = ...
    ) -> QuerySet[M_co, M_co]: ...


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


class NotFound(Http404):
    """Absent, or outside the user's scope for the action: the two are never told apart."""

    def __init__(self, what: str = "") -> None:
        super().__init__(what)
        self.what = what


# Common error responses, documented on every operation.
# 400: a request that cannot be read (a NUL anywhere, core.middleware.NulRefusedMiddleware;
# a broken body); 413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
ERRORS_READ: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
ERRORS_WRITE: dict[int, Any] = {**ERRORS_READ, 403: ErrorOut, 413: ErrorOut}


def not_found_message(what: str = "") -> str:
    if what:
        return _("%(what)s不存在，或不在您的权限范围内") % {"what": what}
    return _("不存在，或不在您的权限范围内")


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text as UTF-8 (the response says charset=utf-8), not \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


RENDERER = Utf8JSONRenderer()


def rendered(data: Any, *, status: int = 200) -> HttpResponse:
    """A body made by hand, rendered as the API renders what its schemas give.

    For the few hot answers whose data a function builds directly (the matter after a step):
    validating it through its schema again cost a third of the answer. Each such function is
    tested to give what its schema gives."""
    content_type = f"{RENDERER.media_type}; charset={RENDERER.charset}"
    body = RENDERER.render(None, data, response_status=status)  # type: ignore[arg-type]
    return HttpResponse(body, status=status, content_type=content_type)


def auth_user(request: HttpRequest) -> Any:
    """The user that the API's authentication (token or session) put on the request."""
    return request.auth  # type: ignore[attr-defined]


def get_visible(
    queryset: Restrictable[M],
    user: User | AnonymousUser | None,
    action: str = "view",
    *,
    what: str = "",
    **lookup: Any,
) -> M:
    """The row if it exists and the user may do ``action`` on it; otherwise 404 (never 403)."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    # Every model has DoesNotExist; the stubs' plugin adds it to concrete models only.
    except (queryset.model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        raise NotFound(what) from None


def scoped_write(
    user: User | AnonymousUser | None, model: type[M], action: str, write: Callable[[], M]
) -> M:
    """Run a service call and re-check the result's scope in the same transaction.

    The check looks at the row as stored, so a write that lands outside the user's subtrees
    (wherever the service put it) rolls back entirely and answers 404.
    """
    with transaction.atomic():
        obj = write()
        # Every scoped model declares `objects = ScopedQuerySet.as_manager()`.
        manager: Restrictable[M] = model.objects  # type: ignore[attr-defined]
        if not manager.restrict(user, action).filter(pk=obj.pk).exists():
            raise NotFound()
    return obj


def paginate(queryset: QuerySet[Any, Any], page: PageQuery) -> dict[str, Any]:
    """``{count, items}`` with LIMIT/OFFSET in the database."""
    return {
        "count": queryset.count(),
        "items": list(queryset[page.offset : page.offset + page.limit]),
    }


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def payload_data(
    payload: Schema, *, exclude_unset: bool = False, omit: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The fields of a request body as plain values (enums to their codes) for a service."""
    data: dict[str, Any] = {}
    for name in payload.model_fields_set if exclude_unset else type(payload).model_fields:
        if name not in omit:
            data[name] = _plain(getattr(payload, name))
    return data
