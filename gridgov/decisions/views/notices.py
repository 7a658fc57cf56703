"""Notices (两公开, 村务公开): the list of the villages' notices, and publishing one: a matter's
decision or result (``?matter=&kind=``, its place and kind fixed by the matter), or an ordinary
or financial disclosure of a village the user chooses.

A notice holding an ID, a phone number, a bank account or health data is refused by the service
with the field named; the error shows on that field."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.cases.forms import add_service_errors
from gridgov.core.pages import page_view, paginate
from gridgov.core.rules import rule_value
from gridgov.core.scoping import get_scoped_or_404, may_anywhere
from gridgov.grid.models import GridLevel, GridNode
from gridgov.grid.pages import FILTER_LEVELS, grid_crumbs, scope_nodes, scoped_node

from ..forms import NoticeFilterForm, NoticeForm
from ..models import Matter, Notice, NoticeKind, StageKind
from ..notices import decision_meetings, notice_publish
from ..permissions import MANAGE_MATTERS
from ..rolls import village_of
from ..rules import NOTICE_DAYS
from ..selectors import notice_list
from ..stages import current_stage
from .matters import MATTER_READ, MAX_PLACES, forbidden, may_print


@page_view
def notices(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = NoticeFilterForm(request.GET, nodes=scope_nodes(user, VIEW, FILTER_LEVELS))
    under = form.value("under")
    node = scoped_node(user, under) if under else None
    if node is not None:
        form.show_node(node)
    queryset: QuerySet[Notice]
    if under and node is None:
        queryset = Notice.objects.none()
    else:
        queryset = notice_list(
            Notice.objects.restrict(user, VIEW), under=under, kind=form.value("kind")
        )
    return render(
        request,
        "decisions/notices.html",
        {
            "nav": "decisions",
            "form": form,
            "under_node": node,
            "page": paginate(request, queryset.select_related("published_by")),
            "may_publish": may_anywhere(user, MANAGE_MATTERS),
            "notice_pdf": may_print("web:decision_notice_print"),
        },
    )


def _draft(matter: Matter, kind: str) -> dict[str, Any]:
    """A first text of a matter's notice, for the cadre to complete (the meetings, counts and
    citations are added to the public text by ``notices.notice_text``)."""
    if kind == NoticeKind.RESULT:
        return {
            "title": _("关于%(title)s的实施结果公开") % {"title": matter.title},
            "body": matter.result_text,
        }
    held = decision_meetings(matter)
    last = held[-1] if held else None
    body = matter.description
    if last is not None:
        body = _("经%(body)s于%(date)s表决通过：%(text)s") % {
            "body": last.get_body_display(),
            "date": f"{timezone.localtime(last.held_at):%Y-%m-%d}",
            "text": matter.description or matter.title,
        }
    return {"title": _("关于%(title)s的决议公开") % {"title": matter.title}, "body": body}


@page_view
def notice_new(request: HttpRequest) -> HttpResponse:
    """Publish a notice: ``?matter=<pk>&kind=decision|result`` for a matter's, else an ordinary
    or financial one of a village the user may manage."""
    user = request.user
    raw = (request.POST.get("matter") or request.GET.get("matter") or "")[:20]
    matter: Matter | None = None
    not_now = ""
    if raw:
        if not raw.isdigit():
            raise Http404
        matter = get_scoped_or_404(MATTER_READ, user, VIEW, pk=int(raw))
        if not user_may(user, MANAGE_MATTERS, matter.grid_path):
            return forbidden(request, MANAGE_MATTERS)
        kind = (request.POST.get("kind") or request.GET.get("kind") or "")[:12]
        if kind not in (NoticeKind.DECISION, NoticeKind.RESULT):
            kind = NoticeKind.DECISION
        wanted = (
            StageKind.DECISION_NOTICE if kind == NoticeKind.DECISION else StageKind.RESULT_NOTICE
        )
        stage = current_stage(matter)
        if stage is None or stage.kind != wanted:
            not_now = _("须按程序顺序公开：当前环节是“%(current)s”") % {
                "current": stage.get_kind_display() if stage else _("已全部完成")
            }
        villages: list[GridNode] = [village_of(matter.node)]
        kinds: list[str] = [kind]
        initial: dict[str, Any] = {"node": villages[0].code, "kind": kind}
        initial.update(_draft(matter, kind))
    else:
        villages = list(
            GridNode.objects.restrict(user, MANAGE_MATTERS)
            .filter(level=GridLevel.VILLAGE)
            .only("code", "name", "level")
            .order_by("code")[:MAX_PLACES]
        )
        if not villages:
            raise Http404
        kinds = [NoticeKind.ORDINARY, NoticeKind.FINANCE]
        initial = {"kind": (request.GET.get("kind") or NoticeKind.ORDINARY)[:12]}
        if len(villages) == 1:
            initial["node"] = villages[0].code
    initial["period_days"] = rule_value(NOTICE_DAYS)
    data = request.POST if request.method == "POST" else None
    form = NoticeForm(data, villages=villages, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        try:
            notice = notice_publish(
                node=matter.node if matter is not None else cd["node"],
                kind=cd["kind"],
                title=cd["title"],
                body=cd["body"],
                matter=matter,
                major=cd.get("major", True),
                period_days=cd["period_days"],
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已发布“%(title)s”，公示至%(until)s")
                % {"title": notice.title, "until": notice.objection_until},
            )
            if matter is not None:
                return redirect("web:decision", pk=matter.pk)
            return redirect("web:decision_notices")
    return render(
        request,
        "decisions/notice_new.html",
        {
            "nav": "decisions",
            "form": form,
            "matter": matter,
            "not_now": not_now,
            "crumbs": grid_crumbs(user, matter.node) if matter is not None else [],
        },
        status=400 if form.errors else 200,
    )
