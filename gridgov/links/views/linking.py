"""The link register's pages: coverage of a place (联户覆盖) and a linker's own households."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gridgov.accounts.permissions import VIEW
from gridgov.cases.views.matters import FILTER_LEVELS, scope_nodes
from gridgov.cases.views.measures import top_node
from gridgov.core.pages import page_view
from gridgov.grid.pages import grid_crumbs, scoped_node

from ..selectors import coverage, linker_of_user, my_households


@page_view
def links_home(request: HttpRequest) -> HttpResponse:
    """Coverage of the chosen place (the user's own top place by default), and for a linker
    the households linked to them."""
    user = request.user
    code = request.GET.get("node", "")
    node = (
        scoped_node(user, code) if code else top_node(user, scope_nodes(user, VIEW, FILTER_LEVELS))
    )
    if node is None and code:
        raise Http404
    linker = linker_of_user(user)
    return render(
        request,
        "links/home.html",
        {
            "nav": "links",
            "node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "coverage": coverage(node) if node else None,
            "linker": linker,
            "mine": my_households(user)[:200] if linker else [],
        },
    )
