"""What pages about places use: the grid path as breadcrumbs, a node from a code in a URL or a
filter (only if the user may see it), the cached counts of a user's scope, and the select of
places a list is filtered by (``NodeFilterForm``, fed by ``scope_nodes``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from gridgov.core.pages import ListFilterForm
from gridgov.core.scoping import collapse_paths, in_scope, scope_paths

from .models import CODE_LENGTH, GridLevel, GridNode
from .selectors import NodeCounts, subtree_counts, visible_roots

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

GRID_CODE_LENGTHS = frozenset(CODE_LENGTH.values())
# The select of places on list and measures pages: down to villages (a worker's own micro-grid
# is one of their roots); a county has a few hundred villages.
FILTER_LEVELS = (GridLevel.COUNTY, GridLevel.TOWN, GridLevel.VILLAGE)
MAX_OPTIONS = 1000
_OPTION_DEPTH: dict[str, int] = {
    GridLevel.COUNTY: 0,
    GridLevel.TOWN: 1,
    GridLevel.VILLAGE: 2,
    GridLevel.GROUP: 3,
    GridLevel.MICROGRID: 4,
}


def scope_nodes(user: Any, action: str, levels: tuple[str, ...]) -> list[GridNode]:
    """The nodes of the user's scope at ``levels``, and the roots of the scope: one query."""
    paths = scope_paths(user, action)
    qs = GridNode.objects.restrict(user, action).only("code", "name", "level")
    roots = collapse_paths(paths) if paths else []
    qs = qs.filter(Q(level__in=levels) | Q(code__in=roots)).order_by("code")
    return list(qs[:MAX_OPTIONS])


def top_node(user: Any, nodes: list[GridNode]) -> GridNode | None:
    """The user's first root of scope (the whole tree's root for a superuser)."""
    if scope_paths(user, "view") is None:
        return GridNode.objects.filter(parent__isnull=True).order_by("code").first()
    return min(nodes, key=lambda n: (len(n.code), n.code), default=None)


def node_option_label(node: GridNode) -> str:
    """A node's name indented by its level, for a select of places."""
    return "\u3000" * _OPTION_DEPTH.get(node.level, 0) + node.name


class NodeFilterForm(ListFilterForm):
    """A list's filters with the place to look under chosen from the user's nodes."""

    under = forms.CharField(label=_("网格"), required=False, max_length=18, widget=forms.Select)

    def __init__(self, *args: Any, nodes: Iterable[GridNode] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["under"].widget
        assert isinstance(widget, forms.Select)
        widget.choices = [("", _("网格：全部")), *((n.code, node_option_label(n)) for n in nodes)]

    def show_node(self, node: GridNode) -> None:
        """Offer a node reached by a link (a group, a micro-grid) as the chosen place."""
        widget = self.fields["under"].widget
        assert isinstance(widget, forms.Select)
        if node.code not in {c for c, _label in widget.choices}:
            widget.choices = [*widget.choices, (node.code, node.name)]


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
