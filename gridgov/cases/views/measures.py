"""办理统计: the measures of residents' matters for a place and a period, per child place, and
what is overdue with whom (DOMAIN §4: 小事不出网、大事不出村、件件有回音)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gridgov.accounts.permissions import VIEW
from gridgov.core.pages import page_view, paginate
from gridgov.grid.pages import FILTER_LEVELS, grid_crumbs, scope_nodes, scoped_node, top_node

from ..forms import MeasuresForm
from ..selectors import matter_measures, overdue_list


@page_view
def matter_measures_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    nodes = scope_nodes(user, VIEW, FILTER_LEVELS)
    form = MeasuresForm(request.GET or None, nodes=nodes)
    code = request.GET.get("node", "")
    node = scoped_node(user, code) if code else top_node(user, nodes)
    if node is None:
        if code:
            raise Http404  # a place the user may not see: no hint that it exists
        return render(request, "cases/measures.html", {"form": form, "nav": "measures"})
    first, last = form.dates()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    measures = matter_measures(user, node=node, start=start, end=end)
    overdue = overdue_list(user, node=node.code).select_related("grid_node")
    field = form.fields["node"]
    if node.code not in {n.code for n in nodes}:  # a group or micro-grid reached by a link
        field.widget.choices = [*field.widget.choices, (node.code, node.name)]
    field.initial = node.code
    return render(
        request,
        "cases/measures.html",
        {
            "form": form,
            "node": node,
            "crumbs": grid_crumbs(user, node),
            "first": first,
            "last": last,
            "measures": measures,
            "overdue_page": paginate(request, overdue),
            "now": timezone.now(),
            "nav": "measures",
        },
    )
