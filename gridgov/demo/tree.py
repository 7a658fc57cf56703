"""The demo grid tree: county → towns → villages → groups → micro-grids, with boundaries.

Every level is a Voronoi partition of its parent. Towns are placed where Nanhai's towns lie;
each town is cut into as many cells as it has villages in reality and a smaller scale keeps the
cells nearest the town's seat, so villages keep a realistic size at every scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from . import geometry as geo
from .names import chinese_number, place_names
from .scales import (
    COUNTY_CODE,
    COUNTY_NAME,
    NANHAI_TOWNS,
    Scale,
)

# Share of communities (社区, codes 0xx) among a town's villages: most of a subdistrict's,
# a fifth of a town's (the built-up core around the seat).
COMMUNITY_SHARE = {True: 0.7, False: 0.2}


@dataclass
class Node:
    code: str
    name: str
    level: str
    shape: BaseGeometry  # kilometres, local plane
    boundary: str = ""  # GeoJSON in degrees
    lat: float = 0.0
    lng: float = 0.0
    children: list[Node] = field(default_factory=list)
    households: int = 0  # micro-grids only
    # villages only
    place: str = ""
    town_name: str = ""
    is_community: bool = False

    def finish(self) -> None:
        """Set boundary and point in degrees from the kilometre shape."""
        deg = geo.to_lnglat(self.shape)
        self.boundary = geo.geojson(deg)
        self.lat, self.lng = geo.inner_point(deg)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def pick(value: int | tuple[int, int], rng: np.random.Generator) -> int:
    if isinstance(value, tuple):
        return int(rng.integers(value[0], value[1] + 1))
    return value


def allocate(
    total: int, n: int, rng: np.random.Generator, *, minimum: int = 1, shape: float = 4.0
) -> np.ndarray:
    """Split ``total`` into ``n`` integer parts of at least ``minimum`` (gamma-distributed)."""
    minimum = min(minimum, total // n)
    spare = total - minimum * n
    weights = rng.gamma(shape, size=n)
    raw = spare * weights / weights.sum()
    parts = np.floor(raw).astype(int)
    short = spare - parts.sum()
    if short:
        parts[np.argsort(-(raw - parts), kind="stable")[:short]] += 1
    return parts + minimum


def _north_to_south(cells: list[BaseGeometry]) -> list[int]:
    """Order cells for numbering: north to south, then west to east (as maps are read)."""
    pts = [c.representative_point() for c in cells]
    return sorted(range(len(cells)), key=lambda i: (-round(pts[i].y, 1), pts[i].x))


def build_tree(scale: Scale, rng: np.random.Generator) -> Node:
    """The whole tree for a scale, boundaries and points set, household counts allocated."""
    outline = geo.county_outline(rng)
    county = Node(COUNTY_CODE, COUNTY_NAME, "county", outline)

    # Towns: one region per Nanhai town, around the town's real position, of its real area.
    seeds = []
    for town in NANHAI_TOWNS:
        x, y = geo.to_km(town.lng, town.lat)
        while not outline.contains(Point(x, y)):
            x, y = x * 0.9, y * 0.9
        seeds.append((x, y))
    areas = np.array([t.area_km2 for t in NANHAI_TOWNS], dtype=float)
    town_cells = geo.regions(outline, np.array(seeds), areas, rng)

    kept_villages: list[tuple[Node, int]] = []
    taken_names: set[str] = set()
    for town_index, keep in scale.towns:
        town = NANHAI_TOWNS[town_index]
        tnode = Node(COUNTY_CODE + town.suffix, town.name, "town", town_cells[town_index])
        county.children.append(tnode)
        cells = geo.partition(tnode.shape, geo.random_points(tnode.shape, town.villages, rng))
        order = geo.nearest(cells, *seeds[town_index], k=min(keep, len(cells)))
        communities = round(COMMUNITY_SHARE[town.is_subdistrict] * len(order))
        names = place_names(rng, len(order), taken_names)
        next_number = {True: 1, False: 201}
        for rank, cell_index in enumerate(order):
            is_community = rank < communities
            number = next_number[is_community]
            next_number[is_community] += 1
            suffix = "社区" if is_community else "村"
            village = Node(
                f"{tnode.code}{number:03d}",
                names[rank] + suffix,
                "village",
                cells[cell_index],
                place=names[rank],
                town_name=town.name,
                is_community=is_community,
            )
            kept_villages.append((village, rank))
        tnode.children = sorted(
            (v for v, _ in kept_villages if v.code.startswith(tnode.code)), key=lambda v: v.code
        )

    villages = [v for t in county.children for v in t.children]
    n_groups = pick(scale.groups, rng)
    n_micro = pick(scale.microgrids, rng)
    n_households = pick(scale.households, rng)
    group_counts = allocate(n_groups, len(villages), rng, minimum=2, shape=5.0)
    all_groups: list[Node] = []
    for village, count in zip(villages, group_counts, strict=True):
        cells = geo.partition(village.shape, geo.random_points(village.shape, int(count), rng))
        kind = "居民小组" if village.is_community else "村民小组"
        for number, i in enumerate(_north_to_south(cells), start=1):
            group = Node(
                f"{village.code}{number:03d}",
                f"第{chinese_number(number)}{kind}",
                "group",
                cells[i],
            )
            village.children.append(group)
            all_groups.append(group)

    micro_counts = allocate(n_micro, len(all_groups), rng, minimum=1, shape=6.0)
    all_micro: list[Node] = []
    index = 0
    for village in villages:
        serial = 0
        for group in village.children:
            count = int(micro_counts[index])
            index += 1
            cells = geo.partition(group.shape, geo.random_points(group.shape, count, rng))
            for number, i in enumerate(_north_to_south(cells), start=1):
                serial += 1
                micro = Node(
                    f"{group.code}{number:03d}", f"{serial}号微网格", "microgrid", cells[i]
                )
                group.children.append(micro)
                all_micro.append(micro)

    households = allocate(
        n_households, len(all_micro), rng, minimum=scale.min_households_per_microgrid, shape=8.0
    )
    for micro, count in zip(all_micro, households, strict=True):
        micro.households = int(count)
    for node in county.walk():
        node.finish()
    return county
