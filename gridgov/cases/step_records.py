"""What every step of a matter records: the timeline event, the audit entry, the level and its
clock; and the check of its free text. How a step runs is ``step_runner``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gridgov.core.audit import audit_record
from gridgov.core.rules import rule_value
from gridgov.core.sqlwrites import WriteBatch, insert_row
from gridgov.core.text import plain_text
from gridgov.grid.models import GridNode

from .deadlines import deadline_at
from .models import Matter, MatterEvent
from .rules import DESCRIPTION_MAX_CHARS


def clean_text(value: str, *, field: str, required: bool = True, max_chars: int = 0) -> str:
    """Free text of a matter: the rule of every channel (``core.text.plain_text``): markup is
    kept inert, escaped where shown; control characters and over-long text are refused."""
    limit = max_chars or rule_value(DESCRIPTION_MAX_CHARS)
    return plain_text(value, field=field, required=required, max_chars=limit)


def actor_label(matter: Matter) -> str:
    """Who acts, as the resident may see it: the level or department, never a person."""
    if matter.department_id:
        return matter.department.name
    return matter.handler_node.name


def add_event(
    matter: Matter,
    action: str,
    *,
    before: str,
    user: Any = None,
    note: str = "",
    public_note: str = "",
    at: dt.datetime,
    batch: WriteBatch | None = None,
) -> MatterEvent:
    """The step's timeline event; with ``batch``, stored when the batch is sent.

    The caller changes the matter's ``version`` in the same write: a step that read the
    matter before relies on it to know that its timeline is still whole (``step_runner.finish``).
    """
    event = MatterEvent(
        matter=matter,
        action=action,
        from_status=before,
        to_status=matter.status,
        actor=user if getattr(user, "pk", None) else None,
        actor_label=actor_label(matter),
        note=note,
        public_note=public_note,
        at=at,
    )
    if batch is None:
        return insert_row(event)
    batch.insert(event)
    return event


def audit_step(
    matter: Matter, action: str, before: dict[str, Any], *, batch: WriteBatch | None = None
) -> None:
    after = {k: getattr(matter, k) for k in before}
    audit_record(
        action=f"matter.{action}", instance=matter, before=before, after=after, batch=batch
    )


def state_of(matter: Matter) -> dict[str, Any]:
    return {
        "status": matter.status,
        "handler_path": matter.handler_path,
        "assignee_id": matter.assignee_id,
        "deadline": matter.deadline,
    }


def set_level(matter: Matter, node: GridNode, *, now: dt.datetime) -> None:
    matter.handler_node = node
    matter.handler_path = node.code
    matter.level = node.level
    matter.deadline, matter.warn_at = deadline_at(
        start=now, category=matter.category, level=node.level
    )
