"""Reads of matters that users see, all scoped: lists, the timeline, duplicates and measures."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.utils import timezone

from gridgov.accounts.models import Assignment
from gridgov.cases.permissions import HANDLE_MATTER
from gridgov.core.compiled import CompiledRead
from gridgov.core.permissions import role_allows
from gridgov.core.rules import rule_value
from gridgov.grid.locate import distance_m
from gridgov.grid.models import CHILD_LEVEL, CODE_LENGTH, GridLevel, GridNode

from .models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Channel,
    Department,
    Matter,
    MatterEvent,
    Notification,
    Status,
    source_fingerprint,
)
from .rules import DUPLICATE_RADIUS_METERS, DUPLICATE_WINDOW_DAYS, PUBLIC_REPORTS_PER_HOUR

IN_GRID_LEVELS = (GridLevel.MICROGRID, GridLevel.GROUP)  # "小事不出网": the grids below the village
IN_VILLAGE_LEVELS = (*IN_GRID_LEVELS, GridLevel.VILLAGE)  # "大事不出村"


def matters_visible(user: Any) -> QuerySet[Matter]:
    return Matter.objects.restrict(user, "view").for_display()


def matters_filtered(
    user: Any,
    *,
    node: str = "",
    status: str = "",
    category: str = "",
    overdue: bool = False,
    mine: bool = False,
    q: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[Matter]:
    qs = matters_visible(user)
    if node:
        qs = qs.within(node)
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, deadline__lt=now or timezone.now())
    if mine:
        qs = qs.filter(assignee=user)
    if q:
        qs = qs.filter(Q(number=q.strip()) | Q(description__contains=q.strip()))
    return qs


_TIMELINE = CompiledRead("cases.timeline")
_TIMELINE_ROWS = MatterEvent.objects.select_related("actor")
_EVENT_MATTER = MatterEvent._meta.get_field("matter")
# Compiled once: read at intake, measured by bench/load.py (writes, create).
_CATEGORY = CompiledRead("cases.category")


def active_category(code: str) -> Category | None:
    """The category a new matter names by its code, if it is in use."""
    return _CATEGORY.first(Category.objects.filter(code=code, is_active=True))


def matter_timeline(matter: Matter) -> list[MatterEvent]:
    """What staff see: every step with who took it, its internal note and its public one."""
    events = _TIMELINE.fetch(_TIMELINE_ROWS.filter(matter_id=matter.pk))
    for event in events:  # as ``matter.events`` would have: each knows its matter
        _EVENT_MATTER.set_cached_value(event, matter)
    return events


# The timeline as one JSON column of the matter's own row, for the step read: a step then shows
# the timeline it ends with (what was there, and its own event) without reading it again.
_TIMELINE_FIELDS = ("id", "action", "from_status", "to_status", "actor_id", "actor_label")
_TIMELINE_FIELDS += ("note", "public_note", "at")
_TIMELINE_SQL = {
    "postgresql": "SELECT json_agg(json_build_array({cols}, u.username))::text",
    "sqlite": "SELECT json_group_array(json_array({cols}, u.username))",
}
_EVENT_ACTOR = MatterEvent._meta.get_field("actor")


def timeline_column() -> RawSQL:
    """An annotation of a matter's queryset: its events, for ``timeline_of``."""
    events, users = MatterEvent._meta.db_table, get_user_model()._meta.db_table
    cols = ", ".join(f"e.{MatterEvent._meta.get_field(f).column}" for f in _TIMELINE_FIELDS)
    select = _TIMELINE_SQL[connection.vendor]
    sql = (
        f"{select.format(cols=cols)} FROM {events} e LEFT JOIN {users} u ON u.id = e.actor_id"
        f' WHERE e.matter_id = "{Matter._meta.db_table}"."id"'
    )
    return RawSQL(sql, (), output_field=TextField())


def merged_waiting_column() -> RawSQL:
    """An annotation of a matter's queryset: whether matters merged into it wait for its answer
    (the status is a constant of the code, so the read keeps no parameters of its own)."""
    table = Matter._meta.db_table
    sql = (
        f'EXISTS (SELECT 1 FROM {table} c WHERE c.merged_into_id = "{table}"."id"'
        f" AND c.status = '{Status.MERGED.value}' AND c.answered_at IS NULL)"
    )
    return RawSQL(sql, (), output_field=BooleanField())


def timeline_of(matter: Matter, column: str | None) -> list[MatterEvent]:
    """The events of ``timeline_column`` as ``matter_timeline`` gives them: in their order,
    each with its matter and its actor (the actor's username only)."""
    User = get_user_model()
    events = []
    for *values, username in json.loads(column or "[]"):
        event = MatterEvent(matter_id=matter.pk, **dict(zip(_TIMELINE_FIELDS, values, strict=True)))
        at = dt.datetime.fromisoformat(event.at)  # SQLite's text has no offset: the database's
        event.at = at if at.tzinfo else timezone.make_aware(at, connection.timezone)
        _EVENT_MATTER.set_cached_value(event, matter)
        if event.actor_id is not None:
            _EVENT_ACTOR.set_cached_value(event, User(id=event.actor_id, username=username))
        events.append(event)
    events.sort(key=lambda e: (e.at, e.id))
    return events


def public_timeline(matter: Matter) -> list[MatterEvent]:
    """What the resident sees: each step's level and public note, never staff or other people."""
    return list(matter.events.only("action", "to_status", "actor_label", "public_note", "at"))


def duplicate_candidates(
    matter: Matter, *, user: Any, limit: int = 5
) -> list[tuple[Matter, float | None]]:
    """Open matters the user may see, of the same category, received within the window, near
    the same place (within the radius) or of the same household: offered for merging."""
    if matter.status not in OPEN_STATUSES:
        return []
    since = matter.received_at - dt.timedelta(days=rule_value(DUPLICATE_WINDOW_DAYS))
    base = (
        Matter.objects.restrict(user, "view")
        .filter(
            category_id=matter.category_id,
            status__in=OPEN_STATUSES,
            received_at__gte=since,
        )
        .exclude(pk=matter.pk)
        .order_by("-received_at")
    )
    found: list[tuple[Matter, float | None]] = []
    if matter.household_id:
        found += [(m, None) for m in base.filter(household_id=matter.household_id)[:limit]]
    if matter.lat is not None and matter.lng is not None:
        radius = rule_value(DUPLICATE_RADIUS_METERS)
        dlat = radius / 110_574.0
        dlng = radius / (111_320.0 * max(math.cos(math.radians(matter.lat)), 0.01))
        box = base.filter(
            lat__gte=matter.lat - dlat,
            lat__lte=matter.lat + dlat,
            lng__gte=matter.lng - dlng,
            lng__lte=matter.lng + dlng,
        )[:50]
        seen = {m.pk for m, _ in found}
        for m in box:
            meters = distance_m(matter.lat, matter.lng, m.lat, m.lng)
            if meters <= radius and m.pk not in seen:
                found.append((m, round(meters)))
    found.sort(key=lambda item: (item[1] is None, item[1] or 0))
    return found[:limit]


# Assignees are looked for at the holding level and this many levels above it.
ASSIGN_LEVELS_UP = 2
MAX_ASSIGNEES = 100


def assignee_candidates(matter: Matter) -> list[tuple[Any, Assignment]]:
    """Users who may handle matters at the matter's level: its handler node first, then up to
    ``ASSIGN_LEVELS_UP`` levels above; each user once, at their nearest assignment."""
    node = matter.handler_node
    codes = [*node.ancestor_codes()[-ASSIGN_LEVELS_UP:], node.code]
    rows = (
        Assignment.objects.filter(node_code__in=codes, user__is_active=True)
        .select_related("user", "node")
        .order_by("-node_code", "user__username")
    )
    seen: dict[int, tuple[Any, Assignment]] = {}
    for row in rows[: MAX_ASSIGNEES * 3]:
        if role_allows(row.role, HANDLE_MATTER) and row.user_id not in seen:
            seen[row.user_id] = (row.user, row)
    return list(seen.values())[:MAX_ASSIGNEES]


def transfer_departments(matter: Matter) -> list[Department]:
    """Active departments over the matter's place (their node's code is a prefix of it)."""
    path = matter.grid_path
    prefixes = [path[:n] for n in CODE_LENGTH.values() if n <= len(path)]
    return list(
        Department.objects.filter(is_active=True, node__code__in=prefixes)
        .select_related("node")
        .order_by("node__code", "name")
    )


def public_reports_left(*, source_ip: str, now: dt.datetime | None = None) -> int:
    """How many more reports the public form takes from this address this hour (counted in
    the database, so every server process agrees)."""
    now = now or timezone.now()
    used = Matter.objects.filter(
        channel=Channel.PUBLIC,
        source_hash=source_fingerprint(source_ip),
        received_at__gte=now - dt.timedelta(hours=1),
    ).count()
    return max(rule_value(PUBLIC_REPORTS_PER_HOUR) - used, 0)


def inbox(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("matter")


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@dataclass
class Measures:
    """Measures of one place and period (DOMAIN §4)."""

    code: str
    name: str = ""
    received: int = 0
    open: int = 0
    overdue_open: int = 0
    closed: int = 0
    settled: int = 0
    settled_in_grid: int = 0
    settled_in_village: int = 0
    due: int = 0
    answered: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    avg_hours: float | None = None
    children: list[Measures] = field(default_factory=list)

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def in_grid_rate(self) -> float | None:
        return self._share(self.settled_in_grid, self.settled)

    @property
    def in_village_rate(self) -> float | None:
        return self._share(self.settled_in_village, self.settled)

    @property
    def answered_rate(self) -> float | None:
        """件件有回音: of the matters that are closed or past their deadline, those answered."""
        return self._share(self.answered, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return self._share(self.on_time, self.settled)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._share(self.satisfied, self.rated)


def _aggregates(now: dt.datetime) -> dict[str, Any]:
    open_q = Q(status__in=OPEN_STATUSES)
    settled_q = Q(settled_level__gt="")
    closed_q = Q(status__in=CLOSED_STATUSES)
    return {
        "received": Count("id"),
        "open": Count("id", filter=open_q),
        "overdue_open": Count("id", filter=open_q & Q(deadline__lt=now)),
        "closed": Count("id", filter=closed_q),
        "settled": Count("id", filter=settled_q),
        "settled_in_grid": Count("id", filter=settled_q & Q(settled_level__in=IN_GRID_LEVELS)),
        "settled_in_village": Count(
            "id", filter=settled_q & Q(settled_level__in=IN_VILLAGE_LEVELS)
        ),
        "due": Count("id", filter=closed_q | (open_q & Q(deadline__lt=now))),
        "answered": Count("id", filter=Q(answered_at__isnull=False)),
        "on_time": Count("id", filter=settled_q & Q(settled_on_time=True)),
        "rated": Count("id", filter=~Q(satisfaction="")),
        "satisfied": Count("id", filter=Q(satisfaction__in=["satisfied", "basic"])),
    }


def matter_measures(user: Any, *, node: GridNode, start: dt.datetime, end: dt.datetime) -> Measures:
    """The node's measures for matters received in [start, end), and each child's, in two
    grouped queries over the scoped rows (no query per child)."""
    now = timezone.now()
    qs = (
        Matter.objects.restrict(user, "view")
        .within(node.code)
        .filter(received_at__gte=start, received_at__lt=end)
        .exclude(status=Status.MERGED)
    )
    handling = ExpressionWrapper(F("settled_at") - F("received_at"), output_field=DurationField())
    total = qs.aggregate(**_aggregates(now), avg=Avg(handling, filter=Q(settled_at__isnull=False)))
    avg = total.pop("avg")
    result = Measures(code=node.code, name=node.name, **total)
    result.avg_hours = round(avg.total_seconds() / 3600, 1) if avg is not None else None
    child_level = CHILD_LEVEL.get(node.level)
    if child_level:
        length = CODE_LENGTH[child_level]
        names = dict(
            GridNode.objects.filter(parent=node).order_by("code").values_list("code", "name")
        )
        rows = (
            qs.annotate(prefix=Substr("grid_path", 1, length))
            .values("prefix")
            .annotate(**_aggregates(now))
            .order_by("prefix")
        )
        by_code = {row.pop("prefix"): row for row in rows}
        result.children = [
            Measures(code=code, name=name, **by_code.get(code, {})) for code, name in names.items()
        ]
    return result


def overdue_list(user: Any, *, node: str = "", now: dt.datetime | None = None) -> QuerySet[Matter]:
    """What is overdue and with whom: open matters past their deadline, oldest first."""
    now = now or timezone.now()
    qs = matters_visible(user).filter(status__in=OPEN_STATUSES, deadline__lt=now)
    if node:
        qs = qs.within(node)
    return qs.order_by("deadline")
