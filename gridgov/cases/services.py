"""Every step of a matter after intake, one service per action of the transition table.

Each step reads the matter, checks the table (``transitions.TRANSITIONS``) and the actor's
permission at the level that holds the matter, then, in one short transaction, writes the
changed columns on the condition that nobody else wrote the row since it was read (its
``version``), a timeline event (public part for the resident, internal part for staff), an audit
entry and the notifications it causes. When somebody did, the step runs again on the row as it
is now (``_step``). The reading and checking stay outside the transaction, so writers hold
SQLite's write lock, or the row's lock in PostgreSQL, only while they write.

Views, the API, Open311 and ``gridgov tick`` call these; none writes matters itself. Intake is
``intake.matter_create``.
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

from gridgov.accounts.roles import Action
from gridgov.accounts.scope import user_may
from gridgov.core.compiled import CompiledRead
from gridgov.core.rules import rule_value
from gridgov.core.sqlwrites import WriteBatch, write_batch
from gridgov.core.workdays import add_workdays
from gridgov.grid.models import GridNode

from .deadlines import deadline_at
from .intake import matter_create
from .models import Department, Matter, NotificationKind, Satisfaction, Status
from .notify import handlers_of, holders_of, notify
from .rules import EXTENSION_MAX_WORKDAYS, WARNING_LEAD_HOURS
from .steps import add_event, audit_step, clean_text, set_level, state_of
from .transitions import TRANSITIONS

_COLUMNS = [f for f in Matter._meta.concrete_fields if not f.primary_key]
# How many times a step runs when other writers keep changing its matter in between, and the
# pause before each new try (random, up to this × the try's number). Only a storm of writes to
# one matter uses them up; the step then answers "try again" and has written nothing.
STEP_ATTEMPTS = 4
STEP_RETRY_PAUSE_S = 0.01


# Every step reads its matter with five related rows: compiled once, not at every step.
_STEP_READ = CompiledRead("cases.step_read")
_STEP_ROWS = Matter.objects.for_step()
_MERGED_WAITING = CompiledRead("cases.merged_waiting")  # asked at every settle


class _Stale(Exception):
    """The row changed between the step's read and its write."""


def _read(matter: Matter, user: Any = None) -> Matter:
    """The row as it is now, with what the pages and the API show after a step.

    Any instance with the pk will do; an unsaved ``Matter(number=…)`` is read by its number
    among the rows ``user`` may see (``Matter.DoesNotExist`` otherwise), so that a caller that
    knows only the number looks it up and checks its visibility in one statement.
    """
    rows = _STEP_ROWS
    if matter.pk is None:
        rows = rows.restrict(user, Action.VIEW).filter(number=matter.number)
    else:
        rows = rows.filter(pk=matter.pk)
    current = _STEP_READ.get(rows)
    current._as_read = {f.attname: getattr(current, f.attname) for f in _COLUMNS}
    return current


def _begin(matter: Matter, action: str, user: Any, *, resident: bool = False) -> Matter:
    """Read the row, then check the table and the permission on the row as it is now."""
    transition = TRANSITIONS[action]
    current = _read(matter, None if resident else user)
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


def _step(
    action: str | Callable[[dict[str, Any]], str], *, alone: bool = True
) -> Callable[[Callable], Callable]:
    """A step of ``action``: read and check the matter, then run the body and write.

    The body gets the row as read (``matter=``) and the step's ``batch`` of writes, and ends in
    ``_finish``, whose write holds only if the row is still as read; if not, everything the body
    wrote is undone and the step runs again on the new row, up to ``STEP_ATTEMPTS`` times.
    A body that writes only through its batch (``alone``) is one statement on PostgreSQL
    (``_writing``). Without ``user`` the step is the resident's own (from the tracking page),
    allowed only where the table says so.
    """

    def decorate(body: Callable[..., Matter]) -> Callable[..., Matter]:
        @functools.wraps(body)
        def step(*, matter: Matter, user: Any = None, **params: Any) -> Matter:
            name = action(params) if callable(action) else action
            for attempt in range(STEP_ATTEMPTS):
                if attempt:  # apart, so that the writers who met do not meet again
                    time.sleep(random.uniform(0, STEP_RETRY_PAUSE_S * attempt))
                current = _begin(matter, name, user, resident=user is None)
                try:
                    with _writing(alone) as batch:
                        return body(matter=current, user=user, batch=batch, **params)
                except _Stale:
                    continue
            raise ValidationError({"version": _("此事项正被他人同时办理，请稍后重试")})

        return step

    return decorate


@contextlib.contextmanager
def _writing(alone: bool) -> Iterator[WriteBatch]:
    """The batch a step writes through, sent when the body returns.

    On PostgreSQL, a step whose writes are all in its batch is one statement that writes
    nothing unless its matter is still as read (the batch's guard): whole without a
    transaction, so without the two round trips that would open and close one, and the audit
    chain's head stays locked only while that statement runs. Otherwise the body runs in a
    transaction, and an outdated row raises and rolls back everything it wrote.
    """
    connection = transaction.get_connection()
    if alone and connection.vendor == "postgresql" and not connection.in_atomic_block:
        with write_batch() as batch:
            yield batch
        return
    with transaction.atomic(), write_batch() as batch:
        yield batch


def _write(matter: Matter, now: dt.datetime, batch: WriteBatch, *, guard: bool = False) -> None:
    """Write the columns the step changed (not all fifty), if nobody wrote the row since."""
    read = matter._as_read
    matter.version, matter.updated_at = read["version"] + 1, now
    changed = {
        f.attname: getattr(matter, f.attname)
        for f in _COLUMNS
        if getattr(matter, f.attname) != read[f.attname]
    }
    where = {"pk": matter.pk, "version": read["version"]}
    batch.update(Matter, values=changed, where=where, expect=1, otherwise=_Stale, guard=guard)
    matter._as_read = {f.attname: getattr(matter, f.attname) for f in _COLUMNS}


def _finish(
    batch: WriteBatch, matter: Matter, action: str, before: dict[str, Any], **event: Any
) -> Matter:
    """The row's write (the batch's guard), the timeline event and the audit."""
    _write(matter, timezone.now(), batch, guard=True)
    add_event(matter, action, before=before["status"], batch=batch, **event)
    audit_step(matter, action, before, batch=batch)
    return matter


def _reason(value: str, field: str = "reason") -> str:
    return clean_text(value, field=field, max_chars=1000)


@_step("assign")
def matter_assign(
    *, batch: WriteBatch, matter: Matter, user: Any, assignee: Any, note: str = ""
) -> Matter:
    """分派: to a person who may handle matters at the level that holds it."""
    m = matter
    if not user_may(assignee, Action.HANDLE_MATTER, m.handler_path):
        raise ValidationError({"assignee": _("%(u)s不能办理这一层级的事项") % {"u": assignee}})
    before, now = state_of(m), timezone.now()
    m.status, m.assignee = Status.ASSIGNED, assignee
    notify(
        batch=batch,
        user_ids=[assignee.pk],
        matter=m,
        kind=NotificationKind.ASSIGNED,
        text=_("事项%(n)s分派给您办理") % {"n": m.number},
    )
    return _finish(batch, m, "assign", before, user=user, note=note, at=now)


@_step("sign")
def matter_sign(*, batch: WriteBatch, matter: Matter, user: Any) -> Matter:
    """签收: the assignee takes it on; an unassigned matter is taken by whoever signs."""
    m = matter
    if m.status == Status.ASSIGNED and m.assignee_id not in (None, user.pk):
        raise PermissionDenied(_("只有被分派的承办人可以签收"))
    before, now = state_of(m), timezone.now()
    m.status, m.assignee = Status.IN_PROGRESS, user
    return _finish(batch, m, "sign", before, user=user, public_note=_("已签收，正在办理。"), at=now)


@_step("return")
def matter_return(*, batch: WriteBatch, matter: Matter, user: Any, reason: str) -> Matter:
    """退回: back to the level's dispatcher, with a reason (wrongly routed, not ours)."""
    reason = _reason(reason)
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.assignee = Status.RECEIVED, None
    notify(
        batch=batch,
        user_ids=handlers_of(m.handler_node, role=m.category.handler_role),
        matter=m,
        kind=NotificationKind.RETURNED,
        text=_("事项%(n)s被退回：%(r)s") % {"n": m.number, "r": reason[:80]},
    )
    return _finish(batch, m, "return", before, user=user, note=reason, at=now)


@_step("note")
def matter_note(
    *, batch: WriteBatch, matter: Matter, user: Any, public_note: str, note: str = ""
) -> Matter:
    """办理进展: a step the resident can read on the timeline."""
    public_note = _reason(public_note, "public_note")
    m = matter
    before, now = state_of(m), timezone.now()
    return _finish(batch, m, "note", before, user=user, note=note, public_note=public_note, at=now)


def _answer_merged(target: Matter, *, now: dt.datetime) -> None:
    """Merged matters answer all their reporters: each gets the answer on its own timeline."""
    waiting = Matter.objects.filter(
        merged_into=target, status=Status.MERGED, answered_at__isnull=True
    )
    # Most matters have none: ask for ids first, a third of the cost of reading whole rows.
    pks = _MERGED_WAITING.fetch(waiting.values_list("pk", flat=True))
    if not pks:
        return
    for child in waiting.select_for_update().filter(pk__in=pks):
        child.answer, child.answered_at = target.answer, now
        child.version += 1
        child.save()
        add_event(child, "merged_answer", before=Status.MERGED, public_note=target.answer, at=now)
        audit_step(child, "merged_answer", {"status": Status.MERGED})


@_step("settle", alone=False)  # and the matters merged into it, each with its audit entry
def matter_settle(
    *, batch: WriteBatch, matter: Matter, user: Any, answer: str, note: str = ""
) -> Matter:
    """办结: with the answer the resident receives ("件件有回音")."""
    answer = _reason(answer, "answer")
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.answer, m.answered_at, m.settled_at = Status.SETTLED, answer, now, now
    m.settled_level = m.level
    m.settled_on_time = now <= m.deadline and m.overdue_count == 0
    _finish(batch, m, "settle", before, user=user, note=note, public_note=answer, at=now)
    batch.flush()  # its audit entry before theirs
    _answer_merged(m, now=now)
    return m


@_step("decline")
def matter_decline(*, batch: WriteBatch, matter: Matter, user: Any, answer: str) -> Matter:
    """不予受理: outside the platform's remit (110/119/120, litigation…), answered with why."""
    answer = _reason(answer, "answer")
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.answer, m.answered_at, m.archived_at = Status.ARCHIVED, answer, now, now
    return _finish(batch, m, "decline", before, user=user, public_note=answer, at=now)


@_step("review")
def matter_review(
    *, batch: WriteBatch, matter: Matter, satisfaction: str, user: Any = None, comment: str = ""
) -> Matter:
    """回访/评价: by a visit of staff (``user``) or by the resident on the tracking page."""
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": _("请选择满意、基本满意或不满意")})
    comment = clean_text(comment, field="comment", required=False, max_chars=500)
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.satisfaction, m.reviewed_at = Status.REVIEWED, satisfaction, now
    label = Satisfaction(satisfaction).label
    public = _("评价：%(s)s。%(c)s") % {"s": label, "c": comment}
    return _finish(batch, m, "review", before, user=user, public_note=public.strip(), at=now)


@_step("reopen")
def matter_reopen(*, batch: WriteBatch, matter: Matter, reason: str, user: Any = None) -> Matter:
    """重办: the resident is not satisfied; the same level handles it again, on a new clock."""
    reason = _reason(reason)
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.reopen_count = Status.IN_PROGRESS, m.reopen_count + 1
    m.settled_at = m.reviewed_at = m.settled_on_time = None
    m.settled_level = m.satisfaction = ""
    m.deadline, m.warn_at = deadline_at(start=now, category=m.category, level=m.level)
    notify(
        batch=batch,
        user_ids=holders_of(m),
        matter=m,
        kind=NotificationKind.REOPENED,
        text=_("事项%(n)s重办：%(r)s") % {"n": m.number, "r": reason[:80]},
    )
    public = _("申请重办：%(r)s") % {"r": reason}
    return _finish(batch, m, "reopen", before, user=user, public_note=public, at=now)


@_step("archive")
def matter_archive(*, batch: WriteBatch, matter: Matter, user: Any) -> Matter:
    """归档."""
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.archived_at = Status.ARCHIVED, now
    return _finish(batch, m, "archive", before, user=user, at=now)


def _escalate(m: Matter, *, now: dt.datetime) -> GridNode:
    parent = m.handler_node.parent
    if parent is None:
        raise ValidationError({"status": _("已在最高层级，无法再上报")})
    set_level(m, parent, now=now)
    m.status, m.assignee, m.department = Status.RECEIVED, None, None
    m.escalation_count += 1
    return parent


@_step("escalate")
def matter_escalate(*, batch: WriteBatch, matter: Matter, user: Any, reason: str) -> Matter:
    """上报: to the parent level, with the reason this level cannot settle it."""
    reason = _reason(reason)
    m = matter
    before, now = state_of(m), timezone.now()
    parent = _escalate(m, now=now)
    notify(
        batch=batch,
        user_ids=handlers_of(parent),
        matter=m,
        kind=NotificationKind.ESCALATED,
        text=_("事项%(n)s上报：%(r)s") % {"n": m.number, "r": reason[:80]},
    )
    public = _("已上报%(p)s办理。") % {"p": parent.name}
    return _finish(batch, m, "escalate", before, user=user, note=reason, public_note=public, at=now)


@_step("transfer")
def matter_transfer(
    *, batch: WriteBatch, matter: Matter, user: Any, department: Department, reason: str
) -> Matter:
    """转办: to a town or county department, which then holds it on its own clock."""
    reason = _reason(reason)
    m = matter
    if not department.is_active:
        raise ValidationError({"department": _("部门已停用")})
    if not m.grid_path.startswith(department.node.code):
        raise ValidationError({"department": _("%(d)s不管辖此地") % {"d": department.name}})
    before, now = state_of(m), timezone.now()
    set_level(m, department.node, now=now)
    m.status, m.assignee, m.department = Status.RECEIVED, None, department
    notify(
        batch=batch,
        user_ids=handlers_of(department.node),
        matter=m,
        kind=NotificationKind.ESCALATED,
        text=_("事项%(n)s转办%(d)s") % {"n": m.number, "d": department.name},
    )
    public = _("已转%(d)s办理。") % {"d": department.name}
    return _finish(batch, m, "transfer", before, user=user, note=reason, public_note=public, at=now)


@_step("request_extension")
def matter_extension_request(
    *, batch: WriteBatch, matter: Matter, user: Any, workdays: int, reason: str
) -> Matter:
    """申请延期: up to ``EXTENSION_MAX_WORKDAYS``; the level above approves."""
    reason = _reason(reason)
    limit = rule_value(EXTENSION_MAX_WORKDAYS)
    if not 1 <= workdays <= limit:
        raise ValidationError({"workdays": _("延期须为1至%(n)s个工作日") % {"n": limit}})
    m = matter
    if m.extension_days:
        raise ValidationError({"workdays": _("已有一项延期申请待批准")})
    before, now = state_of(m), timezone.now()
    m.extension_days, m.extension_reason = workdays, reason
    approvers = handlers_of(m.handler_node.parent or m.handler_node, action=Action.SUPERVISE_MATTER)
    notify(
        batch=batch,
        user_ids=approvers,
        matter=m,
        kind=NotificationKind.EXTENSION,
        text=_("事项%(n)s申请延期%(d)s个工作日") % {"n": m.number, "d": workdays},
    )
    return _finish(batch, m, "request_extension", before, user=user, note=reason, at=now)


@_step(lambda params: "approve_extension" if params["approve"] else "reject_extension")
def matter_extension_decide(
    *, batch: WriteBatch, matter: Matter, user: Any, approve: bool, note: str = ""
) -> Matter:
    """批准/驳回延期: not by the person who asked for it."""
    m = matter
    if not m.extension_days:
        raise ValidationError({"workdays": _("没有待批准的延期申请")})
    asked = m.events.filter(action="request_extension").order_by("-id").first()
    if asked is not None and asked.actor_id == user.pk:
        raise PermissionDenied(_("不能批准自己的延期申请"))
    before, now = state_of(m), timezone.now()
    public = ""
    if approve:
        m.deadline = add_workdays(start=m.deadline, days=m.extension_days)
        lead = dt.timedelta(hours=rule_value(WARNING_LEAD_HOURS))
        m.warn_at, m.warned_for = max(now, m.deadline - lead), None
        public = _("经批准延期至%(d)s。") % {"d": f"{timezone.localtime(m.deadline):%Y-%m-%d}"}
    m.extension_days, m.extension_reason = None, ""
    if m.assignee_id:
        notify(
            batch=batch,
            user_ids=[m.assignee_id],
            matter=m,
            kind=NotificationKind.EXTENSION,
            text=(_("事项%(n)s延期已批准") if approve else _("事项%(n)s延期被驳回"))
            % {"n": m.number},
        )
    return _finish(
        batch,
        m,
        "approve_extension" if approve else "reject_extension",
        before,
        user=user,
        note=note,
        public_note=public,
        at=now,
    )


@_step("supervise")
def matter_supervise(*, batch: WriteBatch, matter: Matter, user: Any, note: str) -> Matter:
    """督办: a higher level presses the handler; shown to the resident."""
    note = _reason(note, "note")
    m = matter
    before, now = state_of(m), timezone.now()
    m.supervised_at = now
    notify(
        batch=batch,
        user_ids=holders_of(m),
        matter=m,
        kind=NotificationKind.SUPERVISED,
        text=_("事项%(n)s被督办：%(t)s") % {"n": m.number, "t": note[:80]},
    )
    public = _("上级已督办。")
    return _finish(batch, m, "supervise", before, user=user, note=note, public_note=public, at=now)


@_step("merge", alone=False)  # and the matter it joins
def matter_merge(*, batch: WriteBatch, matter: Matter, user: Any, into: Matter) -> Matter:
    """合并: a duplicate joins an open matter; its reporter gets that matter's answer."""
    if into.pk == matter.pk:
        raise ValidationError({"into": _("不能与自身合并")})
    m = matter
    target = _read(into)
    if target.status not in (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS):
        raise ValidationError({"into": _("只能合并到未办结的事项")})
    if not user_may(user, Action.VIEW, target.grid_path):
        raise ValidationError({"into": _("找不到事项")})
    before, now = state_of(m), timezone.now()
    m.status, m.merged_into = Status.MERGED, target
    public = _("与事项%(n)s为同一问题，合并办理，办结后一并答复。") % {"n": target.number}
    _finish(batch, m, "merge", before, user=user, public_note=public, at=now)
    _write(target, now, batch)  # the target too must still be as read (open)
    add_event(
        target,
        "note",
        before=target.status,
        user=user,
        note=_("合并了事项%(n)s") % {"n": m.number},
        at=now,
        batch=batch,
    )
    return m


def matter_act(*, matter: Matter, user: Any, action: str, **params: Any) -> Matter:
    """One entry for the pages and the API: the action's name and its parameters.

    ``matter`` may be an unsaved ``Matter(number=…)``: it is then read among the rows ``user``
    may see, and ``Matter.DoesNotExist`` raised when it is not one of them.
    """
    if action not in TRANSITIONS:
        raise ValidationError({"action": _("未知的动作%(a)s") % {"a": action}})
    handlers = {
        "assign": matter_assign,
        "sign": matter_sign,
        "return": matter_return,
        "note": matter_note,
        "settle": matter_settle,
        "decline": matter_decline,
        "review": matter_review,
        "reopen": matter_reopen,
        "archive": matter_archive,
        "escalate": matter_escalate,
        "transfer": matter_transfer,
        "request_extension": matter_extension_request,
        "supervise": matter_supervise,
        "merge": matter_merge,
    }
    if action in ("approve_extension", "reject_extension"):
        return matter_extension_decide(
            matter=matter, user=user, approve=action == "approve_extension", **params
        )
    return handlers[action](matter=matter, user=user, **params)


__all__ = ["matter_act", "matter_create"]
