"""Helpers shared by the pages: sign-in, breadcrumbs, scoped `under` filters, paging, exports."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.accounts.rules import REVEAL_REASON_MIN_CHARS
from gridgov.core.audit import audit_record
from gridgov.core.rules import rule_value
from gridgov.core.scoping import collapse_paths, in_scope, scope_paths
from gridgov.dataio.exports import is_personal
from gridgov.grid.models import CODE_LENGTH, GridLevel, GridNode
from gridgov.grid.selectors import NodeCounts, subtree_counts, visible_roots

PER_PAGE = 50
EXPORT_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
GRID_CODE_LENGTHS = frozenset(CODE_LENGTH.values())
# Filters on dates outside these bounds mean nothing here, and at the calendar's ends (0001-01-01,
# 9999-12-31) turning a local day into a UTC range overflows Python's datetime.
FILTER_DATE_MIN = dt.date(1900, 1, 1)
FILTER_DATE_MAX = dt.date(2999, 12, 31)
# Ids are 64-bit signed in every database we run on; SQLite raises on a larger Python int.
FILTER_ID_MAX = 2**63 - 1


class FilterDateField(forms.DateField):
    """A date filter within FILTER_DATE_MIN..FILTER_DATE_MAX: outside it, a form error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
            raise forms.ValidationError(
                gettext_lazy("日期须在%(min)s至%(max)s之间"),
                code="out_of_range",
                params={"min": FILTER_DATE_MIN.isoformat(), "max": FILTER_DATE_MAX.isoformat()},
            )


class FilterIdField(forms.IntegerField):
    """A database id filter: 1..FILTER_ID_MAX, else a form error (never an overflow)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", FILTER_ID_MAX)
        super().__init__(**kwargs)


def page_view(view: Callable[..., Any]) -> Callable[..., Any]:
    """Every page needs a signed-in user; anonymous visitors go to the sign-in page."""
    return login_required(view)


@dataclass(frozen=True)
class Crumb:
    code: str
    name: str
    level: str
    linked: bool  # False above the user's scope: shown as context, not as a link that 404s

    @property
    def level_label(self) -> str:
        return GridLevel(self.level).label if self.level in GridLevel.values else ""


def grid_crumbs(user: Any, node: GridNode) -> list[Crumb]:
    """The node's grid path, root first, the node itself last: one query for the ancestors."""
    codes = node.ancestor_codes()
    found = {
        n.code: n for n in GridNode.objects.filter(code__in=codes).only("code", "name", "level")
    }
    paths = scope_paths(user, "view")
    crumbs = [
        Crumb(code, found[code].name, found[code].level, in_scope(code, paths))
        for code in codes
        if code in found
    ]
    crumbs.append(Crumb(node.code, node.name, node.level, True))
    return crumbs


def scoped_node(user: Any, code: str) -> GridNode | None:
    """The node with this code if the user may see it, else None (no hint that it exists)."""
    code = (code or "").strip()
    if not code or len(code) not in GRID_CODE_LENGTHS or not code.isdigit():
        return None
    return GridNode.objects.restrict(user, "view").filter(code=code).first()


def may_anywhere(user: Any, action: str) -> bool:
    paths = scope_paths(user, action)
    return paths is None or bool(paths)


def scope_totals(user: Any, under: GridNode | None) -> NodeCounts:
    """Cached subtree counts for the user's whole scope, or for one node in it.

    Lists filtered only by place take their total from here: counting a county's million rows
    on every page view is what these counters exist to avoid.
    """
    if under is not None:
        return subtree_counts([under.code])[under.code]
    codes = [n.code for n in visible_roots(user)]
    by_length: dict[int, list[str]] = defaultdict(list)
    for code in collapse_paths(codes):
        by_length[len(code)].append(code)
    total = NodeCounts()
    for same_level in by_length.values():
        for counts in subtree_counts(same_level).values():
            total.households += counts.households
            total.persons += counts.persons
            total.party_members += counts.party_members
            total.organizations += counts.organizations
    return total


class CountedPaginator(Paginator):
    """A paginator that may be told its total instead of running COUNT(*)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property


def paginate(request: HttpRequest, queryset: QuerySet, *, count: int | None = None) -> Page:
    """The asked-for page; a missing, odd or out-of-range number gives the first or last page."""
    paginator = CountedPaginator(queryset, PER_PAGE, count=count)
    number = (request.GET.get("page") or "")[:20]  # longer is no page number; keep int() cheap
    return paginator.get_page(number)


def export_response(
    request: HttpRequest, *, kind: str, queryset: QuerySet, filename: str
) -> HttpResponse:
    """Export the list's own filtered queryset, narrowed to where the user may export.

    IDs and phones are masked; a POST with ``reveal=1`` and a reason writes them in full, for
    the rows the user may also reveal (the file says so, and the export is audited with its
    reason).
    """
    from gridgov.dataio.exports import export_to

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
