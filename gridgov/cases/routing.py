"""Where a new matter goes (分拨): its place on the grid, then the level its category starts at.

Place, in order: the micro-grid of the household; the micro-grid whose boundary holds the point;
the nearest micro-grid within ``ROUTING_TOLERANCE_METERS``; a village named in the address or
chosen on the public page; otherwise the inbox of the town the point is nearest to, and with no
location on the grid at all, the top of the deployment. The category then lifts the matter to
its starting level ("小事不出网": most start in the micro-grid).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gridgov.core.compiled import CompiledRead
from gridgov.core.rules import rule_value
from gridgov.grid.locate import microgrid_index
from gridgov.grid.models import CODE_LENGTH, GridLevel, GridNode

from .models import Category
from .rules import CHINA_BOUNDS, ROUTING_TOLERANCE_METERS

LEVEL_ORDER = [
    GridLevel.MICROGRID,
    GridLevel.GROUP,
    GridLevel.VILLAGE,
    GridLevel.TOWN,
    GridLevel.COUNTY,
]


class RoutedBy:
    HOUSEHOLD = "household"
    INSIDE = "inside"
    NEAREST = "nearest"
    PLACE = "place"
    ADDRESS = "address"
    TOWN_INBOX = "town_inbox"
    TOP = "top"


@dataclass(frozen=True)
class Route:
    place: GridNode  # where the matter is (scope)
    handler: GridNode  # the level that holds it first
    how: str


def validate_point(lat: float | None, lng: float | None) -> None:
    if lat is None and lng is None:
        return
    if lat is None or lng is None:
        raise ValidationError({"lat": _("经纬度须同时提供")})
    bounds = rule_value(CHINA_BOUNDS)
    if not (bounds["lat_min"] <= lat <= bounds["lat_max"]):
        raise ValidationError({"lat": _("纬度%(v)s不在中国境内") % {"v": lat}})
    if not (bounds["lng_min"] <= lng <= bounds["lng_max"]):
        raise ValidationError({"lng": _("经度%(v)s不在中国境内") % {"v": lng}})


# The places a matter is routed to, without their boundaries: polygons of up to thousands of
# points, parsed from JSON on every read, which routing (done by the index) never needs.
_NODES = GridNode.objects.defer("boundary")
# Compiled once: read at intake, measured by bench/load.py (writes, create).
_NODE = CompiledRead("cases.routing.node")  # read at every intake, by id or by code


def _node(**lookup: str | int) -> GridNode:
    return _NODE.get(_NODES.filter(**lookup))


def level_rank(level: str) -> int:
    return LEVEL_ORDER.index(level)


def start_node(place: GridNode, category: Category) -> GridNode:
    """The ancestor of ``place`` at the category's starting level (or ``place`` if higher)."""
    if level_rank(place.level) >= level_rank(category.start_level):
        return place
    code = place.code[: CODE_LENGTH[category.start_level]]
    return _node(code=code)


def _place_of_address(address: str) -> GridNode | None:
    """A village or group whose name the address contains (the longest name wins)."""
    if not address:
        return None
    names = GridNode.objects.filter(level__in=[GridLevel.VILLAGE, GridLevel.GROUP]).values_list(
        "id", "name"
    )
    best = max(
        ((pk, name) for pk, name in names if name and name in address),
        key=lambda item: len(item[1]),
        default=None,
    )
    return _node(pk=best[0]) if best else None


def _top() -> GridNode:
    top = _NODES.filter(parent__isnull=True).order_by("code").first()
    if top is None:
        raise ValidationError({"location": _("尚未建立网格，无法受理")})
    return top


def route_matter(
    *,
    category: Category,
    household_microgrid: GridNode | None = None,
    lat: float | None = None,
    lng: float | None = None,
    place: GridNode | None = None,
    address: str = "",
) -> Route:
    validate_point(lat, lng)
    if household_microgrid is not None:
        found, how = household_microgrid, RoutedBy.HOUSEHOLD
    else:
        found, how = None, ""
        if lat is not None and lng is not None:
            index = microgrid_index()
            hit = index.locate(lat, lng, tolerance_m=rule_value(ROUTING_TOLERANCE_METERS))
            if hit.node_id is not None:
                found = index.node(hit.node_id) or _node(pk=hit.node_id)
                how = RoutedBy.INSIDE if hit.how == "inside" else RoutedBy.NEAREST
        if found is None and place is not None:
            found, how = place, RoutedBy.PLACE
        if found is None and address:
            named = _place_of_address(address)
            if named is not None:
                found, how = named, RoutedBy.ADDRESS
        if found is None and lat is not None and lng is not None:
            near = microgrid_index().nearest_any(lat, lng)
            if near.node_id is not None:
                found = _node(code=near.code[: CODE_LENGTH[GridLevel.TOWN]])
                how = RoutedBy.TOWN_INBOX
        if found is None:
            if lat is None and not address and place is None:
                raise ValidationError(
                    {"location": _("请提供位置：所在户、坐标、地址或所在村（社区）之一")}
                )
            found, how = _top(), RoutedBy.TOP
    return Route(place=found, handler=start_node(found, category), how=how)
