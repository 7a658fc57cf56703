"""The scope provider: which grid subtrees a user may act on, from their assignments."""

from __future__ import annotations

from typing import Any

from .models import Assignment
from .roles import role_allows

_CACHE_ATTR = "_gridgov_assignments"


def user_assignments(user: Any) -> list[tuple[str, str]]:
    """(node code, role) pairs, read once per request and kept on the user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Assignment.objects.filter(user=user).values_list("node__code", "role"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


def user_scope_paths(user: Any, action: str) -> list[str] | None:
    if user.is_superuser:
        return None
    return [code for code, role in user_assignments(user) if role_allows(role, action)]


def user_may(user: Any, action: str, path: str) -> bool:
    paths = user_scope_paths(user, action)
    return paths is None or any(path.startswith(p) for p in paths)
