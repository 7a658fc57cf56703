"""One search box: exact household number, exact citizen ID (by keyed hash), or a name."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gridgov.core.identity import IdentifierError, parse_citizen_id
from gridgov.grid.models import GridNode
from gridgov.orgs.models import PartyOrganization
from gridgov.people.models import Household
from gridgov.people.selectors import person_search

from .common import page_view

SHOWN = 20


def _first(queryset, n: int = SHOWN) -> tuple[list, bool]:
    rows = list(queryset[: n + 1])
    return rows[:n], len(rows) > n


@page_view
def search(request: HttpRequest) -> HttpResponse:
    user = request.user
    q = request.GET.get("q", "").strip()[:100]
    context: dict = {"q": q, "nav": "search"}
    if q:
        try:
            is_citizen_id = bool(parse_citizen_id(q))
        except IdentifierError:
            is_citizen_id = False
        households, households_more = _first(
            Household.objects.restrict(user)
            .filter(number=q)
            .with_head()
            .select_related("microgrid")
        )
        persons, persons_more = _first(
            person_search(user, q).select_related("household").order_by("name", "id")
        )
        if is_citizen_id:
            nodes, nodes_more, orgs, orgs_more = [], False, [], False
        else:
            nodes, nodes_more = _first(
                GridNode.objects.restrict(user)
                .filter(Q(code=q) | Q(name__contains=q))
                .order_by("code")
            )
            orgs, orgs_more = _first(
                PartyOrganization.objects.restrict(user)
                .filter(Q(code=q) | Q(name__contains=q))
                .select_related("node")
                .order_by("grid_path", "code")
            )
        context.update(
            is_citizen_id=is_citizen_id,
            households=households,
            households_more=households_more,
            persons=persons,
            persons_more=persons_more,
            nodes=nodes,
            nodes_more=nodes_more,
            orgs=orgs,
            orgs_more=orgs_more,
            found=bool(households or persons or nodes or orgs),
        )
    return render(request, "web/search.html", context)
