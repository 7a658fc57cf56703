"""Changes to the grid tree: every one audited, in a transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.identity import IdentifierError
from gridgov.core.services import object_update

from .codes import validate_node_code
from .models import CHILD_LEVEL, GridLevel, GridNode


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
    return node


def grid_node_update(*, node: GridNode, data: dict[str, Any]) -> GridNode:
    """Edit name, boundary or point. Codes are identities here: a re-division is an import."""
    allowed = {"name", "boundary", "lat", "lng"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({f: _("不能修改此字段") for f in unknown})
    return object_update(instance=node, data=data)
