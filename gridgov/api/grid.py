"""Grid nodes (网格节点): /grid-nodes/, addressed by code.

Reads need "view" on the node; creating and editing need "manage_grid" at the node (the role
table in gridgov/accounts/roles.py gives it to county admins and town cadres).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.roles import Action
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)
from gridgov.core.scoping import subtree_q
from gridgov.grid.models import GridNode
from gridgov.grid.selectors import children_with_counts, subtree_counts
from gridgov.grid.services import grid_node_create, grid_node_update

from .auth import auth_user
from .schemas.grid import (
    GridNodeCreate,
    GridNodeDetail,
    GridNodePage,
    GridNodeQuery,
    GridNodeUpdate,
)

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
        node.counts = counts[node.code]
    return nodes


def node_detail(node: GridNode) -> GridNode:
    node = GridNode.objects.get(pk=node.pk)
    with_counts([node])
    children = []
    for child, counts in children_with_counts(node):
        child.counts = counts
        children.append(child)
    node.children_list = children
    return node


@router.get("/", response={200: GridNodePage, **ERRORS_READ}, summary="网格节点列表")
def list_grid_nodes(request: HttpRequest, query: Query[GridNodeQuery]):
    """Nodes the user may see, by code; ``under`` limits to a subtree."""
    qs = GridNode.objects.restrict(auth_user(request), Action.VIEW)
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
def get_grid_node(request: HttpRequest, code: str):
    node = get_visible(GridNode.objects, auth_user(request), what=node_label(code), code=code)
    return node_detail(node)


@router.post("/", response={201: GridNodeDetail, **ERRORS_WRITE}, summary="新增网格节点")
def create_grid_node(request: HttpRequest, payload: GridNodeCreate):
    user = auth_user(request)
    parent = None
    if payload.parent:
        parent = get_visible(
            GridNode.objects, user, what=node_label(payload.parent), code=payload.parent
        )
    data = payload_data(payload, omit=("parent",))
    node = scoped_write(
        user, GridNode, Action.MANAGE_GRID, lambda: grid_node_create(parent=parent, **data)
    )
    return Status(201, node_detail(node))


@router.patch("/{code}", response={200: GridNodeDetail, **ERRORS_WRITE}, summary="修改网格节点")
def update_grid_node(request: HttpRequest, code: str, payload: GridNodeUpdate):
    """Name, boundary and point; codes are identities (a re-division is an import)."""
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, Action.MANAGE_GRID, what=node_label(code), code=code)
    data = payload_data(payload, exclude_unset=True)
    node = scoped_write(
        user, GridNode, Action.MANAGE_GRID, lambda: grid_node_update(node=node, data=data)
    )
    return node_detail(node)
