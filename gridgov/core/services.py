"""Generic audited create and update, shared by plain edits of every app.

Workflows with their own rules get their own service (``household_move`` and so on); plain
field edits go through these two so that each app does not write a pass-through per model.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from .audit import audit_record, snapshot
from .context import Source, actor_context, current_actor

M = TypeVar("M", bound=models.Model)

# Sources from which a change may be made without a named acting user: the server's own command
# line and system jobs (tests' set-up included). A page or API call always names its user.
SERVER_SOURCES = frozenset({Source.CLI, Source.SYSTEM})


class ActingUser(Protocol):
    pk: Any
    is_authenticated: bool
    is_active: bool


def acting_user_check(by: ActingUser | None) -> None:
    """Refuse a change without an acting user unless it comes from the server itself."""
    if by is None:
        actor = current_actor()
        if actor.user is not None or actor.source not in SERVER_SOURCES:
            raise PermissionDenied(_("须指明操作人"))
    elif not (by.is_authenticated and by.is_active):
        raise PermissionDenied(_("操作人已停用"))


@contextlib.contextmanager
def acting_as(by: ActingUser | None) -> Iterator[None]:
    """Audit as ``by`` (the acting user named by the caller), keeping the request's source and
    id; unchanged when the context already names them."""
    actor = current_actor()
    if by is None or getattr(actor.user, "pk", None) == by.pk:
        yield
        return
    with actor_context(user=by, source=actor.source, request_id=actor.request_id, ip=actor.ip):
        yield


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
