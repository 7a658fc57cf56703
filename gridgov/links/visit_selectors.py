"""Reads of visits, visit tasks, household events and appraisals: the one filter definition of
each list, shared by the pages and the API. Every read starts from a scoped queryset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, QuerySet
from django.utils import timezone

from gridgov.core.rules import rule_value
from gridgov.core.scoping import ScopedQuerySet

from .models import Appraisal, HouseholdEvent, TaskStatus, Visit, VisitTask
from .rules import APPRAISAL_MIN_SHOWN


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def visit_list(
    queryset: ScopedQuerySet[Visit],
    *,
    under: str = "",
    household: int | None = None,
    linker: int | None = None,
    visitor: int | None = None,
    kind: str = "",
    outcome: str = "",
    late: bool | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> QuerySet[Visit]:
    """The visits' filters (newest first), shared by the pages and the API."""
    qs = queryset.select_related("household", "linker__person", "visitor", "matter")
    if under:
        qs = qs.within(under)
    if household is not None:
        qs = qs.filter(household_id=household)
    if linker is not None:
        qs = qs.filter(linker_id=linker)
    if visitor is not None:
        qs = qs.filter(visitor_id=visitor)
    if kind:
        qs = qs.filter(kind=kind)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if late is not None:
        qs = qs.filter(late_entry=late)
    if start is not None:
        qs = qs.filter(visited_at__gte=_day_start(start))
    if end is not None:
        qs = qs.filter(visited_at__lt=_day_start(end + dt.timedelta(days=1)))
    return qs.order_by("-visited_at", "-id")


def task_list(
    queryset: ScopedQuerySet[VisitTask],
    *,
    under: str = "",
    linker: int | None = None,
    unassigned: bool = False,
    status: str = "",
    reason: str = "",
    overdue: bool = False,
    on: dt.date | None = None,
) -> QuerySet[VisitTask]:
    """The visit tasks' filters (earliest deadline first). ``overdue``: open and past due on
    ``on`` (today)."""
    qs = queryset.select_related("household", "linker__person", "event")
    if under:
        qs = qs.within(under)
    if linker is not None:
        qs = qs.filter(linker_id=linker)
    if unassigned:
        qs = qs.filter(linker__isnull=True)
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    if overdue:
        qs = qs.filter(status=TaskStatus.OPEN, due_on__lt=on or timezone.localdate())
    return qs.order_by("due_on", "id")


def event_list(
    queryset: ScopedQuerySet[HouseholdEvent],
    *,
    under: str = "",
    household: int | None = None,
    kind: str = "",
) -> QuerySet[HouseholdEvent]:
    qs = queryset.select_related("household")
    if under:
        qs = qs.within(under)
    if household is not None:
        qs = qs.filter(household_id=household)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-occurred_on", "-id")


@dataclass
class AppraisalFigure:
    """One aggregate of appraisals: shown only with ``links.appraisal.min_shown`` answers or
    more (``mean`` is None below it)."""

    key: Any
    label: str
    period: str
    answers: int
    mean: float | None

    @property
    def hidden(self) -> bool:
        return self.mean is None


def appraisal_figures(
    queryset: ScopedQuerySet[Appraisal], *, under: str = "", period: str = "", by: str = "linker"
) -> list[AppraisalFigure]:
    """Aggregates of appraisals per linker (``by="linker"``) or per micro-grid
    (``by="grid"``) and period: answers and mean score, the mean hidden below the rule's
    minimum. Single scores are never returned."""
    qs = queryset.all()
    if under:
        qs = qs.within(under)
    if period:
        qs = qs.filter(period=period)
    least = int(rule_value(APPRAISAL_MIN_SHOWN))
    if by == "grid":
        rows = (
            qs.values("grid_path", "period")
            .annotate(n=Count("id"), mean=Avg("score"))
            .order_by("-period", "grid_path")
        )
        return [
            AppraisalFigure(
                key=r["grid_path"],
                label=r["grid_path"],
                period=r["period"],
                answers=r["n"],
                mean=round(float(r["mean"]), 2) if r["n"] >= least else None,
            )
            for r in rows
        ]
    rows = (
        qs.values("linker_id", "linker__person__name", "period")
        .annotate(n=Count("id"), mean=Avg("score"))
        .order_by("-period", "linker__person__name", "linker_id")
    )
    return [
        AppraisalFigure(
            key=r["linker_id"],
            label=r["linker__person__name"],
            period=r["period"],
            answers=r["n"],
            mean=round(float(r["mean"]), 2) if r["n"] >= least else None,
        )
        for r in rows
    ]
