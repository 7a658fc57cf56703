"""The tail every list page shares: export its own filtered queryset when asked (masked, or in
full with a reason, audited), else render one page of it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.rules import REVEAL_REASON_MIN_CHARS
from gridgov.core.audit import audit_record
from gridgov.core.pages import paginate
from gridgov.core.rules import rule_value
from gridgov.core.scoping import may_anywhere
from gridgov.grid.models import GridNode
from gridgov.grid.pages import grid_crumbs

from .exports import export_to, is_personal

EXPORT_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export_response(
    request: HttpRequest, *, kind: str, queryset: QuerySet, filename: str
) -> HttpResponse:
    """Export the list's own filtered queryset, narrowed to where the user may export.

    IDs and phones are masked; a POST with ``reveal=1`` and a reason writes them in full, for
    the rows the user may also reveal (the file says so, and the export is audited with its
    reason).
    """
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    fmt = export_format(request)
    reveal = request.method == "POST" and data.get("reveal") == "1"
    reason = ""
    queryset = queryset.restrict(user, "export")
    if reveal:
        if not is_personal(kind) or not may_anywhere(user, "reveal"):
            raise Http404
        reason = " ".join(data.get("reason", "").split())[:200]
        if len(reason) < rule_value(REVEAL_REASON_MIN_CHARS):
            messages.error(
                request,
                _("导出完整信息须写明事由（至少%(n)d个字）")
                % {"n": rule_value(REVEAL_REASON_MIN_CHARS)},
            )
            return redirect(request.get_full_path())
        queryset = queryset.restrict(user, "reveal")
    return export_file(
        request,
        object_type=kind,
        filename=filename,
        fmt=fmt,
        write=lambda stream: export_to(
            stream, kind=kind, queryset=queryset, fmt=fmt, reveal=reveal
        ),
        audited={"full": True, "reason": reason} if reveal else None,
    )


def export_format(request: HttpRequest) -> str:
    """The format asked for; 404 for an unknown one, or for a user who may export nowhere."""
    data = request.POST if request.method == "POST" else request.GET
    fmt = data.get("format", "")
    if fmt not in EXPORT_FORMATS or not may_anywhere(request.user, "export"):
        raise Http404
    return fmt


def export_file(
    request: HttpRequest,
    *,
    object_type: str,
    filename: str,
    fmt: str,
    write: Callable[[BinaryIO], int],
    audited: dict[str, Any] | None = None,
) -> FileResponse:
    """Send what ``write`` writes (it returns the rows written), and audit the export with the
    list's filters. Written to a temporary file first: a county's list does not fit comfortably
    in memory, and the XLSX writer needs a seekable stream."""
    # FileResponse closes the file when the response has been sent; close it here on failure.
    stream = tempfile.TemporaryFile(dir=_tmp_dir())  # noqa: SIM115
    try:
        rows = write(stream)
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    after = {"rows": rows, "format": fmt, "filters": _filters(request), **(audited or {})}
    audit_record(action="export", object_type=object_type, object_repr=filename, after=after)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{filename}-{stamp}.{fmt}",
        content_type=EXPORT_FORMATS[fmt],
    )


def _filters(request: HttpRequest) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if k not in {"format", "page"} and v}


def _tmp_dir() -> str:
    path = settings.VAR_DIR / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def wants_export(request: HttpRequest) -> bool:
    return "format" in request.GET or (request.method == "POST" and "format" in request.POST)


def list_page(
    request: HttpRequest,
    *,
    template: str,
    form: Any,
    node: GridNode | None,
    queryset: QuerySet,
    kind: str,
    filename: str,
    nav: str,
    filtered: bool,
    count: int | None = None,
) -> HttpResponse:
    """The shared tail of every list page: export when asked, else one paginated page."""
    if wants_export(request):
        return export_response(request, kind=kind, queryset=queryset, filename=filename)
    user = request.user
    return render(
        request,
        template,
        {
            "form": form,
            "under_node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "page": paginate(request, queryset, count=count),
            "may_export": may_anywhere(user, "export"),
            "may_export_full": may_anywhere(user, "export")
            and may_anywhere(user, "reveal")
            and is_personal(kind),
            "filtered": filtered,
            "nav": nav,
        },
    )
