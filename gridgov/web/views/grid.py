"""The grid as a navigable tree: the user's roots, node pages, and children loaded inline."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from gridgov.core.pages import page_view
from gridgov.core.scoping import get_scoped_or_404
from gridgov.grid.models import GridLevel, GridNode
from gridgov.grid.pages import grid_crumbs
from gridgov.grid.selectors import children_with_counts, subtree_counts, visible_roots
from gridgov.orgs.models import GovernanceBody, GridPost, PartyOrganization
from gridgov.orgs.selectors import org_totals
from gridgov.people.models import Household

NODE_HOUSEHOLDS_SHOWN = 50


@page_view
def home(request: HttpRequest) -> HttpResponse:
    roots = visible_roots(request.user)
    counts = {}
    for length in {len(n.code) for n in roots}:
        counts.update(subtree_counts([n.code for n in roots if len(n.code) == length]))
    rows = [(n, counts[n.code]) for n in roots]
    return render(request, "web/home.html", {"rows": rows, "nav": "grid"})


@page_view
def node_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    node = get_scoped_or_404(GridNode.objects.all(), user, code=code)
    children = children_with_counts(node)
    households = None
    if node.level == GridLevel.MICROGRID:
        households = list(
            Household.objects.restrict(user)
            .filter(microgrid=node)
            .with_head()
            .order_by("number")[: NODE_HOUSEHOLDS_SHOWN + 1]
        )
    context = {
        "node": node,
        "crumbs": grid_crumbs(user, node),
        "children": children,
        "totals": subtree_counts([node.code])[node.code],
        "posts": list(
            GridPost.objects.restrict(user)
            .filter(node=node)
            .select_related("person")
            .order_by("kind", "start_on")
        ),
        "orgs": _orgs_with_totals(user, node),
        "bodies": list(GovernanceBody.objects.restrict(user).filter(node=node).order_by("kind")),
        "households": households[:NODE_HOUSEHOLDS_SHOWN] if households is not None else None,
        "households_more": households is not None and len(households) > NODE_HOUSEHOLDS_SHOWN,
        "map_data": _map_data(node, [c for c, _counts in children]),
        "tile_url": getattr(settings, "TILE_URL", ""),
        "nav": "grid",
    }
    return render(request, "web/node.html", context)


@page_view
def node_children(request: HttpRequest, code: str) -> HttpResponse:
    """The children of a node as a tree fragment, for htmx to expand in place."""
    node = get_scoped_or_404(GridNode.objects.all(), request.user, code=code)
    return render(request, "web/partials/tree_children.html", {"rows": children_with_counts(node)})


def _orgs_with_totals(user, node: GridNode) -> list[tuple[PartyOrganization, int, int]]:
    """The node's own organizations, each with its members including its sub-organizations."""
    subtree = list(PartyOrganization.objects.restrict(user).within(node.code).order_by("code"))
    totals = org_totals(subtree)
    return [(org, *totals[org.pk]) for org in subtree if org.node_id == node.pk]


def _map_data(node: GridNode, children: list[GridNode]) -> dict | None:
    """GeoJSON for the small map: the node's boundary and its children's, when they exist."""
    features = []
    for item, role in [(node, "self"), *((c, "child") for c in children)]:
        properties = {
            "name": item.name,
            "code": item.code,
            "role": role,
            "url": reverse("web:node", args=[item.code]) if role == "child" else "",
        }
        features.extend(
            {"type": "Feature", "geometry": geometry, "properties": properties}
            for geometry in _geometries(item.boundary)
        )
    if not features:
        return None
    return {"type": "FeatureCollection", "features": features}


def _geometries(boundary: object) -> list[dict]:
    """Boundaries are stored as a geometry, a Feature or a FeatureCollection; take them all."""
    if not isinstance(boundary, dict):
        return []
    kind = boundary.get("type")
    if kind == "FeatureCollection":
        return [g for f in boundary.get("features", []) for g in _geometries(f)]
    if kind == "Feature":
        return _geometries(boundary.get("geometry"))
    if kind in {"Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point"}:
        return [boundary]
    return []
