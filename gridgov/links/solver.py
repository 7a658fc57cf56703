"""The optimal link plan (就近、灵活、便民), as pure computation: no models, no database.

One problem per micro-grid (or per village when links may cross micro-grids, ``SAME_MICROGRID``
off): its households and its eligible linkers. The plan, in this order of importance:

1. covers the most priority households (重点户);
2. then covers the most households;
3. then has the least total distance in whole metres (haversine, linker's home to household),
   where a linker of the household's own villager group counts ``same_group_bonus_m`` less
   (never below 0) and the link in force counts ``stability_m`` less, so an existing link is kept
   unless moving gains more than that.

Pinned pairs (双向选择) are fixed and use their linker's capacity, as do links the plan does not
touch (``Problem.linker_load``). The three orders are one min-cost flow: leaving a household
uncovered costs a penalty larger than any total distance of the problem, and a priority household
a penalty larger than any number of ordinary ones. OR-Tools solves it (``solve``); networkx's
network simplex solves the same network independently (``solve_exact_check``), and a greedy
nearest-with-capacity assignment is the baseline (``solve_greedy``).

A household or linker without a location is placed at the problem's centre (the micro-grid's
point, else the mean of the located ones) and flagged. A problem without linkers has its
shortfall, never an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
# A distance counted in the objective is capped here: nothing inside a micro-grid or a village is
# this far apart, and the cap keeps the lexicographic penalties far inside 64-bit integers even
# when a coordinate is wrong. The stored distance is the true one.
MAX_COST_M = 100_000
NONE = 0  # "no linker" in the id arrays (database ids start at 1)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Params:
    stability_m: int = 300
    same_group_bonus_m: int = 200


@dataclass(frozen=True)
class HouseholdIn:
    id: int
    lat: float | None
    lng: float | None
    priority: bool = False
    group: str = ""
    current: int | None = None  # linker of the link in force
    pinned: int | None = None  # linker of a pinned two-way choice (kept as it is)


@dataclass(frozen=True)
class LinkerIn:
    id: int
    lat: float | None
    lng: float | None
    capacity: int  # the most households of the linker's kind
    group: str = ""
    load: int = 0  # households linked outside this problem, kept by the plan


@dataclass
class Problem:
    """One micro-grid's households and linkers, column by column (numpy arrays)."""

    key: str
    household_ids: IntArray
    hh_lat: FloatArray  # NaN: no location
    hh_lng: FloatArray
    priority: BoolArray
    hh_group: IntArray
    current: IntArray  # NONE: no link in force
    pinned: IntArray  # NONE: not pinned
    linker_ids: IntArray
    lk_lat: FloatArray
    lk_lng: FloatArray
    lk_group: IntArray
    capacity: IntArray
    linker_load: IntArray
    centre: tuple[float, float] | None = None

    @classmethod
    def build(
        cls,
        key: str,
        households: Sequence[HouseholdIn],
        linkers: Sequence[LinkerIn],
        *,
        centre: tuple[float, float] | None = None,
    ) -> Problem:
        groups: dict[str, int] = {}

        def gid(g: str) -> int:
            return groups.setdefault(g, len(groups) + 1) if g else 0

        def f(v: float | None) -> float:
            return np.nan if v is None else float(v)

        return cls(
            key=key,
            household_ids=np.array([h.id for h in households], dtype=np.int64),
            hh_lat=np.array([f(h.lat) for h in households], dtype=np.float64),
            hh_lng=np.array([f(h.lng) for h in households], dtype=np.float64),
            priority=np.array([h.priority for h in households], dtype=np.bool_),
            hh_group=np.array([gid(h.group) for h in households], dtype=np.int64),
            current=np.array([h.current or NONE for h in households], dtype=np.int64),
            pinned=np.array([h.pinned or NONE for h in households], dtype=np.int64),
            linker_ids=np.array([k.id for k in linkers], dtype=np.int64),
            lk_lat=np.array([f(k.lat) for k in linkers], dtype=np.float64),
            lk_lng=np.array([f(k.lng) for k in linkers], dtype=np.float64),
            lk_group=np.array([gid(k.group) for k in linkers], dtype=np.int64),
            capacity=np.array([k.capacity for k in linkers], dtype=np.int64),
            linker_load=np.array([k.load for k in linkers], dtype=np.int64),
            centre=centre,
        )

    def without_linker(self, linker_id: int) -> Problem:
        """The same problem after a linker leaves (for a re-plan)."""
        keep = self.linker_ids != linker_id
        return Problem(
            key=self.key,
            household_ids=self.household_ids,
            hh_lat=self.hh_lat,
            hh_lng=self.hh_lng,
            priority=self.priority,
            hh_group=self.hh_group,
            current=self.current,
            pinned=np.where(self.pinned == linker_id, NONE, self.pinned),
            linker_ids=self.linker_ids[keep],
            lk_lat=self.lk_lat[keep],
            lk_lng=self.lk_lng[keep],
            lk_group=self.lk_group[keep],
            capacity=self.capacity[keep],
            linker_load=self.linker_load[keep],
            centre=self.centre,
        )


@dataclass
class Figures:
    """A problem's (or a sum of problems') figures."""

    households: int = 0
    covered: int = 0
    priority: int = 0
    priority_covered: int = 0
    total_distance_m: int = 0
    measured: int = 0  # covered households whose distance is known
    kept: int = 0
    added: int = 0
    moved: int = 0
    ended: int = 0
    uncovered: int = 0
    at_centre: int = 0
    linkers: int = 0

    @property
    def shortfall(self) -> int:
        return self.households - self.covered

    @property
    def mean_distance_m(self) -> float:
        return self.total_distance_m / self.measured if self.measured else 0.0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["shortfall"] = self.shortfall
        data["mean_distance_m"] = round(self.mean_distance_m, 1)
        return data


@dataclass
class Solution:
    """Each household's linker in the plan (NONE: not covered), its distance (-1: unknown or
    not covered), and whether it was placed at the centre."""

    key: str
    household_ids: IntArray
    linker: IntArray
    distance_m: IntArray
    at_centre: BoolArray
    objective: int  # the distance part of the objective, in its units (half metres)
    figures: Figures = field(default_factory=Figures)


def haversine_m(lat1: FloatArray, lng1: FloatArray, lat2: FloatArray, lng2: FloatArray) -> IntArray:
    """Great-circle distance in whole metres (rounded half up), broadcasting."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lng2) - np.radians(lng1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    out: IntArray = np.floor(d + 0.5).astype(np.int64)
    return out


def _centre(p: Problem) -> tuple[float, float]:
    if p.centre is not None:
        return p.centre
    lat = np.concatenate([p.hh_lat, p.lk_lat])
    lng = np.concatenate([p.hh_lng, p.lk_lng])
    ok = ~(np.isnan(lat) | np.isnan(lng))
    if ok.any():
        return float(lat[ok].mean()), float(lng[ok].mean())
    return 0.0, 0.0


@dataclass
class _Prepared:
    free: IntArray  # indices of the households the flow assigns
    dist: IntArray  # [households, linkers] true metres
    adj: IntArray  # [free, linkers] the objective's cost of each pair (half metres)
    avail: IntArray  # capacity left per linker
    at_centre: BoolArray
    fixed: IntArray  # linker of each household fixed by a pin (NONE: free)


def _prepare(p: Problem, params: Params) -> _Prepared:
    clat, clng = _centre(p)
    hh_missing = np.isnan(p.hh_lat) | np.isnan(p.hh_lng)
    hlat = np.where(hh_missing, clat, p.hh_lat)
    hlng = np.where(hh_missing, clng, p.hh_lng)
    lk_missing = np.isnan(p.lk_lat) | np.isnan(p.lk_lng)
    llat = np.where(lk_missing, clat, p.lk_lat)
    llng = np.where(lk_missing, clng, p.lk_lng)
    dist = haversine_m(hlat[:, None], hlng[:, None], llat[None, :], llng[None, :])
    pinned = p.pinned != NONE
    pin_count = np.zeros(len(p.linker_ids), dtype=np.int64)
    if pinned.any() and len(p.linker_ids):
        order = np.argsort(p.linker_ids)
        pos = np.searchsorted(p.linker_ids[order], p.pinned[pinned])
        pos = np.clip(pos, 0, len(order) - 1)
        found = p.linker_ids[order][pos] == p.pinned[pinned]
        np.add.at(pin_count, order[pos[found]], 1)
    avail = np.maximum(p.capacity - p.linker_load - pin_count, 0)
    free = np.flatnonzero(~pinned)
    adj = np.minimum(dist[free], MAX_COST_M)
    if params.same_group_bonus_m:
        same = (p.hh_group[free][:, None] == p.lk_group[None, :]) & (p.hh_group[free][:, None] > 0)
        adj = np.where(same, np.maximum(adj - params.same_group_bonus_m, 0), adj)
    # Stability: every pair but the link in force costs ``stability_m`` more, and costs are
    # doubled with half a metre more on a move, so that a move must gain strictly more than
    # ``stability_m`` metres and a tie keeps the link.
    current = p.current[free][:, None] == p.linker_ids[None, :]
    adj = 2 * adj + np.where(current, 0, 2 * params.stability_m + 1)
    at_centre = hh_missing.copy()
    return _Prepared(
        free=free,
        dist=dist,
        adj=adj.astype(np.int64),
        avail=avail.astype(np.int64),
        at_centre=at_centre,
        fixed=np.where(pinned, p.pinned, NONE).astype(np.int64),
    )


def _penalties(prep: _Prepared, priority: BoolArray) -> IntArray:
    """The cost of leaving each free household uncovered: above any total distance, and for a
    priority household above any number of ordinary households left uncovered."""
    n = len(prep.free)
    max_adj = int(prep.adj.max()) if prep.adj.size else 0
    cover = n * max_adj + 1
    prio = cover * (n + 1)
    return np.where(priority[prep.free], cover + prio, cover).astype(np.int64)


def _finish(p: Problem, prep: _Prepared, chosen: IntArray) -> Solution:
    """``chosen``: for each free household the linker index (-1: none)."""
    n = len(p.household_ids)
    linker = prep.fixed.copy()
    idx = np.full(n, -1, dtype=np.int64)
    got = chosen >= 0
    linker[prep.free[got]] = p.linker_ids[chosen[got]]
    idx[prep.free] = chosen
    # Pinned households: their linker's index when the linker is in the problem.
    if len(p.linker_ids):
        where = {int(lid): i for i, lid in enumerate(p.linker_ids)}
        for h in np.flatnonzero(prep.fixed != NONE):
            idx[h] = where.get(int(prep.fixed[h]), -1)
    distance = np.full(n, -1, dtype=np.int64)
    known = idx >= 0
    if known.any():
        distance[known] = prep.dist[np.flatnonzero(known), idx[known]]
    objective = int(prep.adj[np.flatnonzero(got), chosen[got]].sum()) if got.any() else 0
    sol = Solution(
        key=p.key,
        household_ids=p.household_ids,
        linker=linker,
        distance_m=distance,
        at_centre=prep.at_centre,
        objective=objective,
    )
    sol.figures = figures_of(p, sol)
    return sol


def figures_of(p: Problem, sol: Solution) -> Figures:
    covered = sol.linker != NONE
    had = p.current != NONE
    measured = sol.distance_m >= 0
    return Figures(
        households=len(p.household_ids),
        covered=int(covered.sum()),
        priority=int(p.priority.sum()),
        priority_covered=int((covered & p.priority).sum()),
        total_distance_m=int(sol.distance_m[measured].sum()),
        measured=int(measured.sum()),
        kept=int((covered & (sol.linker == p.current)).sum()),
        added=int((covered & ~had).sum()),
        moved=int((covered & had & (sol.linker != p.current)).sum()),
        ended=int((~covered & had).sum()),
        uncovered=int((~covered & ~had).sum()),
        at_centre=int(sol.at_centre.sum()),
        linkers=len(p.linker_ids),
    )


def _trivial(p: Problem, prep: _Prepared) -> Solution | None:
    if len(prep.free) == 0 or int(prep.avail.sum()) == 0:
        return _finish(p, prep, np.full(len(prep.free), -1, dtype=np.int64))
    return None


def _network(prep: _Prepared, priority: BoolArray) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Arcs (tail, head, capacity, cost) of the network: households 0..n-1, linkers n..n+m-1,
    the sink n+m. Household → linker arcs come first, in row order."""
    n, m = prep.adj.shape
    sink = n + m
    tails = np.concatenate([np.repeat(np.arange(n), m), np.arange(n), n + np.arange(m)])
    heads = np.concatenate([np.tile(n + np.arange(m), n), np.full(n, sink), np.full(m, sink)])
    caps = np.concatenate([np.ones(n * m + n, dtype=np.int64), prep.avail])
    costs = np.concatenate(
        [prep.adj.ravel(), _penalties(prep, priority), np.zeros(m, dtype=np.int64)]
    )
    return (
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )


def solve(p: Problem, params: Params) -> Solution:
    """The optimal plan of one problem, by OR-Tools' min-cost flow."""
    from ortools.graph.python import min_cost_flow

    prep = _prepare(p, params)
    trivial = _trivial(p, prep)
    if trivial is not None:
        return trivial
    n, m = prep.adj.shape
    tails, heads, caps, costs = _network(prep, p.priority)
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.ones(n + m + 1, dtype=np.int64)
    supplies[n:] = 0
    supplies[n + m] = -n
    smcf.set_nodes_supplies(np.arange(n + m + 1, dtype=np.int32), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow of {p.key}: status {status}")
    flows = smcf.flows(arcs[: n * m]).reshape(n, m)
    chosen = np.where(flows.any(axis=1), flows.argmax(axis=1), -1).astype(np.int64)
    return _finish(p, prep, chosen)


def solve_exact_check(p: Problem, params: Params) -> Solution:
    """The same network solved by networkx's network simplex: an independent exact check."""
    import networkx as nx

    prep = _prepare(p, params)
    trivial = _trivial(p, prep)
    if trivial is not None:
        return trivial
    n, m = prep.adj.shape
    tails, heads, caps, costs = _network(prep, p.priority)
    g = nx.DiGraph()
    for i in range(n):
        g.add_node(("h", i), demand=-1)
    for j in range(m):
        g.add_node(("l", j), demand=0)
    g.add_node("sink", demand=n)

    def name(node: int) -> Any:
        if node < n:
            return ("h", node)
        if node < n + m:
            return ("l", node - n)
        return "sink"

    g.add_edges_from(
        (name(int(t)), name(int(h)), {"capacity": int(c), "weight": int(w)})
        for t, h, c, w in zip(tails, heads, caps, costs, strict=True)
    )
    _cost, flow = nx.network_simplex(g)
    chosen = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        for target, f in flow[("h", i)].items():
            if f and target != "sink":
                chosen[i] = target[1]
    return _finish(p, prep, chosen)


def solve_greedy(p: Problem, params: Params) -> Solution:
    """The baseline: priority households first, then the rest, each (in id order) to the
    nearest linker with capacity left."""
    prep = _prepare(p, params)
    trivial = _trivial(p, prep)
    if trivial is not None:
        return trivial
    n, _m = prep.adj.shape
    avail = prep.avail.copy()
    chosen = np.full(n, -1, dtype=np.int64)
    dist = prep.dist[prep.free]
    order = np.lexsort((p.household_ids[prep.free], ~p.priority[prep.free]))
    for i in order:
        open_ = avail > 0
        if not open_.any():
            break
        j = int(np.argmin(np.where(open_, dist[i], np.iinfo(np.int64).max)))
        chosen[i] = j
        avail[j] -= 1
    return _finish(p, prep, chosen)


def solve_all(
    problems: Iterable[Problem], params: Params, *, method: str = "ortools"
) -> list[Solution]:
    fn = {"ortools": solve, "networkx": solve_exact_check, "greedy": solve_greedy}[method]
    return [fn(p, params) for p in problems]


def total(solutions: Iterable[Solution]) -> Figures:
    out = Figures()
    for s in solutions:
        out.add(s.figures)
    return out
