"""What pages about places use: the grid path as breadcrumbs, a node from a code in a URL or a
filter (only if the user may see it), and the cached counts of a user's scope."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django_stubs_ext import StrOrPromise

from gridgov.core.scoping import collapse_paths, in_scope, scope_paths

from .models import CODE_LENGTH, GridLevel, GridNode
from .selectors import NodeCounts, subtree_counts, visible_roots

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

GRID_CODE_LENGTHS = frozenset(CODE_LENGTH.values())


@dataclass(frozen=True)
class Crumb:
    code: str
    name: str
    level: str
    linked: bool  # False above the user's scope: shown as context, not as a link that 404s

    @property
    def level_label(self) -> StrOrPromise:
        return GridLevel(self.level).label if self.level in GridLevel.values else ""


def grid_crumbs(user: User | AnonymousUser | None, node: GridNode) -> list[Crumb]:
    """The node's grid path, root first, the node itself last: one query for the ancestors."""
    codes = node.ancestor_codes()
    found = {
        n.code: n for n in GridNode.objects.filter(code__in=codes).only("code", "name", "level")
    }
    paths = scope_paths(user, "view")
    crumbs = [
        Crumb(code, found[code].name, found[code].level, in_scope(code, paths))
        for code in codes
        if code in found
    ]
    crumbs.append(Crumb(node.code, node.name, node.level, True))
    return crumbs


def scoped_node(user: User | AnonymousUser | None, code: str) -> GridNode | None:
    """The node with this code if the user may see it, else None (no hint that it exists)."""
    code = (code or "").strip()
    if not code or len(code) not in GRID_CODE_LENGTHS or not code.isdigit():
        return None
    return GridNode.objects.restrict(user, "view").filter(code=code).first()


def scope_totals(user: User | AnonymousUser | None, under: GridNode | None) -> NodeCounts:
    """Cached subtree counts for the user's whole scope, or for one node in it.

    Lists filtered only by place take their total from here: counting a county's million rows
    on every page view is what these counters exist to avoid.
    """
    if under is not None:
        return subtree_counts([under.code])[under.code]
    codes = [n.code for n in visible_roots(user)]
    by_length: dict[int, list[str]] = defaultdict(list)
    for code in collapse_paths(codes):
        by_length[len(code)].append(code)
    total = NodeCounts()
    for same_level in by_length.values():
        for counts in subtree_counts(same_level).values():
            total.households += counts.households
            total.persons += counts.persons
            total.party_members += counts.party_members
            total.organizations += counts.organizations
    return total
