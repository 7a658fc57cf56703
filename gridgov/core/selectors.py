"""Reads of the audit log that users see, through the scoped queryset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import USER_OBJECT_TYPES
from .models import AuditEntry, AuditPlace
from .scoping import collapse_paths, scope_paths, subtree_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

ACTION_LABELS = {
    "create": _("新增"),
    "update": _("修改"),
    "delete": _("删除"),
    "move": _("迁移"),
    "import": _("导入"),
    "export": _("导出"),
    "reveal": _("查看完整证件号/电话"),
    "view_sensitive": _("查看敏感信息"),
    "signin": _("登录"),
    "signin_failed": _("登录失败"),
    "signin_locked": _("登录锁定"),
    "revoke": _("吊销"),
    "rekey": _("数据密钥轮换"),
    "deactivate": _("停用账号"),
    "reactivate": _("恢复账号"),
    "password_reset": _("重置密码"),
    "password_change": _("修改密码"),
    "demo_load": _("载入演示数据"),
}


# (grid paths) -> the ids, as text, of users who hold a role inside them; registered by accounts.
UsersWithin = Callable[[Sequence[str]], "QuerySet[Any, Any]"]
_users_within: UsersWithin | None = None


def register_users_within(provider: UsersWithin) -> None:
    global _users_within
    _users_within = provider


def audit_visible(user: User | AnonymousUser | None) -> QuerySet[AuditEntry]:
    """The entries ``user`` may audit (docs/security.md §3): within the subtrees where they
    hold a role with the audit action, an entry is seen if

    - its own grid path (the place of its object) lies there; or
    - it has no grid path and one of its places (``AuditPlace``: written with it, from the
      acting user's and the subject user's roles, or an import's node) lies there; or
    - it is about a user account (creation, sign-in, lock-out) who holds a role there now.
    """
    paths = scope_paths(user, "audit")
    qs = AuditEntry.objects.all()
    if paths is None:
        return qs
    paths = collapse_paths(paths)
    if not paths:
        return qs.none()
    own, placed = Q(), Q()
    for path in paths:
        own |= subtree_q("grid_path", path)
        placed |= subtree_q("path", path)
    seen = own | Q(grid_path="", id__in=AuditPlace.objects.filter(placed).values("entry_id"))
    if _users_within is not None:
        # (A user has no grid path: these entries never carry one. By the object's index.)
        seen |= Q(object_type__in=USER_OBJECT_TYPES, object_id__in=_users_within(paths))
    return qs.filter(seen)


def audit_list(
    user: User | AnonymousUser | None,
    *,
    object_type: str = "",
    object_id: str = "",
    actor: int | None = None,
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries the user may audit (``audit_visible``), newest first; each filter narrows in the
    database."""
    qs = audit_visible(user)
    if object_type in USER_OBJECT_TYPES:  # older sign-in entries named users accounts.user
        qs = qs.filter(object_type__in=USER_OBJECT_TYPES)
    elif object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor is not None:
        qs = qs.filter(actor_id=actor)
    if action:
        qs = qs.filter(action=action)
    # Whole local days, as ranges on the indexed timestamp.
    if since:
        qs = qs.filter(at__gte=_day_start(since))
    if until:
        qs = qs.filter(at__lt=_day_start(until + dt.timedelta(days=1)))
    return qs.order_by("-id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
