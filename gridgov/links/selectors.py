"""Reads of links: the one filter definition of each list, "my households", and the coverage
figures per grid node. Every read starts from a scoped queryset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from gridgov.core.scoping import ScopedQuerySet
from gridgov.grid.models import GridNode
from gridgov.people.models import Household

from .eligibility import capacity_of, eligible_linkers_q, priority_q
from .models import Link, Linker


def links_in_force(queryset: QuerySet[Link]) -> QuerySet[Link]:
    return queryset.filter(end_on__isnull=True)


def link_list(
    queryset: ScopedQuerySet[Link],
    *,
    under: str = "",
    linker: int | None = None,
    in_force: bool | None = True,
    cross_grid: bool | None = None,
    q: str = "",
) -> QuerySet[Link]:
    """The link register's filters, shared by the page, the API and the export."""
    qs = queryset.select_related("linker__person", "household")
    if under:
        qs = qs.within(under)
    if linker is not None:
        qs = qs.filter(linker_id=linker)
    if in_force is True:
        qs = qs.filter(end_on__isnull=True)
    elif in_force is False:
        qs = qs.filter(end_on__isnull=False)
    if cross_grid is True:
        qs = qs.exclude(cross_grid_reason="")
    elif cross_grid is False:
        qs = qs.filter(cross_grid_reason="")
    if q:
        qs = qs.filter(Q(household__number=q) | Q(linker__person__name=q))
    return qs.order_by("grid_path", "household__number", "-start_on", "-id")


def linker_list(
    queryset: ScopedQuerySet[Linker], *, under: str = "", kind: str = "", q: str = ""
) -> QuerySet[Linker]:
    """The linkers' filters, with the number of households each links now (``load``)."""
    qs = queryset.select_related("person", "person__party_member")
    if under:
        qs = qs.within(under)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(person__name=q)
    return qs.annotate(load=Count("links", filter=Q(links__end_on__isnull=True))).order_by(
        "grid_path", "id"
    )


def linker_of_user(user: Any) -> Linker | None:
    """The linker record a signed-in user acts as (联户人账号), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Linker.objects.filter(user=user).select_related("person").first()


def my_households(user: Any) -> QuerySet[Household]:
    """The households linked now to the linker ``user`` signs in as, within what they may see:
    a linked member sees their own households apart from the rest of the micro-grid."""
    linker = linker_of_user(user)
    if linker is None:
        return Household.objects.none()
    linked = Link.objects.filter(linker=linker, end_on__isnull=True).values("household_id")
    return Household.objects.restrict(user, "view").filter(pk__in=linked).with_head()


@dataclass
class Coverage:
    """Coverage figures of one grid node (联户覆盖)."""

    node: GridNode
    households: int = 0
    linked: int = 0
    priority: int = 0
    priority_linked: int = 0
    linkers: int = 0
    eligible_linkers: int = 0
    exempt_linkers: int = 0
    over_capacity: int = 0
    under_capacity: int = 0
    cross_grid: int = 0
    capacity: int = 0
    shortfall: int = 0
    shortfall_microgrids: list[dict[str, Any]] = field(default_factory=list)

    @property
    def unlinked(self) -> int:
        return self.households - self.linked

    @property
    def rate(self) -> float:
        return self.linked / self.households if self.households else 0.0

    @property
    def priority_rate(self) -> float:
        return self.priority_linked / self.priority if self.priority else 0.0


def coverage(node: GridNode, *, on: dt.date | None = None) -> Coverage:
    """Coverage of ``node``'s subtree in a fixed number of queries, whatever its size.

    The shortfall is counted per micro-grid: households that its eligible linkers' capacity
    (the upper bound of each kind) cannot cover, summed over the micro-grids short of it."""
    on = on or timezone.localdate()
    path = node.code
    households = Household.objects.within(path)
    open_link = Link.objects.filter(household=OuterRef("pk"), end_on__isnull=True)
    counts = households.annotate(has_link=Exists(open_link)).aggregate(
        households=Count("id"),
        linked=Count("id", filter=Q(has_link=True)),
    )
    prio = (
        households.filter(priority_q(on=on))
        .annotate(has_link=Exists(open_link))
        .aggregate(n=Count("id"), linked=Count("id", filter=Q(has_link=True)))
    )
    result = Coverage(
        node=node,
        households=counts["households"],
        linked=counts["linked"],
        priority=prio["n"],
        priority_linked=prio["linked"],
    )
    result.cross_grid = (
        Link.objects.within(path).filter(end_on__isnull=True).exclude(cross_grid_reason="").count()
    )
    eligible = eligible_linkers_q(on=on)
    linkers = Linker.objects.within(path).annotate(
        load=Count("links", filter=Q(links__end_on__isnull=True)),
        is_eligible=Exists(Linker.objects.filter(pk=OuterRef("pk")).filter(eligible)),
    )
    capacity_by_grid: dict[str, int] = {}
    for row in linkers.values("grid_path", "kind", "load", "is_eligible"):
        result.linkers += 1
        cap = capacity_of(row["kind"])
        if not row["is_eligible"]:
            result.exempt_linkers += 1
            continue
        result.eligible_linkers += 1
        result.capacity += cap.high
        capacity_by_grid[row["grid_path"]] = capacity_by_grid.get(row["grid_path"], 0) + cap.high
        if row["load"] > cap.high:
            result.over_capacity += 1
        elif row["load"] < cap.low:
            result.under_capacity += 1
    per_grid = households.values("grid_path").annotate(n=Count("id")).order_by("grid_path")
    names = dict(
        GridNode.objects.filter(code__in=[r["grid_path"] for r in per_grid]).values_list(
            "code", "name"
        )
    )
    for row in per_grid:
        short = row["n"] - capacity_by_grid.get(row["grid_path"], 0)
        if short > 0:
            result.shortfall += short
            result.shortfall_microgrids.append(
                {
                    "code": row["grid_path"],
                    "name": names.get(row["grid_path"], ""),
                    "households": row["n"],
                    "capacity": capacity_by_grid.get(row["grid_path"], 0),
                    "shortfall": short,
                }
            )
    return result
