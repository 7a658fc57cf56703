"""Reads of links: the one filter definition of each list, "my households", and the coverage
figures per grid node. Every read starts from a scoped queryset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.scoping import ScopedQuerySet, subtree_q
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
    return coverage_pass(node, on=on)[0]


# ---- pages of the register: coverage by child, a linker's own households, the map -----------

MAP_MAX_HOUSEHOLDS = 5000
# The map draws households one by one down from a village; above it, the page asks to zoom.
MAP_LEVELS = ("village", "group", "microgrid")


@dataclass
class ChildCoverage:
    """Coverage figures of one child of a node, aggregated in the database."""

    code: str
    name: str
    households: int = 0
    linked: int = 0
    priority: int = 0
    priority_linked: int = 0
    linkers: int = 0
    cross_grid: int = 0
    shortfall: int = 0

    @property
    def rate(self) -> float:
        return self.linked / self.households if self.households else 0.0


def coverage_by_child(node: GridNode, *, on: dt.date | None = None) -> list[ChildCoverage]:
    """Coverage of each child of ``node`` (the same figures as ``coverage``, per child)."""
    return coverage_pass(node, on=on, by_child=True)[1]


def coverage_pass(
    node: GridNode, *, on: dt.date | None = None, by_child: bool = False
) -> tuple[Coverage, list[ChildCoverage]]:
    """The coverage of ``node`` and, with ``by_child``, of each of its children, in one pass of
    five grouped queries whatever the size of the subtree: households per micro-grid (with the
    priority ones), links in force per child (from the link table, with the household's
    priority), the linkers with their load, and the names of the children and of the
    micro-grids short of capacity. Sums are made in Python over at most one row per
    micro-grid or linker."""
    from django.db.models.functions import Substr

    on = on or timezone.localdate()
    path = node.code
    result = Coverage(node=node)
    rows: dict[str, ChildCoverage] = {}
    length = len(path)
    if by_child:
        children = list(
            GridNode.objects.filter(parent=node).order_by("code").values_list("code", "name")
        )
        rows = {code: ChildCoverage(code=code, name=name) for code, name in children}
        length = len(children[0][0]) if children else len(path)
    per_grid = list(
        Household.objects.within(path)
        .values("grid_path")
        .annotate(n=Count("id"), prio=Count("id", filter=priority_q(on=on)))
        .order_by("grid_path")
    )
    for row in per_grid:
        result.households += row["n"]
        result.priority += row["prio"]
        if child := rows.get(row["grid_path"][:length]):
            child.households += row["n"]
            child.priority += row["prio"]
    is_priority = Exists(
        Household.objects.filter(pk=OuterRef("household_id")).filter(priority_q(on=on))
    )
    links = (
        Link.objects.filter(end_on__isnull=True)
        .filter(subtree_q("household__grid_path", path))
        .annotate(child=Substr("household__grid_path", 1, length), is_priority=is_priority)
        .values("child")
        .annotate(
            n=Count("id"),
            prio=Count("id", filter=Q(is_priority=True)),
            cross=Count("id", filter=~Q(cross_grid_reason="")),
        )
        .order_by()
    )
    for row in links:
        result.linked += row["n"]
        result.priority_linked += row["prio"]
        result.cross_grid += row["cross"]
        if child := rows.get(row["child"]):
            child.linked += row["n"]
            child.priority_linked += row["prio"]
            child.cross_grid += row["cross"]
    eligible = eligible_linkers_q(on=on)
    linkers = Linker.objects.within(path).annotate(
        load=Count("links", filter=Q(links__end_on__isnull=True)),
        is_eligible=Exists(Linker.objects.filter(pk=OuterRef("pk")).filter(eligible)),
    )
    capacity_by_grid: dict[str, int] = {}
    for row in linkers.values("grid_path", "kind", "load", "is_eligible"):
        result.linkers += 1
        if child := rows.get(row["grid_path"][:length]):
            child.linkers += 1
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
    short_grids = [
        (row, row["n"] - capacity_by_grid.get(row["grid_path"], 0))
        for row in per_grid
        if row["n"] > capacity_by_grid.get(row["grid_path"], 0)
    ]
    names = dict(
        GridNode.objects.filter(code__in=[row["grid_path"] for row, _n in short_grids])
        .values_list("code", "name")
        .order_by()
    )
    for row, short in short_grids:
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
        if child := rows.get(row["grid_path"][:length]):
            child.shortfall += short
    return result, list(rows.values())


@dataclass
class MyHousehold:
    """One row of a linker's own households, for the phone page."""

    number: str
    head_name: str
    address: str
    group: str
    microgrid: str
    tags: list[str]
    priority: bool
    last_visit: dt.datetime | None
    since: dt.date


def my_household_rows(user: Any, *, limit: int = 200) -> list[MyHousehold]:
    """The households linked now to the linker ``user`` signs in as, with their villager group,
    tags, whether they come first, and the last visit: three queries."""
    from django.db.models import Max, Subquery

    from .models import Visit

    linker = linker_of_user(user)
    if linker is None:
        return []
    on = timezone.localdate()
    since = Link.objects.filter(
        linker=linker, household=OuterRef("pk"), end_on__isnull=True
    ).values("start_on")[:1]
    last = (
        Visit.objects.filter(household=OuterRef("pk"))
        .values("household")
        .annotate(last=Max("visited_at"))
        .values("last")[:1]
    )
    households = list(
        my_households(user)
        .annotate(
            since=Subquery(since),
            last_visit=Subquery(last),
            is_priority=Exists(
                Household.objects.filter(pk=OuterRef("pk")).filter(priority_q(on=on))
            ),
            elderly_alone=Exists(
                Household.objects.filter(pk=OuterRef("pk")).filter(
                    priority_q(on=on, tags=["elderly_alone"])
                )
            ),
        )
        .order_by("-is_priority", "grid_path", "number")[:limit]
    )
    codes = {h.grid_path[:15] for h in households} | {h.grid_path for h in households}
    names = dict(GridNode.objects.filter(code__in=codes).values_list("code", "name"))
    return [
        MyHousehold(
            number=h.number,
            head_name=getattr(h, "head_name", "") or "",
            address=h.address,
            group=names.get(h.grid_path[:15], ""),
            microgrid=names.get(h.grid_path, ""),
            tags=h.tag_labels() + ([str(_("空巢/独居老人"))] if h.elderly_alone else []),
            priority=bool(getattr(h, "is_priority", False)),
            last_visit=getattr(h, "last_visit", None),
            since=getattr(h, "since", on),
        )
        for h in households
    ]


# Status of a household on the map: 0 linked, 1 priority and not linked, 2 not linked.
MAP_LINKED, MAP_PRIORITY_UNLINKED, MAP_UNLINKED = 0, 1, 2


def _pt(value: float) -> float:
    return round(value, 6)


def link_map_data(user: Any, node: GridNode) -> dict[str, Any] | None:
    """Households coloured by link status, linkers, and a line from each linked household to its
    linker, for a village or below (None above it: the page asks to choose a smaller place).

    Compact: ``{"households": [[lat, lng, status]], "linkers": [[lat, lng, name]],
    "lines": [[hlat, hlng, llat, llng]], "unplaced": n, "truncated": bool}``; at most
    ``MAP_MAX_HOUSEHOLDS`` households. Three queries."""
    if node.level not in MAP_LEVELS:
        return None
    on = timezone.localdate()
    open_link = Link.objects.filter(household=OuterRef("pk"), end_on__isnull=True)
    rows = list(
        Household.objects.restrict(user, "view")
        .within(node.code)
        .annotate(
            has_link=Exists(open_link),
            is_priority=Exists(
                Household.objects.filter(pk=OuterRef("pk")).filter(priority_q(on=on))
            ),
        )
        .order_by("grid_path", "id")
        .values_list("id", "lat", "lng", "has_link", "is_priority")[: MAP_MAX_HOUSEHOLDS + 1]
    )
    truncated = len(rows) > MAP_MAX_HOUSEHOLDS
    rows = rows[:MAP_MAX_HOUSEHOLDS]
    points: dict[int, tuple[float, float]] = {}
    households: list[list[Any]] = []
    unplaced = 0
    for pk, lat, lng, linked, prio in rows:
        if lat is None or lng is None:
            unplaced += 1
            continue
        points[pk] = (_pt(lat), _pt(lng))
        status = MAP_LINKED if linked else (MAP_PRIORITY_UNLINKED if prio else MAP_UNLINKED)
        households.append([points[pk][0], points[pk][1], status])
    linkers: list[list[Any]] = []
    linker_points: dict[int, tuple[float, float]] = {}
    for pk, name, lat, lng in (
        Linker.objects.restrict(user, "view")
        .within(node.code)
        .values_list("id", "person__name", "person__household__lat", "person__household__lng")
        .order_by("id")[:MAP_MAX_HOUSEHOLDS]
    ):
        if lat is None or lng is None:
            continue
        linker_points[pk] = (_pt(lat), _pt(lng))
        linkers.append([linker_points[pk][0], linker_points[pk][1], name])
    lines: list[list[float]] = []
    for household_id, linker_id, llat, llng in (
        Link.objects.restrict(user, "view")
        .within(node.code)
        .filter(end_on__isnull=True)
        .values_list(
            "household_id",
            "linker_id",
            "linker__person__household__lat",
            "linker__person__household__lng",
        )[:MAP_MAX_HOUSEHOLDS]
    ):
        here = points.get(household_id)
        there = linker_points.get(linker_id) or (
            (_pt(llat), _pt(llng)) if llat is not None and llng is not None else None
        )
        if here is not None and there is not None:
            lines.append([here[0], here[1], there[0], there[1]])
    return {
        "households": households,
        "linkers": linkers,
        "lines": lines,
        "unplaced": unplaced,
        "truncated": truncated,
    }


def linker_links(linker: Linker, *, limit: int = 200) -> list[Link]:
    """A linker's links, in force first, then the ended ones, newest first."""
    from django.db.models import F

    return list(
        Link.objects.filter(linker=linker)
        .select_related("household")
        .order_by(F("end_on").desc(nulls_first=True), "-start_on", "-id")[:limit]
    )


def household_links(household: Household, *, limit: int = 50) -> list[Link]:
    """A household's links, newest first: the one in force (if any) and its history."""
    return list(
        Link.objects.filter(household=household)
        .select_related("linker__person")
        .order_by("-start_on", "-id")[:limit]
    )


def household_page_part(user: Any, household: Household) -> tuple[str, dict[str, Any]] | None:
    """The household page's section on links (registered in ``people.views``): the linker in
    force and the history, where the user may see the links. Two queries."""
    from gridgov.accounts.scope import user_may

    if not user_may(user, "view", household.grid_path):
        return None
    links = household_links(household)
    current = next((link for link in links if link.end_on is None), None)
    return (
        "links/partials/household_links.html",
        {
            "current": current,
            "history": [link for link in links if link is not current],
            "household": household,
            "may_manage": user_may(user, "manage_links", household.grid_path),
            "may_visit": user_may(user, "record_visit", household.grid_path),
        },
    )
