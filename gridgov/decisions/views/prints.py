"""Printing a meeting's minutes and a notice for the village board, and recording that a printed
notice was put up (张贴). Included by ``decisions/urls.py`` (``print_urls``), so the names are
``web:…``.

Minutes are read with ``view`` on the meeting's place; a notice is printed and its posting
recorded with ``manage_matters`` on the notice's place. Anything out of the user's scope is a
404; a notice the user sees but may not print is a 403 naming the permission (as the app's
other pages do).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.cases.forms import add_service_errors
from gridgov.core.audit import audit_record
from gridgov.core.models import PrintedDocument
from gridgov.core.pages import FILTER_ID_MAX, page_view
from gridgov.core.printing import PDF_CONTENT_TYPE
from gridgov.core.scoping import get_scoped_or_404
from gridgov.core.verify import PHOTO_MAX_BYTES, document_post, short_hash, verify_path

from ..models import Meeting, MeetingStatus, Notice
from ..permissions import MANAGE_MATTERS
from ..printing import NOTICE_KIND, minutes_pdf, notice_print
from .matters import forbidden

# The print page lists this many earlier prints of a notice (newest first).
PRINTS_LISTED = 50


def site_of(request: HttpRequest) -> str:
    """Where a notice's QR code points: GRIDGOV_PUBLIC_URL, else this server as the request
    reached it."""
    return str(getattr(settings, "GRIDGOV_PUBLIC_URL", "") or "").rstrip(
        "/"
    ) or request.build_absolute_uri("/").rstrip("/")


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    """A PDF as a download (UTF-8 filename), never cached."""
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(f'{filename}-{stamp}.pdf')}"
    )
    response["Cache-Control"] = "no-store"
    return response


def _check_id(pk: int) -> None:
    """An id no database row can have is a 404 (SQLite raises on a larger integer)."""
    if not 0 < pk <= FILTER_ID_MAX:
        raise Http404


# -- Minutes -----------------------------------------------------------------------------------


@page_view
@require_safe
def decision_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The minutes of a recorded meeting as a PDF; its printing is audited (they name people)."""
    _check_id(pk)
    meeting = get_scoped_or_404(
        Meeting.objects.select_related("stage__matter"), request.user, VIEW, pk=pk
    )
    if meeting.status != MeetingStatus.CLOSED:
        raise Http404
    printed = minutes_pdf(meeting)
    # The request's actor (its user) is in the audit context (core.middleware).
    audit_record(
        action="print",
        instance=meeting,
        object_type="decisions.minutes",
        after={"kind": "minutes", "pages": printed.pages},
    )
    return pdf_response(printed.pdf, f"{meeting.stage.matter.number}-{_('会议记录')}")


# -- Notices -----------------------------------------------------------------------------------


class PostingForm(forms.Form):
    """Where a printed notice was put up, and a photo of it there; the time is the server's."""

    place = forms.CharField(
        label=gettext_lazy("张贴地点"),
        max_length=100,
        error_messages={"required": gettext_lazy("请填写张贴地点")},
    )
    photo = forms.FileField(
        label=gettext_lazy("张贴照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


def _notice(request: HttpRequest, pk: int) -> Notice:
    """The notice if the user sees it (else 404)."""
    _check_id(pk)
    return get_scoped_or_404(
        Notice.objects.select_related("node", "matter"), request.user, VIEW, pk=pk
    )


def _may_print(request: HttpRequest, notice: Notice) -> bool:
    return user_may(request.user, MANAGE_MATTERS, notice.grid_path)


def _prints_of(notice: Notice) -> list[PrintedDocument]:
    return list(
        PrintedDocument.objects.filter(kind=NOTICE_KIND, object_ref=str(notice.pk))
        .select_related("printed_by")
        .prefetch_related("postings")
        .order_by("-printed_at", "-id")[:PRINTS_LISTED]
    )


def _print_page(
    request: HttpRequest, notice: Notice, form: PostingForm | None = None, status: int = 200
) -> HttpResponse:
    prints = _prints_of(notice)
    site = site_of(request)
    rows: list[dict[str, Any]] = [
        {
            "doc": doc,
            "short": short_hash(doc.text_hash),
            "verify_url": f"{site}{verify_path(doc)}",
            "postings": list(doc.postings.all()),
        }
        for doc in prints
    ]
    return render(
        request,
        "decisions/print/notice_print.html",
        {
            "notice": notice,
            "prints": rows,
            "form": form or PostingForm(),
            "photo_max_mb": PHOTO_MAX_BYTES // (1024 * 1024),
            "nav": "decisions",
        },
        status=status,
    )


@page_view
@never_cache
@require_safe
def decision_notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice's print page: print it (each print is recorded, with its verify link), the
    earlier prints and their postings, and recording a posting of the latest print."""
    notice = _notice(request, pk)
    if not _may_print(request, notice):
        return forbidden(request, MANAGE_MATTERS)
    return _print_page(request, notice)


@page_view
@require_http_methods(["GET", "HEAD", "POST"])
def decision_notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Print a notice (POST: every print is an audited act with its own verify link); a link
    (GET) opens the print page, where the button posts here."""
    notice = _notice(request, pk)
    if not _may_print(request, notice):
        return forbidden(request, MANAGE_MATTERS)
    if request.method != "POST":
        return redirect("web:decision_notice_print", pk=notice.pk)
    try:
        _doc, printed = notice_print(notice=notice, by=request.user, base=site_of(request))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("web:decision_notice_print", pk=notice.pk)
    return pdf_response(printed.pdf, notice.title[:60])


@page_view
@require_POST
def decision_notice_posting(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the latest print of a notice was put up, where, with an optional photo; the
    time is the server's."""
    notice = _notice(request, pk)
    if not _may_print(request, notice):
        return forbidden(request, MANAGE_MATTERS)
    form = PostingForm(request.POST, request.FILES)
    latest = (
        PrintedDocument.objects.filter(kind=NOTICE_KIND, object_ref=str(notice.pk))
        .order_by("-printed_at", "-id")
        .first()
    )
    if latest is None:
        form.is_valid()
        form.add_error(None, _("请先打印公告，再登记张贴"))
        return _print_page(request, notice, form, status=400)
    if not form.is_valid():
        return _print_page(request, notice, form, status=400)
    try:
        document_post(
            document=latest,
            place=form.cleaned_data["place"],
            photo=form.cleaned_data.get("photo"),
            by=request.user,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _print_page(request, notice, form, status=400)
    messages.success(request, _("已登记张贴"))
    return redirect("web:decision_notice_print", pk=notice.pk)
