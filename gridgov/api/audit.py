"""The audit log (/audit-entries): for roles that audit, within their subtrees.

Entries are those that concern a place where the caller holds a role with the audit action
(县级管理员, 镇街干部, 村务监督委员): the object's grid path, or for entries without one (sign-ins,
users, exports, imports) the places written with them (``gridgov.core.selectors.audit_visible``,
docs/security.md §3); a caller with no such role gets 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from gridgov.accounts.roles import Action
from gridgov.core.apischemas import IsoDate, PageQuery
from gridgov.core.apitools import ERRORS_READ, NotFound, paginate
from gridgov.core.json_types import INT64_MAX
from gridgov.core.scoping import scope_paths
from gridgov.core.selectors import audit_list

from .auth import auth_user

router = Router(tags=["审计"])


class AuditQuery(PageQuery):
    object_type: str = Field(
        "", max_length=64, pattern=r"^[a-z_.]*$", description="对象类型，如 people.person"
    )
    object_id: str = Field("", max_length=64, pattern=r"^[\w.@+-]*$", description="对象编号")
    actor: int | None = Field(None, ge=1, le=INT64_MAX, description="操作人的用户编号")
    action: str = Field(
        "", max_length=64, pattern=r"^[a-z_]*$", description="动作，如 update、reveal、export"
    )
    since: IsoDate | None = Field(None, description="从这一天起（含）")
    until: IsoDate | None = Field(None, description="到这一天止（含）")


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    source: str
    request_id: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    grid_path: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    entry_hash: str


class AuditPage(Schema):
    count: int
    items: list[AuditEntryOut]


@router.get("/", response={200: AuditPage, **ERRORS_READ}, summary="审计记录")
def list_audit_entries(request: HttpRequest, query: Query[AuditQuery]):
    """Newest first. Values of personal data never enter the log: only masked IDs, field names
    and reasons."""
    user = auth_user(request)
    paths = scope_paths(user, Action.AUDIT)
    if paths is not None and not paths:
        raise NotFound()
    qs = audit_list(
        user,
        object_type=query.object_type,
        object_id=query.object_id,
        actor=query.actor,
        action=query.action,
        since=query.since,
        until=query.until,
    )
    return paginate(qs, query)
