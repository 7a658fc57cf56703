"""The village affairs supervision committee's page (村务监督委员会): the stages held that wait for
its review, and its objections with the two committees' answers, overdue answers marked.

A member reviews a stage on the matter's page (``decision_act`` review); the two committees
answer there too."""

from __future__ import annotations

from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.permissions import VIEW
from gridgov.core.pages import page_view, paginate
from gridgov.core.scoping import may_anywhere

from ..models import Review, ReviewVerdict, Stage
from ..permissions import MANAGE_MATTERS, SUPERVISE_MATTERS
from ..reviews import answer_overdue
from .matters import awaiting_review

AWAITING_ROWS = 50


@page_view
def reviews(request: HttpRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    awaiting: list[Stage] = []
    awaiting_total = 0
    may_supervise = may_anywhere(user, SUPERVISE_MATTERS)
    if may_supervise:
        pending = awaiting_review(Stage.objects.restrict(user, SUPERVISE_MATTERS))
        awaiting = list(pending[:AWAITING_ROWS])
        awaiting_total = len(awaiting) if len(awaiting) < AWAITING_ROWS else pending.count()
    state = request.GET.get("state", "")
    objections: QuerySet[Review] = (
        Review.objects.restrict(user, VIEW)
        .filter(verdict=ReviewVerdict.OBJECTION)
        .select_related("stage", "stage__matter", "by", "answered_by")
    )
    if state == "open":
        objections = objections.filter(answered_at__isnull=True)
    elif state == "overdue":
        objections = objections.filter(answered_at__isnull=True, answer_due__lt=today)
    elif state == "answered":
        objections = objections.filter(answered_at__isnull=False)
    else:
        state = ""
    objections = objections.order_by(
        F("answered_at").asc(nulls_first=True), "answer_due", "-at", "-id"
    )
    page = paginate(request, objections)
    rows = [(review, answer_overdue(review, today)) for review in page.object_list]
    overdue = (
        Review.objects.restrict(user, VIEW)
        .filter(verdict=ReviewVerdict.OBJECTION, answered_at__isnull=True, answer_due__lt=today)
        .count()
    )
    return render(
        request,
        "decisions/reviews.html",
        {
            "nav": "decisions",
            "may_supervise": may_supervise,
            "may_answer": may_anywhere(user, MANAGE_MATTERS),
            "awaiting": awaiting,
            "awaiting_total": awaiting_total,
            "page": page,
            "rows": rows,
            "state": state,
            "overdue": overdue,
            "states": [
                ("", _("全部")),
                ("open", _("待答复")),
                ("overdue", _("逾期未答复")),
                ("answered", _("已答复")),
            ],
        },
    )
