"""Visit compliance (走访落实情况) of a grid node: per person (linker) and per child node, the
visits due, done and overdue and the share recorded late (补记); the overdue list with who
holds each task; and figures like Shanwei's (cadres visiting, households visited, suggestions
collected, problems solved through matters).

Every figure is aggregated in the database, in a fixed number of queries whatever the size of
the node: one per table and grouping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from gridgov.grid.models import GridNode

from .models import Linker, TaskStatus, Visit, VisitOutcome, VisitTask


@dataclass
class ComplianceRow:
    """The figures of one person or place. ``due`` and ``done`` count tasks due in the period;
    ``overdue`` the tasks open past their deadline now, whenever due; ``visits`` and ``late``
    the visits made in the period."""

    key: Any
    label: str
    due: int = 0
    done: int = 0
    overdue: int = 0
    visits: int = 0
    late: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def done_rate(self) -> float | None:
        return self.done / self.due if self.due else None

    @property
    def late_share(self) -> float | None:
        return self.late / self.visits if self.visits else None


@dataclass
class Figures:
    """汕尾式 figures of the period: cadres visiting, households visited (met), suggestions
    collected, needs turned into matters, and those matters settled (problems solved)."""

    visitors: int = 0
    households: int = 0
    visits: int = 0
    suggestions: int = 0
    matters: int = 0
    solved: int = 0


@dataclass
class Compliance:
    node: GridNode
    start: dt.date
    end: dt.date
    on: dt.date
    total: ComplianceRow
    children: list[ComplianceRow]
    linkers: list[ComplianceRow]
    unassigned: ComplianceRow
    figures: Figures


def _visit_window(start: dt.date, end: dt.date) -> Q:
    tz = timezone.get_current_timezone()
    return Q(
        visited_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        visited_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def _task_counts(start: dt.date, end: dt.date, on: dt.date) -> dict[str, Count]:
    in_period = Q(due_on__gte=start, due_on__lte=end)
    return {
        "due": Count("id", filter=in_period & ~Q(status=TaskStatus.CANCELLED)),
        "done": Count("id", filter=in_period & Q(status=TaskStatus.DONE)),
        "overdue": Count("id", filter=Q(status=TaskStatus.OPEN, due_on__lt=on)),
    }


def _task_scope(start: dt.date, end: dt.date, on: dt.date) -> Q:
    return Q(due_on__gte=start, due_on__lte=end) | Q(status=TaskStatus.OPEN, due_on__lt=on)


def _visit_counts() -> dict[str, Count]:
    return {"visits": Count("id"), "late": Count("id", filter=Q(late_entry=True))}


def _fill(row: ComplianceRow, data: dict[str, Any]) -> None:
    for name in ("due", "done", "overdue", "visits", "late"):
        if name in data:
            setattr(row, name, data[name] or 0)


def compliance(
    node: GridNode,
    *,
    start: dt.date,
    end: dt.date,
    on: dt.date | None = None,
    tasks: QuerySet[VisitTask] | None = None,
    visits: QuerySet[Visit] | None = None,
) -> Compliance:
    """Compliance of ``node``'s subtree for tasks due and visits made from ``start`` to ``end``
    (both included), overdue as of ``on`` (today). ``tasks`` and ``visits`` narrow the rows
    (the caller's scoped querysets); by default every row under the node."""
    on = on or timezone.localdate()
    path = node.code
    task_qs = (tasks if tasks is not None else VisitTask.objects.all()).filter(
        _task_scope(start, end, on)
    )
    task_qs = task_qs.filter(grid_path__gte=path, grid_path__lt=path + "~")
    visit_qs = (visits if visits is not None else Visit.objects.all()).filter(
        _visit_window(start, end)
    )
    visit_qs = visit_qs.filter(grid_path__gte=path, grid_path__lt=path + "~")

    total = ComplianceRow(key=node.code, label=node.name)
    _fill(total, task_qs.aggregate(**_task_counts(start, end, on)))
    figures_row = visit_qs.aggregate(
        **_visit_counts(),
        visitors=Count("visitor", distinct=True),
        households=Count("household", distinct=True, filter=Q(outcome=VisitOutcome.MET)),
        suggestions=Sum("suggestions_count"),
        matters=Count("matter"),
        solved=Count("matter", filter=Q(matter__settled_at__isnull=False)),
    )
    _fill(total, figures_row)
    figures = Figures(
        visitors=figures_row["visitors"],
        households=figures_row["households"],
        visits=figures_row["visits"],
        suggestions=figures_row["suggestions"] or 0,
        matters=figures_row["matters"],
        solved=figures_row["solved"],
    )

    # Per child node: grouped by the child's prefix of the grid path.
    children_nodes = list(
        GridNode.objects.filter(parent=node).only("code", "name").order_by("code")
    )
    children: list[ComplianceRow] = []
    if children_nodes:
        width = len(children_nodes[0].code)
        rows = {n.code: ComplianceRow(key=n.code, label=n.name) for n in children_nodes}
        for data in (
            task_qs.annotate(child=Substr("grid_path", 1, width))
            .values("child")
            .annotate(**_task_counts(start, end, on))
            .order_by()
        ):
            if data["child"] in rows:
                _fill(rows[data["child"]], data)
        for data in (
            visit_qs.annotate(child=Substr("grid_path", 1, width))
            .values("child")
            .annotate(**_visit_counts())
            .order_by()
        ):
            if data["child"] in rows:
                _fill(rows[data["child"]], data)
        children = list(rows.values())

    # Per linker: tasks they hold, visits they made; linkers placed under the node.
    by_linker: dict[int, ComplianceRow] = {}
    unassigned = ComplianceRow(key=None, label="")
    for data in task_qs.values("linker_id").annotate(**_task_counts(start, end, on)).order_by():
        if data["linker_id"] is None:
            _fill(unassigned, data)
            continue
        row = by_linker.setdefault(
            data["linker_id"], ComplianceRow(key=data["linker_id"], label="")
        )
        _fill(row, data)
    for data in (
        visit_qs.filter(linker__isnull=False)
        .values("linker_id")
        .annotate(**_visit_counts())
        .order_by()
    ):
        row = by_linker.setdefault(
            data["linker_id"], ComplianceRow(key=data["linker_id"], label="")
        )
        _fill(row, data)
    if by_linker:
        for linker_id, name, kind, grid_path in Linker.objects.filter(
            pk__in=list(by_linker)
        ).values_list("id", "person__name", "kind", "grid_path"):
            by_linker[linker_id].label = name
            by_linker[linker_id].extra = {"kind": kind, "grid_path": grid_path}
    linkers = sorted(
        by_linker.values(), key=lambda r: (-r.overdue, r.done_rate or 0.0, r.label, r.key)
    )
    return Compliance(
        node=node,
        start=start,
        end=end,
        on=on,
        total=total,
        children=children,
        linkers=linkers,
        unassigned=unassigned,
        figures=figures,
    )


def overdue_tasks(
    queryset: QuerySet[VisitTask], node: GridNode, *, on: dt.date | None = None
) -> QuerySet[VisitTask]:
    """The tasks open past their deadline under ``node``, with who holds each (none: the
    micro-grid's, unassigned), longest overdue first."""
    on = on or timezone.localdate()
    return (
        queryset.filter(status=TaskStatus.OPEN, due_on__lt=on)
        .filter(grid_path__gte=node.code, grid_path__lt=node.code + "~")
        .select_related("household", "linker__person", "event")
        .order_by("due_on", "id")
    )
