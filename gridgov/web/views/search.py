"""One search box: exact household number, exact citizen ID (by keyed hash), or a name.

The box is a POST form (with the CSRF token): a citizen ID typed into it travels in the body,
never in the URL, so it is in no access log, browser history or Referer. A GET still searches
names and codes (a link can carry them); a GET whose query holds a full citizen ID or phone
number is refused without searching and without repeating the value (``core.urlguard`` refuses
it before any view runs; the same check here keeps the page safe on its own).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from gridgov.core.crypto import mask_citizen_id
from gridgov.core.identity import IdentifierError, parse_citizen_id
from gridgov.core.pages import page_view
from gridgov.core.urlguard import holds_personal_number, refusal_text
from gridgov.grid.models import GridNode
from gridgov.orgs.models import PartyOrganization
from gridgov.people.models import Household
from gridgov.people.selectors import person_search

SHOWN = 20
MAX_QUERY = 100


def _first(queryset, n: int = SHOWN) -> tuple[list, bool]:
    rows = list(queryset[: n + 1])
    return rows[:n], len(rows) > n


@page_view
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    q = data.get("q", "").strip()[:MAX_QUERY]
    context: dict = {"q": q, "nav": "search"}
    if q and request.method == "GET" and holds_personal_number(q):
        # Dropped from the request too, so that no link of the page (the language switch's
        # return address) carries it on.
        request.META["QUERY_STRING"] = ""
        request.GET = QueryDict()
        context.update(q="", refused=refusal_text())
        return render(request, "web/search.html", context, status=400)
    if q:
        context.update(_results(request.user, q))
    return render(request, "web/search.html", context)


def _results(user, q: str) -> dict:
    try:
        number = parse_citizen_id(q).number
    except IdentifierError:
        number = ""
    households, households_more = _first(
        Household.objects.restrict(user).filter(number=q).with_head().select_related("microgrid")
    )
    persons, persons_more = _first(
        person_search(user, q).select_related("household").order_by("name", "id")
    )
    if number:
        nodes, nodes_more, orgs, orgs_more = [], False, [], False
    else:
        nodes, nodes_more = _first(
            GridNode.objects.restrict(user).filter(Q(code=q) | Q(name__contains=q)).order_by("code")
        )
        orgs, orgs_more = _first(
            PartyOrganization.objects.restrict(user)
            .filter(Q(code=q) | Q(name__contains=q))
            .select_related("node")
            .order_by("grid_path", "code")
        )
    personal = bool(number) or holds_personal_number(q)
    return {
        "is_citizen_id": bool(number),
        # What the page says it looked for: a citizen ID masked, like everywhere else.
        "shown_q": mask_citizen_id(number) if number else ("" if personal else q),
        # Only a name goes into a link to the persons list (a URL, so a log line).
        "linkable": not personal,
        "households": households,
        "households_more": households_more,
        "persons": persons,
        "persons_more": persons_more,
        "nodes": nodes,
        "nodes_more": nodes_more,
        "orgs": orgs,
        "orgs_more": orgs_more,
        "found": bool(households or persons or nodes or orgs),
    }
