"""Permissions (权限): the actions each app registers, the roles that hold them, and the policy
object that answers every permission question about a model's rows.

Each app declares its actions in its own ``permissions.py``::

    HANDLE_MATTER = register_action("handle_matter", _("办理民情事项"), held_by=[...roles])

and uses the returned key wherever it asks. ``core.apps`` imports every app's ``permissions``
module at start-up, so the role table at /roles/, the access-matrix test and every check read
one registry that a new app extends by adding its file; nothing in ``accounts`` changes.

Roles themselves (their names, ranks and notes) belong to ``accounts``; ``core`` keeps their
keys only, and ``accounts`` checks at start-up that every key named here is a role it knows.

A role is held at a grid node and covers its subtree. Which subtrees a user may act on, and who
holds an action at a node, are answered by the providers ``accounts`` registers (``core``
imports no app). ``Policy`` puts the four questions in one place: ``restrict`` (the rows a user
may act on), ``may`` (may this user act at this place), ``may_anywhere`` (may they do this
anywhere: whether to show a control at all), and ``holders`` (who may act at a place).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured

from .scoping import in_scope, scope_paths

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from .scoping import ScopedQuerySet


QS = TypeVar("QS", bound="ScopedQuerySet[Any]")


@dataclass(frozen=True)
class ActionSpec:
    """One action users may be allowed: its key, its label, the app that declared it, the
    roles that hold it, and the roles that may grant a role holding it without holding it
    themselves (``granted_by``: the town enters the accounts of a committee the villagers
    elected, but does not act as that committee)."""

    key: str
    label: str | Promise
    app: str
    held_by: frozenset[str]
    granted_by: frozenset[str] = frozenset()


_ACTIONS: dict[str, ActionSpec] = {}
_discovered = False


def register_action(
    key: str,
    label: str | Promise,
    *,
    held_by: Iterable[str],
    app: str = "",
    granted_by: Iterable[str] = (),
) -> str:
    """Declare an action (from an app's ``permissions.py``) and return its key."""
    spec = ActionSpec(
        key,
        label,
        app,
        frozenset(str(role) for role in held_by),
        frozenset(str(role) for role in granted_by),
    )
    known = _ACTIONS.get(key)
    if known is not None and known != spec:
        raise ImproperlyConfigured(f"permission action {key!r} is declared twice, differently")
    _ACTIONS[key] = spec
    return key


def _discover() -> None:
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("permissions")
        _discovered = True


def registered_actions() -> list[ActionSpec]:
    """Every action, in the order of INSTALLED_APPS and of each app's declarations."""
    _discover()
    return list(_ACTIONS.values())


def action_spec(key: str) -> ActionSpec | None:
    _discover()
    return _ACTIONS.get(key)


def role_actions(role: str) -> frozenset[str]:
    """The actions ``role`` holds, from every app's declarations."""
    return frozenset(spec.key for spec in registered_actions() if role in spec.held_by)


def role_allows(role: str, action: str) -> bool:
    spec = action_spec(action)
    return spec is not None and role in spec.held_by


class RoleActions(Mapping[str, frozenset[str]]):
    """role → the actions it holds, read from the registry (a view, not a copy)."""

    def __init__(self, roles: Callable[[], Iterable[str]]) -> None:
        self._roles = roles

    def __getitem__(self, role: str) -> frozenset[str]:
        if role not in set(self._roles()):
            raise KeyError(role)
        return role_actions(role)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._roles()))

    def __len__(self) -> int:
        return len(list(self._roles()))


# (action, grid node codes, root first) -> (user id, node code, role) of every assignment at
# those nodes whose role holds the action; registered by accounts.
HoldersProvider = Callable[[str, list[str]], list[tuple[int, str, str]]]
_holders: HoldersProvider | None = None


def register_holders_provider(provider: HoldersProvider) -> None:
    global _holders
    _holders = provider


class Policy:
    """Every permission question about the rows of one model, answered in one place.

    ``Model.objects.restrict(user, action)`` asks the model's policy: its own
    (``policy = SomePolicy()`` on the model class, a subclass that narrows or widens), else the
    default, which answers from the grid path the row carries (``scope_path_field``)."""

    def restrict(self, queryset: QS, user: Any, action: str) -> QS:
        """The rows of ``queryset`` that ``user`` may do ``action`` on (none for anonymous)."""
        return queryset.within_paths(scope_paths(user, action))

    def may(self, user: Any, action: str, path: str) -> bool:
        """Whether ``user`` may do ``action`` at the place whose grid path is ``path``."""
        return in_scope(path, scope_paths(user, action))

    def may_anywhere(self, user: Any, action: str) -> bool:
        """Whether ``user`` may do ``action`` somewhere (to show a control or a list at all)."""
        paths = scope_paths(user, action)
        return paths is None or bool(paths)

    def holders(self, action: str, path: str) -> list[tuple[int, str, str]]:
        """(user id, node code, role) of everyone holding ``action`` at ``path`` or above it,
        nearest first."""
        if _holders is None:
            return []
        codes = [path[:n] for n in (6, 9, 12, 15, 18) if n <= len(path)]
        rows = _holders(action, codes)
        return sorted(rows, key=lambda row: (-len(row[1]), row[0]))


DEFAULT_POLICY = Policy()


def policy_for(model: type) -> Policy:
    """The policy of ``model``: its own, or the default one."""
    policy = getattr(model, "policy", None)
    return policy if isinstance(policy, Policy) else DEFAULT_POLICY
