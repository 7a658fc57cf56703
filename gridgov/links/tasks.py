"""Time-driven work on visits (``gridgov tick``): routine visit tasks per
``links.visit.frequency`` for the period in course, and open tasks past their deadline marked
overdue. Idempotent: a second run in the same period creates nothing and marks nothing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from gridgov.core.audit import audit_record
from gridgov.core.models import AuditEntry
from gridgov.core.rules import rule_value

from .models import Link, TaskReason, TaskStatus, Visit, VisitOutcome, VisitTask
from .periods import period_bounds
from .rules import VISIT_FREQUENCY

BATCH = 1000


@dataclass
class LinksTickResult:
    created: int = 0
    done_already: int = 0
    overdue: int = 0


def _period_start_at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _task(
    linker_id: int,
    household_id: int,
    path: str,
    end: dt.date,
    met: dict[tuple[int, int], dt.datetime],
) -> VisitTask:
    done_at = met.get((linker_id, household_id))
    return VisitTask(
        household_id=household_id,
        linker_id=linker_id,
        grid_path=path,
        reason=TaskReason.ROUTINE,
        due_on=end,
        status=TaskStatus.DONE if done_at else TaskStatus.OPEN,
        closed_at=done_at,
    )


@transaction.atomic
def routine_tasks_generate(*, on: dt.date | None = None) -> tuple[int, int]:
    """Create the routine tasks of the period holding ``on`` (today) that are missing: for a
    kind with ``each_household`` n, n tasks per household linked now; for a kind with
    ``visits`` n, n tasks per linker, for the households they visited least recently. A task
    whose visit was already made in the period is created done. Returns (created, of which
    done)."""
    on = on or timezone.localdate()
    table: dict[str, dict[str, object]] = rule_value(VISIT_FREQUENCY)
    new: list[VisitTask] = []
    for kind, freq in table.items():
        per = str(freq.get("per", "quarter"))
        start, end = period_bounds(on, per)
        links = list(
            Link.objects.filter(end_on__isnull=True, linker__kind=kind, start_on__lte=end)
            .order_by("linker_id", "household_id")
            .values_list("linker_id", "household_id", "grid_path")
        )
        if not links:
            continue
        linkers = {linker for linker, _h, _p in links}
        existing: dict[tuple[int | None, int], int] = defaultdict(int)
        per_linker: dict[int | None, int] = defaultdict(int)
        for linker_id, household_id in VisitTask.objects.filter(
            reason=TaskReason.ROUTINE, due_on=end, linker_id__in=linkers
        ).values_list("linker_id", "household_id"):
            existing[(linker_id, household_id)] += 1
            per_linker[linker_id] += 1
        met = {
            (row["linker_id"], row["household_id"]): row["at"]
            for row in Visit.objects.filter(
                linker_id__in=linkers,
                outcome=VisitOutcome.MET,
                visited_at__gte=_period_start_at(start),
                visited_at__lt=_period_start_at(end + dt.timedelta(days=1)),
            )
            .values("linker_id", "household_id")
            .annotate(at=Max("recorded_at"))
        }

        if "visits" in freq:
            wanted = int(str(freq["visits"]))
            by_linker: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for linker_id, household_id, path in links:
                by_linker[linker_id].append((household_id, path))
            last = dict(
                Visit.objects.filter(linker_id__in=linkers, outcome=VisitOutcome.MET)
                .values("household_id")
                .annotate(at=Max("visited_at"))
                .values_list("household_id", "at")
            )
            floor = dt.datetime.min.replace(tzinfo=dt.UTC)
            for linker_id, households in by_linker.items():
                missing = wanted - per_linker[linker_id]
                if missing <= 0:
                    continue
                # Visited in the period first (their tasks are done), then the least recently.
                order: list[tuple[bool, dt.datetime, int, str]] = sorted(
                    ((linker_id, h) not in met, last.get(h) or floor, h, p) for h, p in households
                )
                households = [(h, p) for _m, _at, h, p in order]
                free = [hp for hp in households if (linker_id, hp[0]) not in existing]
                for household_id, path in free[:missing]:
                    new.append(_task(linker_id, household_id, path, end, met))
        else:
            wanted = int(str(freq.get("each_household", 1)))
            new.extend(
                _task(linker_id, household_id, path, end, met)
                for linker_id, household_id, path in links
                for _i in range(wanted - existing[(linker_id, household_id)])
            )
    VisitTask.objects.bulk_create(new, batch_size=BATCH)
    done = sum(1 for t in new if t.status == TaskStatus.DONE)
    # Also the day's mark for ``links_tick(once_a_day=True)``: written even when nothing was due.
    audit_record(
        action="links.tasks.generate",
        object_type=TASKS_OBJECT_TYPE,
        object_id=_day_mark(on),
        object_repr=f"{on:%Y-%m-%d}",
        after={"created": len(new), "done": done},
    )
    return len(new), done


TASKS_OBJECT_TYPE = "links.visittask"


def _day_mark(on: dt.date) -> str:
    return f"routine:{on:%Y-%m-%d}"


def _ran_on(on: dt.date) -> bool:
    """Whether the routine tasks were generated on ``on`` already (an indexed read of the audit
    log: ``core_audit_object``)."""
    return AuditEntry.objects.filter(
        object_type=TASKS_OBJECT_TYPE, object_id=_day_mark(on)
    ).exists()


@transaction.atomic
def tasks_overdue_mark(*, on: dt.date | None = None) -> int:
    """Mark open tasks past their deadline as overdue (once); the number marked."""
    on = on or timezone.localdate()
    marked = VisitTask.objects.filter(
        Q(status=TaskStatus.OPEN), due_on__lt=on, overdue_at__isnull=True
    ).update(overdue_at=timezone.now())
    if marked:
        audit_record(
            action="links.tasks.overdue",
            object_type="links.visittask",
            object_repr=f"{on:%Y-%m-%d}",
            after={"marked": marked},
        )
    return marked


@transaction.atomic
def tasks_follow_links() -> tuple[int, int]:
    """Open tasks held by a linker who no longer links the household (the link ended): a
    routine task is cancelled (the new linker gets their own), an event or recall task passes
    to the household's linker in force (none: unassigned). Returns (cancelled, passed on)."""
    open_held = VisitTask.objects.filter(status=TaskStatus.OPEN, linker__isnull=False).exclude(
        Exists(
            Link.objects.filter(
                end_on__isnull=True,
                linker_id=OuterRef("linker_id"),
                household_id=OuterRef("household_id"),
            )
        )
    )
    cancelled = open_held.filter(reason=TaskReason.ROUTINE).update(
        status=TaskStatus.CANCELLED, closed_at=timezone.now()
    )
    current = Link.objects.filter(end_on__isnull=True, household_id=OuterRef("household_id"))
    passed = open_held.exclude(reason=TaskReason.ROUTINE).update(
        linker_id=Subquery(current.values("linker_id")[:1])
    )
    if cancelled or passed:
        audit_record(
            action="links.tasks.follow_links",
            object_type=TASKS_OBJECT_TYPE,
            after={"cancelled": cancelled, "passed": passed},
        )
    return cancelled, passed


def links_tick(*, on: dt.date | None = None, once_a_day: bool = False) -> LinksTickResult:
    """Routine tasks of the period and overdue marks. ``once_a_day``: only on the first run of
    the day (``gridgov tick`` runs every minute; both read every link or open task, and what
    they find changes with the date, not by the minute)."""
    on = on or timezone.localdate()
    if once_a_day and _ran_on(on):
        return LinksTickResult()
    tasks_follow_links()
    created, done = routine_tasks_generate(on=on)
    return LinksTickResult(created=created, done_already=done, overdue=tasks_overdue_mark(on=on))


def links_tick_step() -> str:
    """The links app's step of ``gridgov tick`` (``cases.tick.TICK_STEPS``): a line only when it
    made or marked something, so the minute-by-minute log stays one line a tick."""
    result = links_tick(once_a_day=True)
    if not (result.created or result.done_already or result.overdue):
        return ""
    return f"走访任务：新增 {result.created}（已走访 {result.done_already}），逾期 {result.overdue}"
