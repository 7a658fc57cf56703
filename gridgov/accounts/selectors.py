"""Reads of users and roles for the pages and the API, always through what the reader manages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from gridgov.core.scoping import subtree_q
from gridgov.grid.models import GridNode

from .authority import manage_nodes, manageable_user, manageable_users
from .models import Assignment


def _with_roles(users: QuerySet[User]) -> QuerySet[User]:
    roles = Assignment.objects.select_related("node").order_by("node_code", "role")
    return users.select_related("account_state").prefetch_related(
        Prefetch("assignments", queryset=roles)
    )


def user_list(
    manager: Any, *, q: str = "", role: str = "", node: str = "", status: str = ""
) -> QuerySet[User]:
    """The users ``manager`` manages, filtered in the database, with their roles prefetched
    (two queries per page whatever its length)."""
    users = manageable_users(manager)
    q = (q or "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(first_name__icontains=q))
    held = Assignment.objects.filter(user=OuterRef("pk"))
    if role:
        held = held.filter(role=role)
    if node:
        held = held.filter(subtree_q("node_code", node))
    if role or node:
        users = users.filter(Exists(held))
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    return _with_roles(users).order_by("username", "pk")


def user_detail(manager: Any, pk: Any) -> Any:
    """The user with their roles, if ``manager`` manages them (``DoesNotExist`` otherwise)."""
    user = manageable_user(manager, pk)
    return _with_roles(type(user).objects.filter(pk=user.pk)).get()


def managed_node(manager: Any, code: str) -> GridNode:
    """The node with ``code`` if ``manager`` may grant roles there (``DoesNotExist`` else)."""
    code = (code or "").strip()
    if not code.isdigit():
        raise GridNode.DoesNotExist
    node: GridNode = manage_nodes(manager).get(code=code)
    return node


def managed_assignment(manager: Any, user: Any, pk: Any) -> Assignment:
    """One role of a user ``manager`` manages (``DoesNotExist`` otherwise)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Assignment.DoesNotExist from None
    return Assignment.objects.select_related("user", "node").get(pk=pk, user=user)
