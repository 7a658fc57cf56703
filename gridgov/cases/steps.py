"""Shared steps of the matter services: the timeline event, the audit entry, the level's clock."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record
from gridgov.core.rules import rule_value
from gridgov.core.sqlwrites import WriteBatch, insert_row
from gridgov.grid.models import GridNode

from .deadlines import deadline_at
from .models import Matter, MatterEvent
from .rules import DESCRIPTION_MAX_CHARS

_HTML = re.compile(r"<\s*[a-zA-Z!/?]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str, *, field: str, required: bool = True, max_chars: int = 0) -> str:
    """Plain text only: no HTML (the spec forbids it in descriptions), no control characters."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("不能为空")})
    if _HTML.search(value):
        raise ValidationError({field: _("不能包含HTML标记或脚本（如“<script>”）")})
    if _CONTROL.search(value):
        raise ValidationError({field: _("含有不可见的控制字符")})
    limit = max_chars or rule_value(DESCRIPTION_MAX_CHARS)
    if len(value) > limit:
        raise ValidationError(
            {field: _("最长%(max)s字，现有%(n)s字") % {"max": limit, "n": len(value)}}
        )
    return value


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
    matter before relies on it to know that its timeline is still whole (``stepping.finish``).
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
