"""Row-level scope: who may read which rows, decided by grid subtrees.

Every row that belongs to a place carries a grid path (the division code of its grid node:
county 6, town 9, village 12, group 15, micro-grid 18 digits, each a prefix of its children's).
A subtree is then the index range ``path >= P AND path < P || '~'``, which both SQLite and
PostgreSQL answer from a B-tree index (``LIKE 'P%'`` would not use the index on SQLite).

``Model.objects.restrict(user, action)`` is the only way views, the API, exports and counts read
scoped rows. Which subtrees a user may act on is answered by the scope provider that the accounts
app registers (``core`` does not import accounts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

_M = TypeVar("_M", bound=models.Model)

PATH_END = "~"  # sorts after every digit, so [P, P~) holds exactly the codes starting with P

# (user, action) -> None for "everything", else the grid paths the user may act on.
ScopeProvider = Callable[[Any, str], "list[str] | None"]
_provider: ScopeProvider | None = None


def register_scope_provider(provider: ScopeProvider) -> None:
    global _provider
    _provider = provider


def scope_paths(user: User | AnonymousUser | None, action: str) -> list[str] | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if _provider is None:
        return None if user.is_superuser else []
    return _provider(user, action)


def may_anywhere(user: User | AnonymousUser | None, action: str) -> bool:
    """Whether the user may do ``action`` somewhere (the answer that shows or hides a control)."""
    paths = scope_paths(user, action)
    return paths is None or bool(paths)


def collapse_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths inside another path of the list: ``["44", "4401"]`` → ``["44"]``."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def subtree_q(field: str, path: str) -> Q:
    return Q(**{f"{field}__gte": path, f"{field}__lt": path + PATH_END})


def in_scope(path: str, paths: list[str] | None) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


class ScopedQuerySet(models.QuerySet[_M, _M]):
    """A queryset over rows that carry a grid path (``Model.scope_path_field``)."""

    def _path_field(self) -> str:
        return getattr(self.model, "scope_path_field", "grid_path")

    def within(self, path: str) -> Self:
        return self.filter(subtree_q(self._path_field(), path))

    def restrict(self, user: User | AnonymousUser | None, action: str = "view") -> Self:
        """The rows ``user`` may do ``action`` on, as the model's policy answers
        (``core.permissions.Policy``; by default, the subtrees where the user holds it)."""
        from .permissions import policy_for

        restricted: Self = policy_for(self.model).restrict(self, user, action)
        return restricted

    def within_paths(self, paths: list[str] | None) -> Self:
        """The rows under any of ``paths`` (None: every row)."""
        if paths is None:
            return self
        paths = collapse_paths(paths)
        if not paths:
            return self.none()
        q = Q()
        for path in paths:
            q |= subtree_q(self._path_field(), path)
        return self.filter(q)


def get_scoped_or_404(
    queryset: ScopedQuerySet[_M],
    user: User | AnonymousUser | None,
    action: str = "view",
    **lookup: Any,
) -> _M:
    """The object if it exists and is in the user's scope; otherwise 404, never a 403."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    # Every model has DoesNotExist; the stubs' plugin adds it to concrete models only.
    except queryset.model.DoesNotExist:  # type: ignore[attr-defined]
        raise Http404 from None
