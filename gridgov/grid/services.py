"""Changes to the grid tree: every one audited, in a transaction."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.identity import IdentifierError
from gridgov.core.services import acting_as, acting_user_check, object_update

from .codes import validate_node_code
from .locate import microgrid_index_reset
from .models import CHILD_LEVEL, GridLevel, GridNode

BOUNDARY_TYPES = {"Polygon", "MultiPolygon"}


def validate_boundary(boundary: dict[str, Any] | None) -> dict[str, Any] | None:
    """A GeoJSON Polygon or MultiPolygon geometry that is valid, in WGS 84 longitude/latitude."""
    if boundary is None:
        return None
    from shapely import is_valid_reason
    from shapely.geometry import shape

    if not isinstance(boundary, dict) or boundary.get("type") not in BOUNDARY_TYPES:
        raise ValidationError({"boundary": _("边界须为GeoJSON的Polygon或MultiPolygon几何")})
    if not _coordinates_are_numbers(boundary.get("coordinates")):
        raise ValidationError({"boundary": _("边界的坐标须为数字（经度、纬度）")})
    try:
        geometry = shape(boundary)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise ValidationError(
            {"boundary": _("边界不是有效的GeoJSON：%(e)s") % {"e": exc}}
        ) from None
    if geometry.is_empty or not geometry.is_valid:
        raise ValidationError(
            {"boundary": _("边界几何无效：%(r)s") % {"r": is_valid_reason(geometry)}}
        )
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError({"boundary": _("边界坐标须为经纬度（经度在前）")})
    return boundary


def _is_number(value: Any) -> bool:
    """A finite int, float or Decimal; ``True``/``False`` are not numbers (they once stored
    ``"lng": false`` as 0)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(value)


def _coordinates_are_numbers(coordinates: Any, depth: int = 0) -> bool:
    if isinstance(coordinates, list | tuple) and coordinates and depth < 6:
        return all(_coordinates_are_numbers(c, depth + 1) for c in coordinates)
    return _is_number(coordinates)


def validate_point(lat: float | None, lng: float | None) -> None:
    if (lat is None) != (lng is None):
        raise ValidationError({"lat": _("纬度和经度须同时填写")})
    for name, value in (("lat", lat), ("lng", lng)):
        if value is not None and not _is_number(value):
            raise ValidationError({name: _("应为数字")})
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValidationError({"lat": _("经纬度超出范围")})


@transaction.atomic
def grid_node_create(
    *,
    code: str,
    name: str,
    parent: GridNode | None = None,
    level: str | None = None,
    boundary: dict[str, Any] | None = None,
    lat: float | None = None,
    lng: float | None = None,
    by: Any,
) -> GridNode:
    acting_user_check(by)
    with acting_as(by):
        return _grid_node_create(
            code=code, name=name, parent=parent, level=level, boundary=boundary, lat=lat, lng=lng
        )


def _grid_node_create(
    *,
    code: str,
    name: str,
    parent: GridNode | None,
    level: str | None,
    boundary: dict[str, Any] | None,
    lat: float | None,
    lng: float | None,
) -> GridNode:
    if parent is None:
        level = level or GridLevel.COUNTY
        if level != GridLevel.COUNTY:
            raise ValidationError({"parent": _("只有区县可以没有上级")})
    else:
        child = CHILD_LEVEL.get(GridLevel(parent.level))
        if child is None:
            raise ValidationError({"parent": _("微网格下不能再设网格")})
        if level and level != child:
            raise ValidationError(
                {"level": _("%(p)s之下应为%(c)s") % {"p": parent, "c": child.label}}
            )
        level = child
    validate_boundary(boundary)
    validate_point(lat, lng)
    try:
        code = validate_node_code(code, level, parent.code if parent else None)
    except IdentifierError as exc:
        raise ValidationError({"code": str(exc)}) from None
    node = GridNode(
        code=code,
        name=name.strip(),
        parent=parent,
        level=level,
        boundary=boundary,
        lat=lat,
        lng=lng,
    )
    node.full_clean()
    node.save()
    audit_record(action="create", instance=node, after=snapshot(node))
    microgrid_index_reset()
    return node


def grid_node_update(*, node: GridNode, data: dict[str, Any], by: Any) -> GridNode:
    """Edit name, boundary or point. Codes are identities here: a re-division is an import."""
    acting_user_check(by)
    allowed = {"name", "boundary", "lat", "lng"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({f: _("不能修改此字段") for f in unknown})
    if "boundary" in data:
        validate_boundary(data["boundary"])
    validate_point(data.get("lat", node.lat), data.get("lng", node.lng))
    with acting_as(by):
        node = object_update(instance=node, data=data)
    microgrid_index_reset()
    return node
