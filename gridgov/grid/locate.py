"""Point → micro-grid lookup (坐标定位网格): an STRtree over the micro-grids' boundaries.

The index is built once per process from the boundaries in the database and rebuilt when the
micro-grids change (their count or latest ``updated_at`` differ), which one cheap aggregate
query tells on each lookup batch. It keeps the micro-grids' rows too (without their
boundaries), so that routing a matter to one reads nothing more.
"""

from __future__ import annotations

import copy
import math
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.db.models import Count, Max
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from .models import GridLevel, GridNode

COUNT_FIELDS = ("households_count", "persons_count", "party_members_count", "organizations_count")

METERS_PER_DEG_LAT = 110_574.0
METERS_PER_DEG_LNG_EQUATOR = 111_320.0


@dataclass(frozen=True)
class Located:
    node_id: int | None
    code: str
    how: str  # "inside" | "nearest" | "none"
    distance_m: float = 0.0


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine; exact enough for a village)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


class MicrogridIndex:
    """Micro-grid polygons in an STRtree, with their node ids and codes."""

    def __init__(
        self,
        ids: list[int],
        codes: list[str],
        geoms: list[BaseGeometry],
        nodes: dict[int, GridNode] | None = None,
    ) -> None:
        self.ids = ids
        self.codes = codes
        self.geoms = np.array(geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms) if geoms else None
        self._nodes = nodes or {}

    def node(self, pk: int) -> GridNode | None:
        """The micro-grid's row as of the index (as stale as the index may be, up to
        ``RECHECK_SECONDS`` in other processes; its boundary and counts deferred): a copy, the
        caller's to change, for reading, not saving."""
        found = self._nodes.get(pk)
        return copy.copy(found) if found is not None else None

    @classmethod
    def from_database(cls) -> MicrogridIndex:
        ids, codes, geoms = [], [], []
        rows = GridNode.objects.filter(
            level=GridLevel.MICROGRID, boundary__isnull=False
        ).values_list("id", "code", "boundary")
        for pk, code, boundary in rows.iterator(chunk_size=2000):
            if boundary is None:
                continue  # a JSON null
            try:
                geom = shape(boundary)
            except (ValueError, TypeError, AttributeError, KeyError):
                continue  # a malformed boundary is reported by the grid checks, not here
            if geom.is_empty:
                continue
            ids.append(pk)
            codes.append(code)
            geoms.append(geom)
        # Without the boundary, and without the counts, which change without ``updated_at``
        # (a kept row would show them stale); what routing shows is the code, name and level.
        nodes = GridNode.objects.filter(level=GridLevel.MICROGRID, boundary__isnull=False)
        nodes = nodes.defer("boundary", *COUNT_FIELDS)
        kept = {node.pk: node for node in nodes.iterator(chunk_size=2000)}
        return cls(ids, codes, geoms, {pk: kept[pk] for pk in ids if pk in kept})

    def locate(self, lat: float, lng: float, *, tolerance_m: float) -> Located:
        if self.tree is None:
            return Located(None, "", "none")
        point = Point(lng, lat)
        hits = self.tree.query(point, predicate="intersects")
        if len(hits):
            i = int(min(hits, key=lambda k: self.codes[k]))  # on a shared edge: lowest code
            return Located(self.ids[i], self.codes[i], "inside")
        # Degrees are not metres: search with the longitude degree's length at this latitude.
        lng_scale = METERS_PER_DEG_LNG_EQUATOR * max(math.cos(math.radians(lat)), 0.01)
        max_deg = tolerance_m / min(lng_scale, METERS_PER_DEG_LAT)
        near = self.tree.query_nearest(point, max_distance=max_deg, all_matches=False)
        if not len(near):
            return Located(None, "", "none")
        i = int(near[0])
        nearest = nearest_points(self.geoms[i], point)[0]
        meters = distance_m(lat, lng, nearest.y, nearest.x)
        if meters > tolerance_m:
            return Located(None, "", "none")
        return Located(self.ids[i], self.codes[i], "nearest", round(meters, 1))

    def nearest_any(self, lat: float, lng: float) -> Located:
        """The nearest micro-grid at any distance (to pick a town's inbox)."""
        if self.tree is None:
            return Located(None, "", "none")
        point = Point(lng, lat)
        i = int(self.tree.nearest(point))
        return Located(self.ids[i], self.codes[i], "nearest")


# How often a process asks whether the micro-grids changed: the question scans every micro-grid
# row (5,156 at Nanhai), too much for every routed matter; boundaries change rarely.
RECHECK_SECONDS = 30.0
_lock = threading.Lock()
_cached: tuple[tuple[Any, ...], MicrogridIndex] | None = None
_checked_at = 0.0


def _stamp() -> tuple[Any, ...]:
    return tuple(
        GridNode.objects.filter(level=GridLevel.MICROGRID)
        .aggregate(n=Count("id"), last=Max("updated_at"))
        .values()
    )


def microgrid_index() -> MicrogridIndex:
    """The process's index, rebuilt when the micro-grids have changed (asked every
    ``RECHECK_SECONDS``; ``microgrid_index_reset`` forces it, e.g. after an edit here)."""
    global _cached, _checked_at
    with _lock:
        now = time.monotonic()
        if _cached is None or now - _checked_at >= RECHECK_SECONDS:
            stamp = _stamp()
            if _cached is None or _cached[0] != stamp:
                _cached = (stamp, MicrogridIndex.from_database())
            _checked_at = now
        return _cached[1]


def microgrid_index_reset() -> None:
    global _cached
    with _lock:
        _cached = None
