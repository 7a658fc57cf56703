"""The public page a printed notice's QR code opens (``/p/v/<uid>/<short>/``, no sign-in).

It shows the text as printed and whether the record still says it. A link that names no
printed document, or whose hash does not match, gets one and the same 404 page, whatever the
reason, so the page tells nobody which ids exist. No name of who printed or posted is shown.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .verify import UNKNOWN, VerifyOutcome, document_check, short_hash

STATUS_CODES = {"matches": 200, "changed": 200, "withdrawn": 410, "unknown": 404}


def _answer(request: HttpRequest, outcome: VerifyOutcome) -> HttpResponse:
    """The page of an outcome; nothing in an "unknown" page depends on what was asked."""
    doc = outcome.document
    context = {
        "status": outcome.status,
        "doc": doc,
        "short_hash": short_hash(doc.text_hash) if doc is not None else "",
        "current_text": outcome.current_text,
    }
    response = render(request, "core/verify.html", context, status=STATUS_CODES[outcome.status])
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_safe
def verify_page(request: HttpRequest, uid: str, short: str) -> HttpResponse:
    """What a printed notice's QR code opens."""
    return _answer(request, document_check(uid, short))


@never_cache
@require_safe
def verify_unknown(request: HttpRequest) -> HttpResponse:
    """Any other path under /p/v/: the page of an unknown link."""
    return _answer(request, UNKNOWN)
