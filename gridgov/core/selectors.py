"""Reads of the audit log that users see, through the scoped queryset."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

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
    "signin_locked": _("登录锁定"),
    "revoke": _("吊销"),
    "rekey": _("数据密钥轮换"),
}


def audit_list(
    user: Any,
    *,
    object_type: str = "",
    object_id: str = "",
    actor: int | None = None,
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet:
    """Entries the user may audit (their object lies in a subtree where the user holds a role
    with the audit action), newest first; each filter narrows in the database."""
    qs = AuditEntry.objects.restrict(user, "audit")
    if object_type:
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
