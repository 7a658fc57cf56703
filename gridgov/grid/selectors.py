"""Reads of the grid that users see; all scoped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Sum
from django.db.models.functions import Substr

from gridgov.core.scoping import PATH_END, collapse_paths, scope_paths

from .models import GridNode

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass
class NodeCounts:
    households: int = 0
    persons: int = 0
    party_members: int = 0
    organizations: int = 0


def visible_roots(user: User | AnonymousUser | None) -> list[GridNode]:
    """The top nodes of the user's scope: the roots of the tree they may see."""
    paths = scope_paths(user, "view")
    if paths is None:
        return list(GridNode.objects.filter(parent__isnull=True).order_by("code"))
    return list(GridNode.objects.filter(code__in=collapse_paths(paths)).order_by("code"))


def subtree_counts(codes: list[str]) -> dict[str, NodeCounts]:
    """Counts for each node in ``codes`` (same level), in one grouped query over the subtrees.

    Households, persons and party members live on micro-grids, so each node's figure is the sum
    over the nodes below it; reading ~5k micro-grid rows is cheap, keeping per-level counters
    in step on every write would not be.
    """
    if not codes:
        return {}
    length = len(codes[0])
    result = {code: NodeCounts() for code in codes}
    lo, hi = min(codes), max(codes) + PATH_END
    rows = (
        # `households` names a sum in values() rows; the stubs take it for the model's field.
        GridNode.objects.filter(code__gte=lo, code__lt=hi)  # type: ignore[no-redef]
        .annotate(prefix=Substr("code", 1, length))
        .filter(prefix__in=codes)
        .values("prefix")
        .annotate(
            households=Sum("households_count"),
            persons=Sum("persons_count"),
            party_members=Sum("party_members_count"),
            organizations=Sum("organizations_count"),
        )
    )
    for row in rows:
        result[row["prefix"]] = NodeCounts(
            households=row["households"] or 0,
            persons=row["persons"] or 0,
            party_members=row["party_members"] or 0,
            organizations=row["organizations"] or 0,
        )
    return result


def children_with_counts(node: GridNode) -> list[tuple[GridNode, NodeCounts]]:
    children = list(node.children.order_by("code"))
    counts = subtree_counts([c.code for c in children])
    return [(c, counts[c.code]) for c in children]
