"""The import kinds, by the names of ``gridgov.dataio.schemas.SCHEMAS``."""

from __future__ import annotations

from .base import Context, Kind, Scope
from .grid import GridKind
from .members import GridPostsKind, MembershipsKind, PartyMembersKind
from .orgs import BodiesKind, PartyOrgsKind
from .people import HouseholdsKind, PersonsKind

KINDS: dict[str, Kind] = {
    kind.schema.kind: kind
    for kind in (
        GridKind(),
        PartyOrgsKind(),
        BodiesKind(),
        HouseholdsKind(),
        PersonsKind(),
        PartyMembersKind(),
        MembershipsKind(),
        GridPostsKind(),
    )
}

__all__ = ["KINDS", "Context", "Kind", "Scope"]
