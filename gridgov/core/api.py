"""The audit log (/audit-entries): for roles that audit, within their subtrees.

Entries are those that concern a place where the caller holds a role with the audit action
(县级管理员, 镇街干部, 村务监督委员): the object's grid path, or for entries without one (sign-ins,
users, exports, imports) the places written with them (``gridgov.core.selectors.audit_visible``,
docs/security.md §3); a caller with no such role gets 404.

Core's because the audit chain is; mounted by ``gridgov.api.router`` (authentication, error
bodies and the acting user come from there). The audit action is named by its string: core
imports no app.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from .apitools import ERRORS_READ, NotFound, auth_user, paginate
from .schemas import AuditPage, AuditQuery
from .scoping import scope_paths
from .selectors import audit_list

router = Router(tags=["审计"])


@router.get("/", response={200: AuditPage, **ERRORS_READ}, summary="审计记录")
def list_audit_entries(request: HttpRequest, query: Query[AuditQuery]) -> dict[str, Any]:
    """Newest first. Values of personal data never enter the log: only masked IDs, field names
    and reasons."""
    user = auth_user(request)
    paths = scope_paths(user, "audit")
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
