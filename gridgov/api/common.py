"""Helpers every resource module uses: scoped reads, scope-checked writes, paging, payloads."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer

from gridgov.core.scoping import ScopedQuerySet

from .errors import NotFound
from .schemas.common import PageQuery

M = TypeVar("M", bound=models.Model)


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


def get_visible(
    queryset: ScopedQuerySet, user: Any, action: str = "view", *, what: str = "", **lookup: Any
) -> Any:
    """The row if it exists and the user may do ``action`` on it; otherwise 404 (never 403)."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound(what) from None


def scoped_write(user: Any, model: type[M], action: str, write: Callable[[], M]) -> M:
    """Run a service call and re-check the result's scope in the same transaction.

    The check looks at the row as stored, so a write that lands outside the user's subtrees
    (wherever the service put it) rolls back entirely and answers 404.
    """
    with transaction.atomic():
        obj = write()
        if not model.objects.restrict(user, action).filter(pk=obj.pk).exists():
            raise NotFound()
    return obj


def paginate(queryset: QuerySet, page: PageQuery) -> dict[str, Any]:
    """``{count, items}`` with LIMIT/OFFSET in the database."""
    return {
        "count": queryset.count(),
        "items": list(queryset[page.offset : page.offset + page.limit]),
    }


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def payload_data(payload: Schema, *, exclude_unset: bool = False, omit: tuple[str, ...] = ()):
    """The fields of a request body as plain values (enums to their codes) for a service."""
    data = {}
    for name in payload.model_fields_set if exclude_unset else type(payload).model_fields:
        if name not in omit:
            data[name] = _plain(getattr(payload, name))
    return data
