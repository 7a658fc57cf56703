"""Set-based loading of grid nodes from a staging table.

The SQL helpers every loader shares are in ``gridgov.core.bulkload``; ``common_path`` is here
because it knows the grid's code lengths.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from gridgov.core.bulkload import (
    LoadCounts,
    any_differs,
    classify,
    db_now,
    json_expr,
    q,
    table,
    upsert,
)

from .locate import microgrid_index_reset
from .models import CODE_LENGTH, LEVEL_BY_LENGTH, GridNode


def common_path(paths: Sequence[str | None]) -> str:
    """The deepest grid code that all ``paths`` lie under ("" for none in common)."""
    present = [p for p in paths if p]
    if not present:
        return ""
    low, high = min(present), max(present)
    n = 0
    while n < min(len(low), len(high)) and low[n] == high[n]:
        n += 1
    lengths = [length for length in sorted(CODE_LENGTH.values()) if length <= n]
    return low[: lengths[-1]] if lengths else ""


def grid_nodes_load(
    *, stage: str, present: frozenset[str], now: dt.datetime, dry_run: bool
) -> LoadCounts:
    """Upsert grid nodes by code from ``stage`` (code, name, parent_code, lat, lng, boundary).

    Parents are set from the code (a node's parent is the code three digits shorter, a town's
    the county's six), level by level from the county down, so a file may list children before
    their parents. Codes are identities: a node never moves.
    """
    node = table(GridNode)
    pairs = [("name", "s.name")]
    pairs += [(c, f"s.{c}") for c in ("lat", "lng") if c in present]
    if "boundary" in present:
        pairs.append(("boundary", json_expr("s.boundary")))
    counts = classify(
        source=f"{q(stage)} s LEFT JOIN {node} t ON t.code = s.code",
        target_id="t.id",
        diff=any_differs([(f"t.{q(c)}", e) for c, e in pairs]),
    )
    if dry_run or not counts.written:
        return counts
    stamp = db_now(now)
    values = {
        "level": "s.level",
        "code": "s.code",
        "name": "s.name",
        "parent_id": f"(SELECT p.id FROM {node} p WHERE p.code = s.parent_code)",
        "lat": "s.lat" if "lat" in present else "NULL",
        "lng": "s.lng" if "lng" in present else "NULL",
        "boundary": json_expr("s.boundary") if "boundary" in present else "NULL",
        "households_count": "0",
        "persons_count": "0",
        "party_members_count": "0",
        "organizations_count": "0",
        "created_at": "%s",
        "updated_at": "%s",
    }
    for length in sorted(LEVEL_BY_LENGTH):
        upsert(
            into=node,
            values=values,
            select_from=f"{q(stage)} s",
            where=f"length(s.code) = {int(length)}",
            conflict=["code"],
            update=[c for c, _ in pairs],
            touch={"updated_at": "excluded.updated_at"},
            params=[stamp, stamp],
        )
    microgrid_index_reset()  # this process at once; the others within RECHECK_SECONDS
    return counts
