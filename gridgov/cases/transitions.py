"""The lifecycle of a matter as one table: which action moves which status to which, and who may.

受理 (received) → 分派 (assigned) / 签收 (in progress) → 办结 (settled) → 回访/评价 (reviewed) →
归档 (archived), with 退回, 转办, 上报, 延期, 督办, 重办 and 合并 (rules-and-platforms.md C2).
``None`` as a target keeps the status. Every action is a service in ``services``; this table is
what they, the pages and the tests consult.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gridgov.cases.permissions import HANDLE_MATTER, SUPERVISE_MATTER

from .models import Status

S = Status
OPEN = (S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS)


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple[str, ...]
    target: str | None
    permission: str = HANDLE_MATTER
    resident: bool = False  # the person who raised it may take it on the tracking page


TRANSITIONS: dict[str, Transition] = {
    "assign": Transition(_("分派"), (S.RECEIVED, S.ASSIGNED), S.ASSIGNED),
    "sign": Transition(_("签收"), (S.RECEIVED, S.ASSIGNED), S.IN_PROGRESS),
    "return": Transition(_("退回"), (S.ASSIGNED, S.IN_PROGRESS), S.RECEIVED),
    "note": Transition(_("办理进展"), OPEN, None),
    "settle": Transition(_("办结"), (S.IN_PROGRESS,), S.SETTLED),
    "decline": Transition(_("不予受理"), (S.RECEIVED,), S.ARCHIVED),
    "review": Transition(_("回访评价"), (S.SETTLED,), S.REVIEWED, resident=True),
    "reopen": Transition(_("重办"), (S.SETTLED, S.REVIEWED), S.IN_PROGRESS, resident=True),
    "archive": Transition(_("归档"), (S.SETTLED, S.REVIEWED), S.ARCHIVED),
    "escalate": Transition(_("上报"), OPEN, S.RECEIVED),
    "transfer": Transition(_("转办"), OPEN, S.RECEIVED),
    "request_extension": Transition(_("申请延期"), (S.ASSIGNED, S.IN_PROGRESS), None),
    "approve_extension": Transition(
        _("批准延期"), (S.ASSIGNED, S.IN_PROGRESS), None, SUPERVISE_MATTER
    ),
    "reject_extension": Transition(
        _("驳回延期"), (S.ASSIGNED, S.IN_PROGRESS), None, SUPERVISE_MATTER
    ),
    "supervise": Transition(_("督办"), OPEN, None, SUPERVISE_MATTER),
    "merge": Transition(_("合并"), OPEN, S.MERGED),
}

# Steps written by the system, shown on the timeline with these labels.
SYSTEM_LABELS = {
    "create": _("受理"),
    "auto_escalate": _("逾期自动上报"),
    "overdue": _("逾期"),
    "merged_answer": _("合并办结"),
}


def action_label(action: str) -> str:
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(SYSTEM_LABELS.get(action, action))


def allowed_from(status: str) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if status in t.sources]
