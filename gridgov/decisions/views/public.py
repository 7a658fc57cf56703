"""A village's public board online (村务公开栏), under /p/board/: no sign-in.

It lists the village's notices by date, filtered by kind, paged in the database, and shows each
notice's public text (``notice_text``), which names no person and holds no ID, phone, account or
health data. A code that names no village, a notice of another village and a malformed path all
get one and the same 404 page, never a 500.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gridgov.core.pages import paginate
from gridgov.grid.models import CODE_LENGTH, GridLevel, GridNode

from ..models import Notice, NoticeKind
from ..notices import notice_text
from ..selectors import notice_list

_VILLAGE_CODE = re.compile(rf"[0-9]{{{CODE_LENGTH[GridLevel.VILLAGE]}}}")
_NOTICE_PK = re.compile(r"[1-9][0-9]{0,17}")


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    """The one page of anything the board does not have; it depends on nothing asked."""
    return _public(render(request, "decisions/public/unknown.html", status=404))


def _village(code: str) -> GridNode | None:
    if not _VILLAGE_CODE.fullmatch(code):
        return None
    return (
        GridNode.objects.filter(code=code, level=GridLevel.VILLAGE)
        .only("code", "name", "level")
        .first()
    )


@never_cache
@require_safe
def board_village(request: HttpRequest, code: str) -> HttpResponse:
    """A village's notices, newest first, by kind (``?kind=``), 50 a page."""
    village = _village(code)
    if village is None:
        return _not_found(request)
    kind = (request.GET.get("kind") or "")[:20]
    if kind not in NoticeKind.values:
        kind = ""
    notices = notice_list(Notice.objects.filter(node_id=village.pk), kind=kind).only(
        "id",
        "kind",
        "title",
        "published_at",
        "period_days",
        "objection_until",
        "node_id",
        "matter_id",
        "node__code",
        "node__name",
        "matter__number",
    )
    page = paginate(request, notices)
    return _public(
        render(
            request,
            "decisions/public/village.html",
            {
                "village": village,
                "page": page,
                "kind": kind,
                "kinds": NoticeKind.choices,
                "today": timezone.localdate(),
            },
        )
    )


@never_cache
@require_safe
def board_notice(request: HttpRequest, code: str, pk: str) -> HttpResponse:
    """One notice of the village: its public text and its dates."""
    village = _village(code)
    if village is None or not _NOTICE_PK.fullmatch(pk):
        return _not_found(request)
    notice = (
        Notice.objects.select_related("node", "matter")
        .filter(pk=int(pk), node_id=village.pk)
        .first()
    )
    if notice is None:
        return _not_found(request)
    return _public(
        render(
            request,
            "decisions/public/notice.html",
            {
                "village": village,
                "notice": notice,
                "text": notice_text(notice),
                "today": timezone.localdate(),
            },
        )
    )


@never_cache
@require_safe
def board_unknown(request: HttpRequest) -> HttpResponse:
    """Any other path under /p/board/."""
    return _not_found(request)
