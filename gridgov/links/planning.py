"""The link plan (联户方案) for a grid node: compute, approve, apply, discard; and its reads.

A plan is computed for a node (a micro-grid up to a county) from the households, the eligible
linkers and the links in force under it (``solver``), and stored as a draft with one line per
household (``PlanAssignment``). It is approved by a cadre who names the meeting that approved it
(宁海: the members' assembly), then applied in one atomic, audited call that ends the links it
moves or ends and creates the new ones (``source=plan``).

``basis`` fingerprints what the plan was computed from (the links in force, the households, the
linkers and their eligibility, the rules): applying or approving a plan whose basis no longer
holds is refused, so a stale plan never overwrites newer links. Applying locks the plan and
the node's chain of ancestors, so two cadres applying at once cannot both win.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.scope import user_may
from gridgov.core.audit import audit_record
from gridgov.core.bulkload import rows_append
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check
from gridgov.grid.models import GridNode
from gridgov.orgs.models import PartyMember
from gridgov.people.models import Household, Person

from . import solver
from .eligibility import capacity_of, eligible_linkers_q, priority_q
from .models import (
    Link,
    Linker,
    LinkPlan,
    LinkSource,
    PlanAction,
    PlanAssignment,
    PlanStatus,
)
from .permissions import PLAN_LINKS
from .rules import CAPACITY, SAME_GROUP_BONUS_METERS, SAME_MICROGRID, STABILITY_METERS

BATCH = 20_000
# Per-link audit entries are written when a plan changes at most this many links; above it the
# plan's own entry carries the counts (the plan's lines say which household went where).
PER_LINK_AUDIT_MAX = 500
GROUP_CODE_LENGTH = 15  # a villager group's code (grid.models.CODE_LENGTH)
VILLAGE_CODE_LENGTH = 12


def _today() -> dt.date:
    return timezone.localdate()


def plan_params() -> dict[str, Any]:
    """The rules a plan is computed with, stored on the plan."""
    return {
        "stability_m": int(rule_value(STABILITY_METERS)),
        "same_group_bonus_m": int(rule_value(SAME_GROUP_BONUS_METERS)),
        "same_microgrid": bool(rule_value(SAME_MICROGRID)),
        "capacity": rule_value(CAPACITY),
    }


def _check_may(by: Any, path: str) -> None:
    if by is not None and not user_may(by, PLAN_LINKS, path):
        raise PermissionDenied(_("您不能为此网格计算或批准联户方案"))


# -- The basis ---------------------------------------------------------------------------------


def _links_touching(code: str) -> QuerySet[Link]:
    """Links in force of the node's households or of its linkers."""
    return Link.objects.filter(end_on__isnull=True).filter(
        Q(grid_path__gte=code, grid_path__lt=code + "~")
        | Q(linker__grid_path__gte=code, linker__grid_path__lt=code + "~")
    )


def plan_basis(node: GridNode, params: dict[str, Any], *, on: dt.date) -> str:
    """A fingerprint of what a plan of ``node`` is computed from: links are never edited in
    place (a new one has a higher id, an ended one leaves the count), and every registry row
    that matters carries ``updated_at``."""
    code = node.code
    links = _links_touching(code).aggregate(n=Count("id"), top=Max("id"), ids=Sum("id"))
    pinned = _links_touching(code).filter(pinned=True).aggregate(n=Count("id"), ids=Sum("id"))
    households = Household.objects.within(code).aggregate(
        n=Count("id"), ids=Sum("id"), at=Max("updated_at")
    )
    persons = Person.objects.within(code).aggregate(n=Count("id"), at=Max("updated_at"))
    members = PartyMember.objects.within(code).aggregate(n=Count("id"), at=Max("updated_at"))
    linkers = Linker.objects.within(code).aggregate(n=Count("id"), at=Max("updated_at"))
    eligible = (
        Linker.objects.within(code)
        .filter(eligible_linkers_q(on=on))
        .aggregate(n=Count("id"), ids=Sum("id"))
    )
    data = [code, params, links, pinned, households, persons, members, linkers, eligible]
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# -- Loading a node's problems -----------------------------------------------------------------


@dataclass
class Loaded:
    problems: list[solver.Problem]
    microgrid_of: dict[int, int]  # household id → micro-grid node id
    path_of: dict[int, str]  # household id → grid path
    priority: set[int]
    names: dict[str, tuple[int, str]]  # micro-grid code → (id, name)


def _problem_key(path: str, same_microgrid: bool) -> str:
    return path if same_microgrid else path[:VILLAGE_CODE_LENGTH]


def plan_load(node: GridNode, params: dict[str, Any], *, on: dt.date) -> Loaded:
    """The node's households, eligible linkers and links in force, one problem per micro-grid
    (per village when links may cross micro-grids), in a fixed number of queries.

    Two-way choices (pinned) and links across micro-grids with a recorded exception are kept
    as they are while their linker may link, and use the linker's capacity."""
    code = node.code
    same_mg = bool(params.get("same_microgrid", True))
    table: dict[str, list[int]] = params.get("capacity") or rule_value(CAPACITY)

    def cap(kind: str) -> int:
        if kind in table or "other" in table:
            low_high = table.get(kind, table.get("other", [0, 0]))
            return int(low_high[1])
        return capacity_of(kind).high

    grids = {
        c: (pk, name, lat, lng)
        for pk, c, name, lat, lng in GridNode.objects.filter(Q(code__gte=code, code__lt=code + "~"))
        .order_by()
        .values_list("id", "code", "name", "lat", "lng")
    }
    linkers = list(
        Linker.objects.within(code)
        .filter(eligible_linkers_q(on=on))
        .values_list("id", "kind", "grid_path", "person__household__lat", "person__household__lng")
        .order_by("id")
    )
    eligible = {row[0]: row for row in linkers}
    linker_key = {row[0]: _problem_key(row[2], same_mg) for row in linkers}
    hh_rows = list(
        Household.objects.within(code)
        .values_list("id", "lat", "lng", "grid_path", "microgrid_id")
        .order_by()  # grouped per problem below; in the table's order (no sort of the county)
    )
    priority = set(
        Household.objects.within(code)
        .filter(priority_q(on=on))
        .order_by()
        .values_list("id", flat=True)
    )
    in_node = {row[0]: _problem_key(row[3], same_mg) for row in hh_rows}
    current: dict[int, int] = {}
    pinned: dict[int, int] = {}
    load: dict[int, int] = defaultdict(int)
    links = list(
        _links_touching(code)
        .order_by()
        .values_list("household_id", "linker_id", "pinned", "cross_grid_reason")
    )
    # Kept as they are: two-way choices (pinned) and links across micro-grids whose exception
    # is recorded, while their linker may link; a linker outside the node is looked up.
    outside = {lk for h, lk, p, r in links if lk not in linker_key and h in in_node and (p or r)}
    may_link = set(eligible) | set(
        Linker.objects.filter(pk__in=outside)
        .filter(eligible_linkers_q(on=on))
        .order_by()
        .values_list("id", flat=True)
        if outside
        else []
    )
    for household_id, linker_id, is_pinned, reason in links:
        key = in_node.get(household_id)
        if key is None:  # a household outside the node: its link stays as it is
            load[linker_id] += 1
            continue
        current[household_id] = linker_id
        if (is_pinned or reason) and linker_id in may_link:
            pinned[household_id] = linker_id
            if linker_key.get(linker_id) != key:  # kept across problems: load the linker there
                load[linker_id] += 1

    by_key_hh: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in hh_rows:
        by_key_hh[in_node[row[0]]].append(row)
    by_key_lk: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in linkers:
        by_key_lk[linker_key[row[0]]].append(row)

    def arr(values: list[Any], dtype: Any) -> Any:
        return np.array(values, dtype=dtype)

    def fl(v: float | None) -> float:
        return np.nan if v is None else float(v)

    problems: list[solver.Problem] = []
    for key in sorted(set(by_key_hh) | set(by_key_lk)):
        hh = by_key_hh.get(key, [])
        lk = by_key_lk.get(key, [])
        g = grids.get(key)
        centre = (g[2], g[3]) if g and g[2] is not None and g[3] is not None else None
        groups: dict[str, int] = {}
        problems.append(
            solver.Problem(
                key=key,
                household_ids=arr([r[0] for r in hh], np.int64),
                hh_lat=arr([fl(r[1]) for r in hh], np.float64),
                hh_lng=arr([fl(r[2]) for r in hh], np.float64),
                priority=arr([r[0] in priority for r in hh], np.bool_),
                hh_group=arr(
                    [groups.setdefault(r[3][:GROUP_CODE_LENGTH], len(groups) + 1) for r in hh],
                    np.int64,
                ),
                current=arr([current.get(r[0], 0) for r in hh], np.int64),
                pinned=arr([pinned.get(r[0], 0) for r in hh], np.int64),
                linker_ids=arr([r[0] for r in lk], np.int64),
                lk_lat=arr([fl(r[3]) for r in lk], np.float64),
                lk_lng=arr([fl(r[4]) for r in lk], np.float64),
                lk_group=arr(
                    [groups.setdefault(r[2][:GROUP_CODE_LENGTH], len(groups) + 1) for r in lk],
                    np.int64,
                ),
                capacity=arr([cap(r[1]) for r in lk], np.int64),
                linker_load=arr([load.get(r[0], 0) for r in lk], np.int64),
                centre=centre,
            )
        )
    return Loaded(
        problems=problems,
        microgrid_of={row[0]: row[4] for row in hh_rows},
        path_of={row[0]: row[3] for row in hh_rows},
        priority=priority,
        names={c: (v[0], v[1]) for c, v in grids.items()},
    )


LINE_FIELDS = (
    "plan",
    "household",
    "microgrid",
    "linker",
    "previous_linker",
    "action",
    "distance_m",
    "priority",
    "located_at_centre",
)


def _actions(linker: Any, previous: Any) -> Any:
    """Each line's action (``PlanAction``) from the plan's and the previous linker arrays."""
    none = solver.NONE
    return np.select(
        [
            (linker == none) & (previous != none),
            (linker == none),
            previous == none,
            linker == previous,
        ],
        [
            PlanAction.END.value,
            PlanAction.UNCOVERED.value,
            PlanAction.ADD.value,
            PlanAction.KEEP.value,
        ],
        default=PlanAction.MOVE.value,
    )


def plan_line_rows(
    plan_id: int, loaded: Loaded, solutions: list[solver.Solution]
) -> Iterator[tuple[Any, ...]]:
    """The plan's lines as tuples in ``LINE_FIELDS`` order, straight from the solver's arrays."""
    for problem, sol in zip(loaded.problems, solutions, strict=True):
        if not len(sol.household_ids):
            continue
        ids = sol.household_ids.tolist()
        microgrids = [loaded.microgrid_of[h] for h in ids]
        linkers = [k or None for k in sol.linker.tolist()]
        previous = [k or None for k in problem.current.tolist()]
        actions = _actions(sol.linker, problem.current).tolist()
        distance = [d if d >= 0 else None for d in sol.distance_m.tolist()]
        yield from zip(
            [plan_id] * len(ids),
            ids,
            microgrids,
            linkers,
            previous,
            actions,
            distance,
            problem.priority.tolist(),
            sol.at_centre.tolist(),
            strict=True,
        )


def assignments_store(rows: Iterator[tuple[Any, ...]]) -> int:
    """Insert a plan's lines; returns their number. A county's plan is 1.2 million lines:
    ``bulk_create`` took 127 s for them, the engine's bulk path 9–12 s (bench/links_plan.py),
    so they go through ``core.bulkload.rows_append``. The rows are the solver's own, checked by
    construction."""
    return rows_append(PlanAssignment, LINE_FIELDS, rows)


def figures_of(loaded: Loaded, solutions: list[solver.Solution]) -> dict[str, Any]:
    """The plan's figures: the whole node's and each micro-grid's (problem's)."""
    per: list[dict[str, Any]] = []
    for sol in solutions:
        _pk, name = loaded.names.get(sol.key, (0, ""))
        per.append({"code": sol.key, "name": name, **sol.figures.as_dict()})
    return {
        "total": solver.total(solutions).as_dict(),
        "microgrids": per,
        "shortfall_microgrids": sum(1 for p in per if p["shortfall"] > 0),
    }


# -- Services ----------------------------------------------------------------------------------


@transaction.atomic
def plan_compute(*, node: GridNode, by: Any, params: dict[str, Any] | None = None) -> LinkPlan:
    """Compute and store a draft plan for ``node`` (a micro-grid up to a county)."""
    acting_user_check(by)
    with acting_as(by):
        _check_may(by, node.code)
        merged = {**plan_params(), **(params or {})}
        for name in ("stability_m", "same_group_bonus_m"):
            value = merged[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError({name: _("须为不小于0的整数（米）")})
        on = _today()
        basis = plan_basis(node, merged, on=on)
        loaded = plan_load(node, merged, on=on)
        p = solver.Params(
            stability_m=merged["stability_m"], same_group_bonus_m=merged["same_group_bonus_m"]
        )
        solutions = solver.solve_all(loaded.problems, p)
        plan = LinkPlan.objects.create(
            node=node,
            grid_path=node.code,
            basis=basis,
            params=merged,
            figures=figures_of(loaded, solutions),
            computed_at=timezone.now(),
            computed_by=by,
        )
        stored = assignments_store(plan_line_rows(plan.pk, loaded, solutions))
        total = plan.figures["total"]
        audit_record(
            action="create",
            instance=plan,
            after={
                "node": node.code,
                "households": stored,
                "covered": total["covered"],
                "moved": total["moved"],
                "added": total["added"],
                "ended": total["ended"],
            },
        )
        return plan


def _lock(plan: LinkPlan) -> LinkPlan:
    return LinkPlan.objects.select_for_update().select_related("node").get(pk=plan.pk)


def _refuse_stale(plan: LinkPlan) -> None:
    if plan_basis(plan.node, plan.params, on=_today()) != plan.basis:
        raise ValidationError({"basis": _("方案计算后联户关系或人员信息已有变化，请重新计算方案")})


@transaction.atomic
def plan_approve(*, plan: LinkPlan, by: Any, meeting: str, meeting_on: dt.date) -> LinkPlan:
    """Record that the meeting named (宁海: the members' assembly) approved the draft."""
    acting_user_check(by)
    with acting_as(by):
        plan = _lock(plan)
        _check_may(by, plan.grid_path)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError({"status": _("只有草案可以批准")})
        meeting = (meeting or "").strip()
        errors: dict[str, str] = {}
        if not meeting:
            errors["meeting"] = _("请写明批准方案的会议")
        elif len(meeting) > 200:
            errors["meeting"] = _("会议名称不超过200字")
        if meeting_on is None:
            errors["meeting_on"] = _("请填写会议日期")
        elif meeting_on > _today():
            errors["meeting_on"] = _("会议日期不能晚于今天")
        elif meeting_on < timezone.localdate(plan.computed_at):
            errors["meeting_on"] = _("会议日期早于方案计算日期")
        if errors:
            raise ValidationError(errors)
        _refuse_stale(plan)
        plan.status = PlanStatus.APPROVED
        plan.approved_at = timezone.now()
        plan.approved_by = by
        plan.approval_meeting = meeting
        plan.approval_meeting_on = meeting_on
        plan.save(
            update_fields=[
                "status",
                "approved_at",
                "approved_by",
                "approval_meeting",
                "approval_meeting_on",
            ]
        )
        audit_record(
            action="update",
            instance=plan,
            before={"status": PlanStatus.DRAFT},
            after={"status": plan.status, "meeting": meeting, "meeting_on": meeting_on},
        )
        return plan


@dataclass
class Applied:
    ended: int
    created: int


@transaction.atomic
def plan_apply(*, plan: LinkPlan, by: Any) -> LinkPlan:
    """Make an approved plan take effect: end the links it moves or ends, create the new ones.

    Refused when the plan is not approved (or already applied: the second of two cadres
    applying at once finds it so, under the plan's row lock), or when its basis no longer
    holds (a stale plan)."""
    acting_user_check(by)
    with acting_as(by):
        node = GridNode.objects.get(pk=plan.node_id)
        # Serialize applies of overlapping nodes: lock the node's chain of ancestors, root first.
        list(
            GridNode.objects.select_for_update()
            .filter(code__in=[*node.ancestor_codes(), node.code])
            .order_by("code")
            .values_list("id", flat=True)
        )
        plan = _lock(plan)
        _check_may(by, plan.grid_path)
        if plan.status == PlanStatus.APPLIED:
            raise ValidationError({"status": _("方案已生效，不能重复执行")})
        if plan.status != PlanStatus.APPROVED:
            raise ValidationError({"status": _("方案须先经会议批准")})
        _refuse_stale(plan)
        result = _apply_lines(plan, by)
        plan.status = PlanStatus.APPLIED
        plan.applied_at = timezone.now()
        plan.applied_by = by
        plan.save(update_fields=["status", "applied_at", "applied_by"])
        audit_record(
            action="update",
            instance=plan,
            before={"status": PlanStatus.APPROVED},
            after={"status": plan.status, "ended": result.ended, "created": result.created},
        )
        return plan


def _apply_lines(plan: LinkPlan, by: Any) -> Applied:
    today = _today()
    yesterday = today - dt.timedelta(days=1)
    reason = _("联户方案调整（方案%(id)d）") % {"id": plan.pk}
    lines = plan.assignments.filter(action__in=[PlanAction.MOVE, PlanAction.END, PlanAction.ADD])
    changing = list(
        lines.values_list("household_id", "linker_id", "action", "household__grid_path")
    )
    ending = [h for h, _l, a, _p in changing if a in (PlanAction.MOVE, PlanAction.END)]
    small = len(changing) <= PER_LINK_AUDIT_MAX
    ended_links: list[Link] = []
    ended = 0
    for start in range(0, len(ending), BATCH):
        chunk = ending[start : start + BATCH]
        open_links = Link.objects.filter(household_id__in=chunk, end_on__isnull=True)
        if small:
            ended_links += list(open_links)
        ended += open_links.filter(start_on__lt=today).update(end_on=yesterday, end_reason=reason)
        ended += open_links.filter(start_on__gte=today).update(end_on=today, end_reason=reason)
    linker_paths = dict(
        Linker.objects.filter(pk__in={lk for _h, lk, a, _p in changing if lk is not None})
        .order_by()
        .values_list("id", "grid_path")
    )
    new = [
        Link(
            linker_id=lk,
            household_id=h,
            grid_path=path,
            start_on=today,
            source=LinkSource.PLAN,
            plan=plan,
            cross_grid_reason=(
                "" if linker_paths.get(lk) == path else _("联户方案（允许跨微网格）")
            ),
        )
        for h, lk, a, path in changing
        if a in (PlanAction.MOVE, PlanAction.ADD) and lk is not None
    ]
    created = 0
    for start in range(0, len(new), BATCH):
        created += len(Link.objects.bulk_create(new[start : start + BATCH], batch_size=2000))
    if small:
        for link in ended_links:
            link.refresh_from_db(fields=["end_on", "end_reason"])
            audit_record(
                action="update",
                instance=link,
                before={"end_on": None},
                after={"end_on": link.end_on, "end_reason": link.end_reason, "plan": plan.pk},
            )
        for link in Link.objects.filter(plan=plan, end_on__isnull=True):
            audit_record(
                action="create",
                instance=link,
                after={
                    "linker": link.linker_id,
                    "household": link.household_id,
                    "start_on": link.start_on,
                    "source": link.source,
                    "plan": plan.pk,
                },
            )
    return Applied(ended=ended, created=created)


@transaction.atomic
def plan_discard(*, plan: LinkPlan, by: Any) -> LinkPlan:
    """Set a draft or approved plan aside (作废); it is kept, not deleted."""
    acting_user_check(by)
    with acting_as(by):
        plan = _lock(plan)
        _check_may(by, plan.grid_path)
        if plan.status not in (PlanStatus.DRAFT, PlanStatus.APPROVED, PlanStatus.STALE):
            raise ValidationError({"status": _("已生效或已作废的方案不能作废")})
        before = plan.status
        plan.status = PlanStatus.DISCARDED
        plan.save(update_fields=["status"])
        audit_record(
            action="update", instance=plan, before={"status": before}, after={"status": plan.status}
        )
        return plan


# -- Reads ---------------------------------------------------------------------------------------


def plan_is_stale(plan: LinkPlan) -> bool:
    """True when the plan's basis no longer holds (a draft or approved plan only)."""
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.APPROVED):
        return False
    return plan_basis(plan.node, plan.params, on=_today()) != plan.basis


def plan_list(queryset: QuerySet[LinkPlan], *, status: str = "") -> QuerySet[LinkPlan]:
    """The plans' filters, shared by the page and the API."""
    qs = queryset.select_related("node", "computed_by", "approved_by", "applied_by")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-computed_at", "-id")


DIFF_ACTIONS = (PlanAction.ADD, PlanAction.MOVE, PlanAction.END)


def plan_lines(
    plan: LinkPlan, *, action: str = "", microgrid: str = ""
) -> QuerySet[PlanAssignment]:
    """A plan's lines; by default the diff (added, moved, ended)."""
    qs = PlanAssignment.objects.filter(plan=plan).select_related(
        "household", "microgrid", "linker__person", "previous_linker__person"
    )
    qs = qs.filter(action=action) if action else qs.filter(action__in=DIFF_ACTIONS)
    if microgrid:
        qs = qs.filter(microgrid__code=microgrid)
    return qs.order_by("microgrid_id", "household_id")


def plan_map_data(plan: LinkPlan) -> dict[str, Any] | None:
    """The plan drawn as ``links/partials/link_map.html`` draws the links in force: households
    coloured by their status in the plan, the plan's linkers, and a line from each household
    to its linker in the plan (None above a village, as the map of links). Three queries."""
    from .selectors import (
        MAP_LEVELS,
        MAP_LINKED,
        MAP_MAX_HOUSEHOLDS,
        MAP_PRIORITY_UNLINKED,
        MAP_UNLINKED,
    )

    if plan.node.level not in MAP_LEVELS:
        return None
    rows = list(
        plan.assignments.order_by("microgrid_id", "household_id").values_list(
            "household__lat", "household__lng", "linker_id", "priority"
        )[: MAP_MAX_HOUSEHOLDS + 1]
    )
    truncated = len(rows) > MAP_MAX_HOUSEHOLDS
    rows = rows[:MAP_MAX_HOUSEHOLDS]
    linker_ids = {lk for _a, _b, lk, _p in rows if lk is not None}
    places = {
        pk: (name, lat, lng)
        for pk, name, lat, lng in Linker.objects.filter(pk__in=linker_ids)
        .order_by()
        .values_list("id", "person__name", "person__household__lat", "person__household__lng")
    }
    households: list[list[Any]] = []
    lines: list[list[float]] = []
    unplaced = 0
    for lat, lng, linker_id, prio in rows:
        if lat is None or lng is None:
            unplaced += 1
            continue
        here = (round(lat, 6), round(lng, 6))
        if linker_id is None:
            status = MAP_PRIORITY_UNLINKED if prio else MAP_UNLINKED
        else:
            status = MAP_LINKED
            _name, llat, llng = places.get(linker_id, ("", None, None))
            if llat is not None and llng is not None:
                lines.append([here[0], here[1], round(llat, 6), round(llng, 6)])
        households.append([here[0], here[1], status])
    linkers = [
        [round(lat, 6), round(lng, 6), name]
        for name, lat, lng in places.values()
        if lat is not None and lng is not None
    ]
    return {
        "households": households,
        "linkers": linkers,
        "lines": lines,
        "unplaced": unplaced,
        "truncated": truncated,
    }
