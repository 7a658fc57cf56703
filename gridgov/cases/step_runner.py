"""How a step of a matter runs: read and check outside any write, then write once.

Each step (``services``) reads the matter, checks the transition table and the actor's
permission at the level that holds the matter, then writes the changed columns, a timeline
event (public part for the resident, internal part for staff), an audit entry and the
notifications it causes, on the condition that nobody else wrote the row since it was read (its
``version``). When somebody did, nothing of the step is written and it runs again on the row as
it is now (``step``). The reading and checking stay outside the writes, so writers hold
SQLite's write lock, or the row's lock in PostgreSQL, only while they write; on PostgreSQL the
writes of a step are one statement (``writing``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.core.compiled import CompiledRead
from gridgov.core.sqlwrites import WriteBatch, stands_alone, write_batch

from .models import Matter
from .selectors import merged_waiting_column, timeline_column, timeline_of
from .step_records import add_event, audit_step
from .transitions import TRANSITIONS

_COLUMNS = [f for f in Matter._meta.concrete_fields if not f.primary_key]
# How many times a step runs when other writers keep changing its matter in between, and the
# pause before each new try (random, up to this × the try's number). Only a storm of writes to
# one matter uses them up; the step then answers "try again" and has written nothing.
STEP_ATTEMPTS = 4
STEP_RETRY_PAUSE_S = 0.01


# Every step reads its matter with five related rows, its timeline and whether merged matters
# wait for its answer: compiled once, not at every step.
# Compiled once: read by every step, measured by bench/load.py (writes, sign/note/settle).
_STEP_READ = CompiledRead("cases.step_read")
_STEP_ROWS = Matter.objects.for_step().annotate(
    timeline_json=timeline_column(), merged_waiting=merged_waiting_column()
)


class Stale(Exception):
    """The row changed between the step's read and its write."""


def read(matter: Matter, user: Any = None) -> Matter:
    """The row as it is now, with what the pages and the API show after a step.

    Any instance with the pk will do; an unsaved ``Matter(number=…)`` is read by its number
    among the rows ``user`` may see (``Matter.DoesNotExist`` otherwise), so that a caller that
    knows only the number looks it up and checks its visibility in one statement.
    """
    rows = _STEP_ROWS
    if matter.pk is None:
        rows = rows.restrict(user, VIEW).filter(number=matter.number)
    else:
        rows = rows.filter(pk=matter.pk)
    current = _STEP_READ.get(rows)
    current._as_read = {f.attname: getattr(current, f.attname) for f in _COLUMNS}
    current._timeline_as_read = timeline_of(current, current.timeline_json)
    return current


def begin(matter: Matter, action: str, user: Any, *, resident: bool = False) -> Matter:
    """Read the row, then check the table and the permission on the row as it is now."""
    transition = TRANSITIONS[action]
    current = read(matter, None if resident else user)
    if current.status not in transition.sources:
        raise ValidationError(
            {
                "status": _("“%(s)s”的事项不能%(a)s")
                % {"s": current.get_status_display(), "a": transition.label}
            }
        )
    if resident:
        if not transition.resident:
            raise PermissionDenied(_("群众不能%(a)s") % {"a": transition.label})
    elif user is None or not user_may(user, transition.permission, current.handler_path):
        raise PermissionDenied(_("无权%(a)s此事项") % {"a": transition.label})
    return current


def step(
    action: str | Callable[[dict[str, Any]], str],
    *,
    alone: bool | Callable[[Matter], bool] = True,
) -> Callable[[Callable], Callable]:
    """A step of ``action``: read and check the matter, then run the body and write.

    The body gets the row as read (``matter=``) and the step's ``batch`` of writes, and ends in
    ``finish``, whose write holds only if the row is still as read; if not, everything the body
    wrote is undone and the step runs again on the new row, up to ``STEP_ATTEMPTS`` times.
    A body that writes only through its batch (``alone``; or, as a function, for the matter as
    read) is one statement on PostgreSQL (``writing``). Without ``user`` the step is the
    resident's own (from the tracking page), allowed only where the table says so, and the
    matter it gives back keeps no timeline: staff's notes and names are not the resident's.
    """

    def decorate(body: Callable[..., Matter]) -> Callable[..., Matter]:
        @functools.wraps(body)
        def run(*, matter: Matter, user: Any = None, **params: Any) -> Matter:
            name = action(params) if callable(action) else action
            for attempt in range(STEP_ATTEMPTS):
                if attempt:  # apart, so that the writers who met do not meet again
                    time.sleep(random.uniform(0, STEP_RETRY_PAUSE_S * attempt))
                current = begin(matter, name, user, resident=user is None)
                try:
                    with writing(alone(current) if callable(alone) else alone) as batch:
                        done = body(matter=current, user=user, batch=batch, **params)
                except Stale:
                    continue
                if user is None:
                    done.__dict__.pop("timeline", None)
                return done
            raise ValidationError({"version": _("此事项正被他人同时办理，请稍后重试")})

        return run

    return decorate


@contextlib.contextmanager
def writing(alone: bool) -> Iterator[WriteBatch]:
    """The batch a step writes through, sent when the body returns.

    On PostgreSQL, a step whose writes are all in its batch is one statement that writes
    nothing unless its matter is still as read (the batch's guard): whole without a
    transaction, so without the two round trips that would open and close one, and the audit
    chain's head stays locked only while that statement runs. Otherwise the body runs in a
    transaction, and an outdated row raises and rolls back everything it wrote.
    """
    # Plain SQL in one batch: measured by bench/load.py (writes phase, sign/note/settle).
    if alone and stands_alone():
        with write_batch() as batch:
            yield batch
        return
    with transaction.atomic(), write_batch() as batch:
        yield batch


def write(matter: Matter, now: dt.datetime, batch: WriteBatch, *, guard: bool = False) -> None:
    """Write the columns the step changed (not all fifty), if nobody wrote the row since."""
    read = matter._as_read
    matter.version, matter.updated_at = read["version"] + 1, now
    changed = {
        f.attname: getattr(matter, f.attname)
        for f in _COLUMNS
        if getattr(matter, f.attname) != read[f.attname]
    }
    where = {"pk": matter.pk, "version": read["version"]}
    batch.update(Matter, values=changed, where=where, expect=1, otherwise=Stale, guard=guard)
    matter._as_read = {f.attname: getattr(matter, f.attname) for f in _COLUMNS}


def finish(
    batch: WriteBatch, matter: Matter, action: str, before: dict[str, Any], **event: Any
) -> Matter:
    """The row's write (the batch's guard), the timeline event and the audit.

    The matter keeps the timeline it ends with (``timeline``): the events read with the row
    and this step's own, in the timeline's order (by time; stable, so before the new event has
    its id). Had anyone added one in between, the guard would have failed, and the step would
    have run again on a new read: whoever adds an event to a matter changes its ``version``
    in the same write (``step_records.add_event``).
    """
    write(matter, timezone.now(), batch, guard=True)
    done = add_event(matter, action, before=before["status"], batch=batch, **event)
    audit_step(matter, action, before, batch=batch)
    matter.timeline = sorted([*matter._timeline_as_read, done], key=lambda e: e.at)
    return matter
