"""Write a demo area as CSV files, one per import kind, village by village.

Memory stays bounded: the grid tree (a few thousand nodes) is held whole, households and persons
only for the village being written. Every village draws from its own random stream
(``[seed, 1, index]``), so output depends only on the seed, the scale and the reference date.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

from gridgov.dataio.schemas import LOAD_ORDER, SCHEMAS

from .identity import IdAllocator
from .names import village_surnames
from .orgs import Term, town_party_org, village_orgs
from .people import REGIONS, village_people
from .scales import Scale
from .tree import Node, build_tree

MISMATCH_SHARE = 0.03  # villages whose party organization type does not fit its members

Progress = Callable[[str], None]


@dataclass
class Generated:
    out: Path
    rows: dict[str, int]
    seconds: dict[str, float]
    levels: dict[str, int]
    org_kinds: dict[str, int] = field(default_factory=dict)
    branches: int = 0
    barred: int = 0
    mismatched: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def csv_path(out: Path, kind: str) -> Path:
    return out / f"{kind}.csv"


class _Writers:
    """One csv.writer per kind, with a row counter and the time spent writing."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.files = {k: csv_path(out, k).open("w", encoding="utf-8", newline="") for k in SCHEMAS}
        self.writers = {k: csv.writer(f) for k, f in self.files.items()}
        self.rows: Counter[str] = Counter()
        self.seconds = 0.0
        for kind in LOAD_ORDER:
            self.writers[kind].writerow(SCHEMAS[kind].headers)

    def write(self, kind: str, rows: list) -> None:
        started = time.perf_counter()
        self.writers[kind].writerows(rows)
        self.rows[kind] += len(rows)
        self.seconds += time.perf_counter() - started

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def _grid_row(node: Node) -> tuple:
    return (node.code, node.name, f"{node.lat:.6f}", f"{node.lng:.6f}", node.boundary)


def generate(
    scale: Scale,
    *,
    seed: int,
    out: Path,
    as_of: dt.date,
    progress: Progress | None = None,
) -> Generated:
    """Write the CSV files of ``scale`` into ``out`` and say what was made and how long it took."""
    say = progress or (lambda _msg: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    county = build_tree(scale, np.random.default_rng([seed, 0]))
    nodes = list(county.walk())
    seconds["grid"] = time.perf_counter() - started
    levels = Counter(n.level for n in nodes)
    say(
        _("网格：%(t)d个镇街、%(v)d个村（社区）、%(g)d个村民小组、%(m)d个微网格")
        % {
            "t": levels["town"],
            "v": levels["village"],
            "g": levels["group"],
            "m": levels["microgrid"],
        }
    )

    writers = _Writers(out)
    try:
        writers.write("grid", [_grid_row(n) for n in nodes])
        writers.write("party_orgs", [town_party_org(t) for t in county.children])
        villages = [v for t in county.children for v in t.children]
        plan = np.random.default_rng([seed, 2])
        n_mismatch = max(1, round(MISMATCH_SHARE * len(villages)))
        mismatch = set(plan.choice(len(villages), size=n_mismatch, replace=False).tolist())
        barred: dict[int, tuple[str, ...]] = {0: ("household",), len(villages) // 2: ("self",)}
        if len(villages) == 1:
            barred = {0: ("self", "household")}
        term = Term.current(as_of)
        ids = IdAllocator(REGIONS, as_of)
        result = Generated(out, {}, seconds, dict(levels))
        kinds: Counter[str] = Counter()
        people_s = orgs_s = 0.0
        step = max(1, len(villages) // 20)
        for vi, village in enumerate(villages):
            rng = np.random.default_rng([seed, 1, vi])
            t0 = time.perf_counter()
            surname_p = village_surnames(rng)[1]
            people = village_people(village, rng, ids=ids, as_of=as_of, village_p=surname_p)
            t1 = time.perf_counter()
            orgs = village_orgs(
                village,
                people,
                rng,
                as_of=as_of,
                term=term,
                mismatch=vi in mismatch,
                barred=barred.get(vi, ()),
            )
            t2 = time.perf_counter()
            people_s += t1 - t0
            orgs_s += t2 - t1
            writers.write("households", people.h_rows)
            writers.write("persons", people.p_rows)
            writers.write("party_orgs", orgs.party_orgs)
            writers.write("party_members", orgs.party_members)
            writers.write("bodies", orgs.bodies)
            writers.write("memberships", orgs.memberships)
            writers.write("grid_posts", orgs.grid_posts)
            kinds[orgs.kind] += 1
            result.branches += orgs.branches
            result.barred += orgs.barred
            if vi in mismatch:
                result.mismatched.append(village.code)
            if (vi + 1) % step == 0 or vi + 1 == len(villages):
                say(
                    _("人员与组织：%(i)d/%(n)d个村（社区），%(p)d人")
                    % {"i": vi + 1, "n": len(villages), "p": writers.rows["persons"]}
                )
    finally:
        writers.close()
    seconds["people"] = people_s
    seconds["orgs"] = orgs_s
    seconds["write"] = writers.seconds
    result.rows = dict(writers.rows)
    result.org_kinds = dict(kinds)
    return result
