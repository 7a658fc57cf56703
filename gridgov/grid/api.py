"""Grid nodes (网格节点): /grid-nodes/, addressed by code.

Mounted by ``gridgov.api.router`` (authentication, error bodies and the acting user come from
there). Reads need "view" on the node; creating and editing need "manage_grid" at the node (the
role table in gridgov/accounts/roles.py gives it to county admins and town cadres). The actions
are named by their strings: grid sits below accounts and does not import its role table.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    auth_user,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)
from gridgov.core.scoping import subtree_q

from .models import GridNode
from .schemas import (
    GridNodeCreate,
    GridNodeDetail,
    GridNodePage,
    GridNodeQuery,
    GridNodeUpdate,
)
from .selectors import children_with_counts, subtree_counts
from .services import grid_node_create, grid_node_update

router = Router(tags=["网格"])


def node_label(code: str) -> str:
    return _("网格%(c)s") % {"c": code}


def with_counts(nodes: list[GridNode]) -> list[GridNode]:
    """Attach subtree counts: one grouped query per code length present (at most five)."""
    by_length: dict[int, list[str]] = defaultdict(list)
    for node in nodes:
        by_length[len(node.code)].append(node.code)
    counts = {}
    for codes in by_length.values():
        counts.update(subtree_counts(codes))
    for node in nodes:
        node.counts = counts[node.code]  # type: ignore[attr-defined]  # read by GridNodeOut
    return nodes


def node_detail(node: GridNode) -> GridNode:
    node = GridNode.objects.get(pk=node.pk)
    with_counts([node])
    children = []
    for child, counts in children_with_counts(node):
        child.counts = counts  # type: ignore[attr-defined]  # read by GridNodeOut
        children.append(child)
    node.children_list = children  # type: ignore[attr-defined]  # read by GridNodeDetail
    return node


@router.get("/", response={200: GridNodePage, **ERRORS_READ}, summary="网格节点列表")
def list_grid_nodes(request: HttpRequest, query: Query[GridNodeQuery]) -> dict[str, Any]:
    """Nodes the user may see, by code; ``under`` limits to a subtree."""
    user = auth_user(request)
    qs = GridNode.objects.restrict(user, "view")
    if query.under:
        qs = qs.within(query.under)
    if query.level:
        qs = qs.filter(level=query.level.value)
    if query.parent:
        qs = qs.filter(parent__code=query.parent)
    if q := query.q.strip():
        match = Q(name__contains=q)
        if q.isdigit():
            match |= subtree_q("code", q)
        qs = qs.filter(match)
    page = paginate(qs.order_by("code"), query)
    with_counts(page["items"])
    return page


@router.get("/{code}", response={200: GridNodeDetail, **ERRORS_READ}, summary="网格节点详情")
def get_grid_node(request: HttpRequest, code: str) -> GridNode:
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, what=node_label(code), code=code)
    return node_detail(node)


@router.post("/", response={201: GridNodeDetail, **ERRORS_WRITE}, summary="新增网格节点")
def create_grid_node(request: HttpRequest, payload: GridNodeCreate) -> Status[GridNode]:
    user = auth_user(request)
    parent = None
    if payload.parent:
        parent = get_visible(
            GridNode.objects, user, what=node_label(payload.parent), code=payload.parent
        )
    data = payload_data(payload, omit=("parent",))
    node = scoped_write(
        user, GridNode, "manage_grid", lambda: grid_node_create(parent=parent, **data, by=user)
    )
    return Status(201, node_detail(node))


@router.patch("/{code}", response={200: GridNodeDetail, **ERRORS_WRITE}, summary="修改网格节点")
def update_grid_node(request: HttpRequest, code: str, payload: GridNodeUpdate) -> GridNode:
    """Name, boundary and point; codes are identities (a re-division is an import)."""
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, "manage_grid", what=node_label(code), code=code)
    data = payload_data(payload, exclude_unset=True)
    node = scoped_write(
        user, GridNode, "manage_grid", lambda: grid_node_update(node=node, data=data, by=user)
    )
    return node_detail(node)
