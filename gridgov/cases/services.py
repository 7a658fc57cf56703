"""Every step of a matter after intake, one service per action of the transition table.

How a step runs (read and check, then write once, again if the matter changed meanwhile) is
``step_runner``; each service here is what its action changes, whom it tells and what the
resident reads on the timeline. Views, the API, Open311 and ``gridgov tick`` call these; none
writes matters itself. Intake is ``intake.matter_create``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.cases.permissions import HANDLE_MATTER, SUPERVISE_MATTER
from gridgov.core.rules import rule_value
from gridgov.core.sqlwrites import WriteBatch
from gridgov.core.workdays import add_workdays
from gridgov.grid.models import GridNode

from .deadlines import deadline_at
from .intake import matter_create
from .models import Department, Matter, NotificationKind, Satisfaction, Status
from .notify import handlers_of, holders_of, notify
from .rules import EXTENSION_MAX_WORKDAYS, WARNING_LEAD_HOURS
from .step_records import add_event, audit_step, clean_text, set_level, state_of
from .step_runner import finish, read, step, write
from .transitions import TRANSITIONS


def _reason(value: str, field: str = "reason") -> str:
    return clean_text(value, field=field, max_chars=1000)


@step("assign")
def matter_assign(
    *, batch: WriteBatch, matter: Matter, user: Any, assignee: Any, note: str = ""
) -> Matter:
    """分派: to a person who may handle matters at the level that holds it."""
    m = matter
    if not user_may(assignee, HANDLE_MATTER, m.handler_path):
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
    return finish(batch, m, "assign", before, user=user, note=note, at=now)


@step("sign")
def matter_sign(*, batch: WriteBatch, matter: Matter, user: Any) -> Matter:
    """签收: the assignee takes it on; an unassigned matter is taken by whoever signs."""
    m = matter
    if m.status == Status.ASSIGNED and m.assignee_id not in (None, user.pk):
        raise PermissionDenied(_("只有被分派的承办人可以签收"))
    before, now = state_of(m), timezone.now()
    m.status, m.assignee = Status.IN_PROGRESS, user
    return finish(batch, m, "sign", before, user=user, public_note=_("已签收，正在办理。"), at=now)


@step("return")
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
    return finish(batch, m, "return", before, user=user, note=reason, at=now)


@step("note")
def matter_note(
    *, batch: WriteBatch, matter: Matter, user: Any, public_note: str, note: str = ""
) -> Matter:
    """办理进展: a step the resident can read on the timeline."""
    public_note = _reason(public_note, "public_note")
    m = matter
    before, now = state_of(m), timezone.now()
    return finish(batch, m, "note", before, user=user, note=note, public_note=public_note, at=now)


def _answer_merged(target: Matter, *, now: dt.datetime) -> None:
    """Merged matters answer all their reporters: each gets the answer on its own timeline."""
    waiting = Matter.objects.filter(
        merged_into=target, status=Status.MERGED, answered_at__isnull=True
    )
    for child in waiting.select_for_update():
        child.answer, child.answered_at = target.answer, now
        child.version += 1
        child.save()
        add_event(child, "merged_answer", before=Status.MERGED, public_note=target.answer, at=now)
        audit_step(child, "merged_answer", {"status": Status.MERGED})


# With the matters merged into it, each with its audit entry, if the read found any waiting; a
# merge since would have changed the row (its version), and the step would run again.
@step("settle", alone=lambda m: not m.merged_waiting)
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
    finish(batch, m, "settle", before, user=user, note=note, public_note=answer, at=now)
    if m.merged_waiting:
        batch.flush()  # its audit entry before theirs
        _answer_merged(m, now=now)
        m.merged_waiting = False
    return m


@step("decline")
def matter_decline(*, batch: WriteBatch, matter: Matter, user: Any, answer: str) -> Matter:
    """不予受理: outside the platform's remit (110/119/120, litigation…), answered with why."""
    answer = _reason(answer, "answer")
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.answer, m.answered_at, m.archived_at = Status.ARCHIVED, answer, now, now
    return finish(batch, m, "decline", before, user=user, public_note=answer, at=now)


@step("review")
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
    return finish(batch, m, "review", before, user=user, public_note=public.strip(), at=now)


@step("reopen")
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
    return finish(batch, m, "reopen", before, user=user, public_note=public, at=now)


@step("archive")
def matter_archive(*, batch: WriteBatch, matter: Matter, user: Any) -> Matter:
    """归档."""
    m = matter
    before, now = state_of(m), timezone.now()
    m.status, m.archived_at = Status.ARCHIVED, now
    return finish(batch, m, "archive", before, user=user, at=now)


def _escalate(m: Matter, *, now: dt.datetime) -> GridNode:
    parent = m.handler_node.parent
    if parent is None:
        raise ValidationError({"status": _("已在最高层级，无法再上报")})
    set_level(m, parent, now=now)
    m.status, m.assignee, m.department = Status.RECEIVED, None, None
    m.escalation_count += 1
    return parent


@step("escalate")
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
    return finish(batch, m, "escalate", before, user=user, note=reason, public_note=public, at=now)


@step("transfer")
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
    return finish(batch, m, "transfer", before, user=user, note=reason, public_note=public, at=now)


@step("request_extension")
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
    approvers = handlers_of(m.handler_node.parent or m.handler_node, action=SUPERVISE_MATTER)
    notify(
        batch=batch,
        user_ids=approvers,
        matter=m,
        kind=NotificationKind.EXTENSION,
        text=_("事项%(n)s申请延期%(d)s个工作日") % {"n": m.number, "d": workdays},
    )
    return finish(batch, m, "request_extension", before, user=user, note=reason, at=now)


@step(lambda params: "approve_extension" if params["approve"] else "reject_extension")
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
    return finish(
        batch,
        m,
        "approve_extension" if approve else "reject_extension",
        before,
        user=user,
        note=note,
        public_note=public,
        at=now,
    )


@step("supervise")
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
    return finish(batch, m, "supervise", before, user=user, note=note, public_note=public, at=now)


@step("merge", alone=False)  # and the matter it joins
def matter_merge(*, batch: WriteBatch, matter: Matter, user: Any, into: Matter) -> Matter:
    """合并: a duplicate joins an open matter; its reporter gets that matter's answer."""
    if into.pk == matter.pk:
        raise ValidationError({"into": _("不能与自身合并")})
    m = matter
    target = read(into)
    if target.status not in (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS):
        raise ValidationError({"into": _("只能合并到未办结的事项")})
    if not user_may(user, VIEW, target.grid_path):
        raise ValidationError({"into": _("找不到事项")})
    before, now = state_of(m), timezone.now()
    m.status, m.merged_into = Status.MERGED, target
    public = _("与事项%(n)s为同一问题，合并办理，办结后一并答复。") % {"n": target.number}
    finish(batch, m, "merge", before, user=user, public_note=public, at=now)
    write(target, now, batch)  # the target too must still be as read (open)
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
