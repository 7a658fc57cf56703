"""The REST API of disclosure (两公开, 村务公开): a village's notices (/decision-notices);
mounted by ``api/router.py``.

A matter's decision notice closes its 决议公开 stage and its result notice the 实施结果公开
stage, each only in turn. Reads need "view" where the notice is; publishing "manage_matters" at
the village (and the matter). A notice never holds a citizen ID, a phone, a bank account or
health data: each is refused with the field named. Out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.permissions import VIEW
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    NotFound,
    auth_user,
    get_visible,
    paginate,
    scoped_write,
)
from gridgov.grid.models import GridNode

from ..models import Matter, Notice
from ..notices import notice_publish, notice_text
from ..permissions import MANAGE_MATTERS
from ..rolls import village_of
from ..schemas.matters import (
    DecisionNoticeCreate,
    DecisionNoticeDetail,
    DecisionNoticePage,
    DecisionNoticeQuery,
)
from ..selectors import notice_list

router = Router(tags=["重要事项决策"])

NOTICE_READ = Notice.objects.select_related("node", "matter", "published_by")


def notice_label(pk: Any) -> str:
    return _("公告%(id)s") % {"id": pk}


def notice_detail(user: Any, pk: int) -> Notice:
    notice = NOTICE_READ.restrict(user, VIEW).filter(pk=pk).first()
    if notice is None:
        raise NotFound(notice_label(pk))
    notice.text = notice_text(notice)  # type: ignore[attr-defined]
    return notice


@router.get(
    "/decision-notices", response={200: DecisionNoticePage, **ERRORS_READ}, summary="公开公告列表"
)
def decision_notice_list(request: HttpRequest, query: Query[DecisionNoticeQuery]) -> dict[str, Any]:
    """Newest first: decisions, results, ordinary and financial notices."""
    qs = notice_list(
        NOTICE_READ.restrict(auth_user(request), VIEW),
        under=query.under,
        kind=query.kind.value if query.kind else "",
    ).select_related("published_by")
    if query.matter is not None:
        qs = qs.filter(matter_id=query.matter)
    return paginate(qs, query)


@router.get(
    "/decision-notices/{int:notice_id}",
    response={200: DecisionNoticeDetail, **ERRORS_READ},
    summary="公开公告详情",
)
def decision_notice_get(request: HttpRequest, notice_id: int) -> Notice:
    """With ``text``: the public text the board, the printed notice and its QR code show."""
    return notice_detail(auth_user(request), notice_id)


@router.post(
    "/decision-notices",
    response={201: DecisionNoticeDetail, **ERRORS_WRITE},
    summary="发布公开公告",
)
def decision_notice_create(request: HttpRequest, payload: DecisionNoticeCreate) -> Any:
    """A decision or result notice names its ``matter`` (the village defaults to the
    matter's); an ordinary or financial notice names its village ``node``. The period
    defaults to the rule's days."""
    user = auth_user(request)
    matter = None
    if payload.matter is not None:
        matter = get_visible(
            Matter.objects.select_related("node"),
            user,
            MANAGE_MATTERS,
            what=_("重要事项%(id)s") % {"id": payload.matter},
            pk=payload.matter,
        )
    if payload.node:
        node = get_visible(
            GridNode.objects,
            user,
            MANAGE_MATTERS,
            what=_("网格%(c)s") % {"c": payload.node},
            code=payload.node,
        )
    elif matter is not None:
        node = matter.node
    else:
        raise ValidationError({"node": _("请选择公开的村")})
    if matter is not None and village_of(node).pk != village_of(matter.node).pk:
        raise ValidationError({"node": _("事项的公开须在事项所在的村发布")})
    notice = scoped_write(
        user,
        Notice,
        MANAGE_MATTERS,
        lambda: notice_publish(
            node=node,
            kind=payload.kind.value,
            title=payload.title,
            body=payload.body,
            matter=matter,
            major=payload.major,
            period_days=payload.period_days,
            by=user,
        ),
    )
    return Status(201, notice_detail(user, notice.pk))
