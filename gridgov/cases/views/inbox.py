"""The user's messages (站内消息): newest first, unread in bold, all marked read at once."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.core.pages import page_view, paginate

from ..notify import notifications_read
from ..selectors import inbox as inbox_of
from ..selectors import unread_count


@page_view
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "cases/inbox.html",
        {
            "page": paginate(request, inbox_of(user)),
            "unread": unread_count(user),
            "nav": "inbox",
        },
    )


@page_view
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    changed = notifications_read(user=request.user)
    messages.success(request, _("已将%(n)d条消息标为已读") % {"n": changed})
    return redirect("web:inbox")


@page_view
def inbox_unread(request: HttpRequest) -> HttpResponse:
    """The unread count beside 消息 in the menu, fetched by htmx after the page has loaded
    (so that no page pays a query for it)."""
    return render(request, "cases/unread_badge.html", {"unread": unread_count(request.user)})
