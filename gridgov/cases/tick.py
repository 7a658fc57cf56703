"""Time-driven work (``gridgov tick``): warnings before deadlines, escalation of overdue matters,
delivery of queued notifications.

Idempotent and safe every minute, and when two run at once: each matter is re-read under a row
lock (``select_for_update``; SQLite's IMMEDIATE transactions serialize writers) and acted on only
if it is still due, so a second run finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.jobs import jobs_sweep

from .deadlines import deadline_at
from .models import OPEN_STATUSES, Matter, NotificationKind
from .notify import handlers_of, holders_of, notifications_deliver, notify
from .step_records import add_event, audit_step, set_level, state_of

BATCH = 500

# Other apps' time-driven work, run by ``gridgov tick`` after the matters': each step returns
# a line for the command's output. Apps above cases register here from their ``ready()``
# (cases never imports them).
TICK_STEPS: list[Callable[[], str]] = []


@dataclass
class TickResult:
    warned: int = 0
    escalated: int = 0
    overdue_at_top: int = 0
    sent: int = 0
    failed: int = 0


def _warn(pk: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        m = (
            Matter.objects.select_for_update(of=("self",))
            .select_related("category", "handler_node")
            .defer("handler_node__boundary")
            .filter(pk=pk, status__in=OPEN_STATUSES, warn_at__lte=now, deadline__gt=now)
            .exclude(warned_for=F("deadline"))
            .first()
        )
        if m is None:
            return False
        m.warned_for = m.deadline
        m.save(update_fields=["warned_for", "updated_at"])
        when = f"{timezone.localtime(m.deadline):%m-%d %H:%M}"
        notify(
            user_ids=holders_of(m),
            matter=m,
            kind=NotificationKind.WARNING,
            text=_("事项%(n)s将于%(t)s到期") % {"n": m.number, "t": when},
        )
        return True


def _escalate_overdue(pk: int, now: dt.datetime) -> str:
    """'escalated', 'top' (nowhere higher: the clock restarts there), or '' (not due any more)."""
    with transaction.atomic():
        m = (
            Matter.objects.select_for_update(of=("self",))
            .select_related("category", "handler_node", "department")
            .defer("handler_node__boundary")
            .filter(pk=pk, status__in=OPEN_STATUSES, deadline__lt=now)
            .first()
        )
        if m is None:
            return ""
        before = state_of(m)
        m.overdue_count += 1
        m.version += 1
        parent = m.handler_node.parent
        if parent is None:
            m.deadline, m.warn_at = deadline_at(start=now, category=m.category, level=m.level)
            m.save()
            add_event(m, "overdue", before=before["status"], at=now, note=_("已在最高层级"))
            audit_step(m, "overdue", before)
            notify(
                user_ids=holders_of(m),
                matter=m,
                kind=NotificationKind.OVERDUE,
                text=_("事项%(n)s已逾期") % {"n": m.number},
            )
            return "top"
        set_level(m, parent, now=now)
        m.status, m.assignee, m.department = "received", None, None
        m.escalation_count += 1
        m.save()
        public = _("逾期未办结，已自动上报%(p)s。") % {"p": parent.name}
        add_event(m, "auto_escalate", before=before["status"], public_note=public, at=now)
        audit_step(m, "auto_escalate", before)
        notify(
            user_ids=handlers_of(parent),
            matter=m,
            kind=NotificationKind.OVERDUE,
            text=_("事项%(n)s逾期，已自动上报到%(p)s") % {"n": m.number, "p": parent.name},
        )
        return "escalated"


def matters_tick(*, now: dt.datetime | None = None) -> TickResult:
    now = now or timezone.now()
    result = TickResult()
    open_q = Q(status__in=OPEN_STATUSES)
    overdue = list(
        Matter.objects.filter(open_q, deadline__lt=now)
        .order_by("deadline")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in overdue:
        outcome = _escalate_overdue(pk, now)
        result.escalated += outcome == "escalated"
        result.overdue_at_top += outcome == "top"
    due = list(
        Matter.objects.filter(open_q, warn_at__lte=now, deadline__gt=now)
        .exclude(warned_for=F("deadline"))
        .order_by("warn_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    for pk in due:
        result.warned += _warn(pk, now)
    result.sent, result.failed = notifications_deliver()
    jobs_sweep()  # imports whose worker was lost, and files no running import needs (core.jobs)
    return result
