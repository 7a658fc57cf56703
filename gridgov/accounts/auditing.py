"""Where audit entries about users are seen: the grid paths of users' assignments.

Registered with ``gridgov.core.audit`` (which does not import accounts): an entry about a user
or by a user, that has no grid path of its own, is seen by the auditors of the subtrees where
that user holds a role (docs/security.md §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from gridgov.core.scoping import subtree_q

from .models import Assignment


def user_places(user_id: int) -> list[str]:
    """The nodes where the user holds a role now (read afresh, never the cached list: the
    user may have been given one earlier in the same transaction)."""
    return list(
        Assignment.objects.filter(user_id=user_id).values_list("node_code", flat=True).distinct()
    )


def users_within(paths: Sequence[str]) -> QuerySet[Any, Any]:
    """The ids, as text (an audit entry's ``object_id``), of users who hold a role inside one
    of ``paths``."""
    q = Q()
    for path in paths:
        q |= subtree_q("node_code", path)
    return (
        Assignment.objects.filter(q)
        .annotate(user_text=Cast("user_id", CharField()))
        .values("user_text")
    )
