"""Who may manage whom (用户与角色的管理权限).

A manager is a user holding a role that allows ``manage_users`` at some grid nodes. They may:

- grant a role at a node inside one of those subtrees, if the role they hold there ranks at or
  above it and holds every action it gives (``roles.grantable_roles``);
- manage (see, deactivate, reset, grant to, revoke from) a user all of whose places lie where
  they may grant: every role the user holds is one the manager could grant at its node, and a
  user with no role is placed by their home node. Anyone else — a user with one role elsewhere,
  a superuser, a staff user, or a user with no place at all — is invisible to them (404).

Superusers manage every user who is neither superuser nor staff; nobody grants superuser or staff
through gridgov's pages or API (only ``createsuperuser`` / ``firstadmin --superuser`` on the
server do).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet

from gridgov.core.scoping import collapse_paths, subtree_q
from gridgov.grid.models import CODE_LENGTH, GridNode

from .models import AccountState, Assignment
from .roles import Role, grantable_roles
from .scope import user_assignments

# (subtree path, roles grantable there); None = a superuser, any role anywhere.
GrantScopes = list[tuple[str, frozenset[str]]] | None


def grant_scopes(manager: User | AnonymousUser | None) -> GrantScopes:
    if manager is None or not getattr(manager, "is_authenticated", False):
        return []
    if not manager.is_active:
        return []
    if manager.is_superuser:
        return None
    scopes = []
    for code, role in user_assignments(manager):
        roles = grantable_roles(role)
        if roles:
            scopes.append((code, roles))
    return scopes


def may_manage_anywhere(manager: User | AnonymousUser | None) -> bool:
    return grant_scopes(manager) != []


def may_grant(manager: User | AnonymousUser | None, code: str, role: str) -> bool:
    scopes = grant_scopes(manager)
    if scopes is None:
        return True
    return any(code.startswith(path) and role in roles for path, roles in scopes)


def grant_choices(manager: User | AnonymousUser | None, code: str) -> frozenset[str]:
    """The roles ``manager`` may grant at the node ``code``."""
    scopes = grant_scopes(manager)
    if scopes is None:
        return frozenset(Role.values)
    out: set[str] = set()
    for path, roles in scopes:
        if code.startswith(path):
            out |= roles
    return frozenset(out)


def manage_paths(manager: User | AnonymousUser | None) -> list[str] | None:
    scopes = grant_scopes(manager)
    return None if scopes is None else collapse_paths(path for path, _roles in scopes)


def manage_nodes(manager: User | AnonymousUser | None) -> QuerySet[GridNode]:
    """Grid nodes where ``manager`` may grant some role."""
    paths = manage_paths(manager)
    if paths is None:
        return GridNode.objects.all()
    if not paths:
        return GridNode.objects.none()
    q = Q()
    for path in paths:
        q |= subtree_q("code", path)
    return GridNode.objects.filter(q)


def _grantable_q(scopes: list[tuple[str, frozenset[str]]]) -> Q:
    """Assignments ``manager`` could have granted: at a node of a scope, with a role of it."""
    q = Q(pk__in=[])
    for path, roles in scopes:
        q |= subtree_q("node_code", path) & Q(role__in=sorted(roles))
    return q


def manageable_users(manager: User | AnonymousUser | None) -> QuerySet[User]:
    """The users ``manager`` may manage, as one query (lists filter and page it further)."""
    users = get_user_model().objects.filter(is_superuser=False, is_staff=False)
    scopes = grant_scopes(manager)
    if scopes is None:
        return users
    if not scopes:
        return users.none()
    foreign = Assignment.objects.filter(user=OuterRef("pk")).exclude(_grantable_q(scopes))
    has_role = Assignment.objects.filter(user=OuterRef("pk"))
    home = Q(pk__in=[])
    for path in collapse_paths(path for path, _roles in scopes):
        home |= subtree_q("account_state__home_code", path)
    return users.exclude(Exists(foreign)).filter(Exists(has_role) | home)


def manageable_user(manager: User | AnonymousUser | None, pk: Any) -> User:
    """The user if ``manager`` may manage them; ``DoesNotExist`` otherwise (pages answer 404,
    whether the user is elsewhere or does not exist)."""
    model = get_user_model()
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise model.DoesNotExist from None
    return manageable_users(manager).get(pk=pk)


def may_manage(manager: User | AnonymousUser | None, user: User) -> bool:
    return manageable_users(manager).filter(pk=user.pk).exists()


def user_place(user: User) -> str:
    """The grid path an audit entry about ``user`` is filed under: the deepest node that holds
    all their places (so auditors of that subtree see it), or "" for a user with none."""
    codes = [code for code, _role in user_assignments_fresh(user)]
    if not codes:
        home = AccountState.objects.filter(user=user).values_list("home_code", flat=True).first()
        codes = [home] if home else []
    return common_node(codes)


def user_assignments_fresh(user: User) -> list[tuple[str, str]]:
    return list(
        Assignment.objects.filter(user=user).order_by("id").values_list("node_code", "role")
    )


def common_node(codes: list[str]) -> str:
    """The longest grid code that starts every code of ``codes``."""
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    lengths = sorted((n for n in CODE_LENGTH.values() if n <= len(prefix)), reverse=True)
    return prefix[: lengths[0]] if lengths else ""
