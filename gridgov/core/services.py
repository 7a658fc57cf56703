"""Generic audited create and update, shared by plain edits of every app.

Workflows with their own rules get their own service (``household_move`` and so on); plain
field edits go through these two so that each app does not write a pass-through per model.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from .audit import audit_record, snapshot

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def object_create(*, model: type[M], data: dict[str, Any]) -> M:
    instance = model(**data)
    instance.full_clean()
    instance.save()
    audit_record(action="create", instance=instance, after=snapshot(instance))
    return instance


@transaction.atomic
def object_update(*, instance: M, data: dict[str, Any]) -> M:
    before = snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    after = snapshot(instance)
    changed_before = {k: v for k, v in before.items() if after.get(k) != v}
    changed_after = {k: after[k] for k in changed_before}
    if changed_after:
        audit_record(action="update", instance=instance, before=changed_before, after=changed_after)
    return instance
