"""Boundaries for demo grids: an irregular county outline cut into nested Voronoi cells.

Shapes are drawn in a local plane in kilometres around the district's centre (so that cells are
not stretched east–west, as they would be in degrees) and turned into longitude/latitude, rounded
to 6 decimals (about 0.1 m), on output.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

from .scales import AREA_KM2, CENTER_LAT, CENTER_LNG

KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LNG = 111.32 * math.cos(math.radians(CENTER_LAT))
GRID_SIZE = 1e-6  # degrees: coordinates are stored with 6 decimals


def to_km(lng: float, lat: float) -> tuple[float, float]:
    return (lng - CENTER_LNG) * KM_PER_DEG_LNG, (lat - CENTER_LAT) * KM_PER_DEG_LAT


def km_to_lnglat(xy: np.ndarray) -> np.ndarray:
    out = np.empty_like(xy, dtype=float)
    out[:, 0] = xy[:, 0] / KM_PER_DEG_LNG + CENTER_LNG
    out[:, 1] = xy[:, 1] / KM_PER_DEG_LAT + CENTER_LAT
    return out


def county_outline(rng: np.random.Generator, *, vertices: int = 160) -> Polygon:
    """An irregular, roughly elliptical outline of ``AREA_KM2`` (taller than wide, like Nanhai)."""
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    radius = np.ones(vertices)
    for k in range(2, 7):
        radius += rng.uniform(0.03, 0.09) / k * 2 * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    xy = np.column_stack([15.4 * radius * np.cos(theta), 22.0 * radius * np.sin(theta)])
    poly = Polygon(xy)
    scale = math.sqrt(AREA_KM2 / poly.area)
    return Polygon(xy * scale)


def random_points(
    geom: BaseGeometry, n: int, rng: np.random.Generator, *, margin: float = 0.0
) -> np.ndarray:
    """``n`` points uniformly inside ``geom`` (optionally kept ``margin`` km from its edge)."""
    if n == 0:
        return np.empty((0, 2))
    inner = geom.buffer(-margin) if margin else geom
    if inner.is_empty:
        inner = geom
    shapely.prepare(inner)
    minx, miny, maxx, maxy = inner.bounds
    found: list[np.ndarray] = []
    have = 0
    while have < n:
        batch = max(16, int((n - have) * 1.6 * (maxx - minx) * (maxy - miny) / inner.area) + 8)
        xs = rng.uniform(minx, maxx, batch)
        ys = rng.uniform(miny, maxy, batch)
        keep = shapely.contains_xy(inner, xs, ys)
        pts = np.column_stack([xs[keep], ys[keep]])
        found.append(pts)
        have += len(pts)
    return np.concatenate(found)[:n]


def partition(parent: BaseGeometry, seeds: np.ndarray, *, relax: int = 2) -> list[BaseGeometry]:
    """Cut ``parent`` into one cell per seed (Voronoi, clipped), in the order of ``seeds``.

    ``relax`` rounds of Lloyd's relaxation move each seed to its cell's centre, which gives
    evener cells, as grids drawn by hand tend to be.
    """
    if len(seeds) == 1:
        return [parent]
    shapely.prepare(parent)
    cells: list[BaseGeometry] = []
    for round_ in range(relax + 1):
        diagram = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=parent, ordered=True)
        raw = list(shapely.get_parts(diagram))
        cells = list(shapely.intersection(np.array(raw, dtype=object), parent))
        cells = [_polygonal(c) for c in cells]
        if round_ == relax:
            break
        centres = shapely.centroid(np.array(cells, dtype=object))
        inside = shapely.contains(parent, centres)
        fallback = shapely.point_on_surface(np.array(cells, dtype=object))
        moved = np.where(inside, centres, fallback)
        seeds = shapely.get_coordinates(moved)
    return cells


def regions(
    outline: BaseGeometry,
    seats: np.ndarray,
    areas: np.ndarray,
    rng: np.random.Generator,
    *,
    cells: int = 700,
) -> list[BaseGeometry]:
    """Cut ``outline`` into regions around ``seats`` with roughly the given ``areas``.

    The outline is first cut into many small cells; each goes to the seat of least power
    distance (squared distance minus the seat's weight), weights being adjusted until the areas
    fit. Regions are unions of whole cells, so their borders zigzag like real ones.
    """
    fine = partition(outline, random_points(outline, cells, rng), relax=1)
    arr = np.array(fine, dtype=object)
    centres = shapely.get_coordinates(shapely.point_on_surface(arr))
    cell_area = shapely.area(arr)
    target = areas / areas.sum() * cell_area.sum()
    d2 = ((centres[:, None, :] - seats[None, :, :]) ** 2).sum(axis=2)
    weight = np.zeros(len(seats))
    for _round in range(200):
        owner = np.argmin(d2 - weight, axis=1)
        got = np.bincount(owner, weights=cell_area, minlength=len(seats))
        if np.abs(got - target).max() < 0.03 * target.min():
            break
        weight += 0.5 * (target - got)
    owner = np.argmin(d2 - weight, axis=1)
    return [_polygonal(shapely.union_all(arr[owner == i]).buffer(0)) for i in range(len(seats))]


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep the areal part of an intersection (drop stray lines and points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else geom


def nearest(cells: list[BaseGeometry], x: float, y: float, k: int) -> list[int]:
    """Indices of the ``k`` cells whose inner point lies nearest (x, y), nearest first."""
    pts = shapely.get_coordinates(shapely.point_on_surface(np.array(cells, dtype=object)))
    d = np.hypot(pts[:, 0] - x, pts[:, 1] - y)
    return [int(i) for i in np.argsort(d, kind="stable")[:k]]


def to_lnglat(geom: BaseGeometry) -> BaseGeometry:
    """Kilometres → degrees, snapped to the 6-decimal grid (keeping the polygon valid)."""
    out = shapely.transform(geom, km_to_lnglat)
    snapped = shapely.set_precision(out, GRID_SIZE)
    return out if snapped.is_empty else snapped


def inner_point(geom: BaseGeometry) -> tuple[float, float]:
    """A point inside a degree geometry: (lat, lng), rounded."""
    p = geom.point_on_surface()
    return round(p.y, 6), round(p.x, 6)


def _ring(coords: np.ndarray) -> str:
    return "[" + ",".join(f"[{x:.6f},{y:.6f}]" for x, y in coords) + "]"


def _polygon_coords(poly: Polygon) -> str:
    rings = [poly.exterior, *poly.interiors]
    return "[" + ",".join(_ring(np.asarray(r.coords)) for r in rings) + "]"


def geojson(geom: BaseGeometry) -> str:
    """Compact GeoJSON of a Polygon or MultiPolygon with 6-decimal coordinates."""
    if geom.geom_type == "Polygon":
        return '{"type":"Polygon","coordinates":' + _polygon_coords(geom) + "}"
    if geom.geom_type == "MultiPolygon":
        parts = ",".join(_polygon_coords(p) for p in geom.geoms)
        return '{"type":"MultiPolygon","coordinates":[' + parts + "]}"
    raise ValueError(f"not a polygon: {geom.geom_type}")
