"""The REST API of the links app's plans part (联户方案); mounted by ``api/router.py``.

Every operation needs ``plan_links`` on the plan's node: a plan (or a node) outside the user's
scope answers 404. Computing, approving, applying and discarding go through
``links.planning``'s services: a stale plan, a second apply or a missing meeting answers 422 with
the field and the reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.fields.json import KeyTransform
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from gridgov.core.apischemas import Choice, IsoDate, NodeRef, PageQuery, WriteSchema, choice
from gridgov.core.apitools import ERRORS_READ, ERRORS_WRITE, auth_user, get_visible, paginate
from gridgov.grid.models import GridNode

from ..models import LinkPlan, PlanAction, PlanAssignment, PlanStatus
from ..permissions import PLAN_LINKS
from ..planning import (
    plan_apply,
    plan_approve,
    plan_compute,
    plan_discard,
    plan_is_stale,
    plan_lines,
    plan_list,
)

router = Router(tags=["联户方案"])


class LinkPlanOut(Schema):
    id: int
    node: NodeRef
    status: Choice
    computed_at: dt.datetime
    computed_by: str | None
    approved_at: dt.datetime | None
    approved_by: str | None
    approval_meeting: str
    approval_meeting_on: dt.date | None
    applied_at: dt.datetime | None
    applied_by: str | None
    total: dict[str, Any] = Field(description="方案统计：覆盖、重点户覆盖、距离、调整、缺口等")

    @staticmethod
    def resolve_status(obj: LinkPlan) -> dict[str, str]:
        return choice(obj, "status")

    @staticmethod
    def resolve_computed_by(obj: LinkPlan) -> str | None:
        return obj.computed_by.username if obj.computed_by else None

    @staticmethod
    def resolve_approved_by(obj: LinkPlan) -> str | None:
        return obj.approved_by.username if obj.approved_by else None

    @staticmethod
    def resolve_applied_by(obj: LinkPlan) -> str | None:
        return obj.applied_by.username if obj.applied_by else None

    @staticmethod
    def resolve_total(obj: LinkPlan) -> dict[str, Any]:
        total = getattr(obj, "total", None)
        if total is None:
            total = obj.figures.get("total", {})
        return dict(total)


class LinkPlanDetail(LinkPlanOut):
    params: dict[str, Any]
    microgrids: list[dict[str, Any]] = Field(description="各微网格（或村）的统计")
    stale: bool = Field(description="方案计算后联户关系或人员信息已有变化，不能生效")

    @staticmethod
    def resolve_microgrids(obj: LinkPlan) -> list[dict[str, Any]]:
        return list(obj.figures.get("microgrids", []))

    @staticmethod
    def resolve_stale(obj: LinkPlan) -> bool:
        return plan_is_stale(obj)


class LinkPlanPage(Schema):
    count: int
    items: list[LinkPlanOut]


class LinkPlanLineOut(Schema):
    household: str
    microgrid: str
    linker: int | None
    linker_name: str
    previous_linker: int | None
    previous_linker_name: str
    action: Choice
    distance_m: int | None
    priority: bool
    located_at_centre: bool

    @staticmethod
    def resolve_household(obj: PlanAssignment) -> str:
        return str(obj.household.number)

    @staticmethod
    def resolve_microgrid(obj: PlanAssignment) -> str:
        return obj.microgrid.code

    @staticmethod
    def resolve_linker(obj: PlanAssignment) -> int | None:
        return obj.linker_id

    @staticmethod
    def resolve_linker_name(obj: PlanAssignment) -> str:
        return obj.linker.person.name if obj.linker else ""

    @staticmethod
    def resolve_previous_linker(obj: PlanAssignment) -> int | None:
        return obj.previous_linker_id

    @staticmethod
    def resolve_previous_linker_name(obj: PlanAssignment) -> str:
        return obj.previous_linker.person.name if obj.previous_linker else ""

    @staticmethod
    def resolve_action(obj: PlanAssignment) -> dict[str, str]:
        return choice(obj, "action")


class LinkPlanLinePage(Schema):
    count: int
    items: list[LinkPlanLineOut]


class LinkPlanQuery(PageQuery):
    status: PlanStatus | None = Field(None, description="状态")


class LinkPlanLineQuery(PageQuery):
    action: PlanAction | None = Field(None, description="变化；不填为新增、调整、结束")
    microgrid: str = Field("", max_length=18, pattern=r"^\d*$", description="微网格代码")


class LinkPlanCreate(WriteSchema):
    node: str = Field(max_length=18, pattern=r"^\d+$", description="网格代码（微网格至区县）")
    stability_m: int | None = Field(None, ge=0, le=100_000, description="稳定性米数（不填按规则）")
    same_group_bonus_m: int | None = Field(
        None, ge=0, le=100_000, description="同组优先米数（不填按规则）"
    )


class LinkPlanApprove(WriteSchema):
    meeting: str = Field(max_length=200, description="批准方案的会议，如党员大会")
    meeting_on: IsoDate = Field(description="会议日期")


def _plan(request: HttpRequest, plan_id: int) -> LinkPlan:
    return get_visible(
        LinkPlan.objects.select_related("node", "computed_by", "approved_by", "applied_by"),
        auth_user(request),
        PLAN_LINKS,
        what=_("联户方案%(id)s") % {"id": plan_id},
        pk=plan_id,
    )


@router.get("/link-plans", response={200: LinkPlanPage, **ERRORS_READ}, summary="联户方案列表")
def list_link_plans(request: HttpRequest, query: Query[LinkPlanQuery]) -> dict[str, Any]:
    user = auth_user(request)
    status = query.status.value if query.status else ""
    qs = (
        plan_list(LinkPlan.objects.restrict(user, PLAN_LINKS), status=status)
        .defer("figures", "params")
        .annotate(total=KeyTransform("total", "figures"))
    )
    return paginate(qs, query)


@router.get(
    "/link-plans/{plan_id}", response={200: LinkPlanDetail, **ERRORS_READ}, summary="联户方案"
)
def get_link_plan(request: HttpRequest, plan_id: int) -> LinkPlan:
    return _plan(request, plan_id)


@router.get(
    "/link-plans/{plan_id}/assignments",
    response={200: LinkPlanLinePage, **ERRORS_READ},
    summary="联户方案明细",
)
def list_link_plan_assignments(
    request: HttpRequest, plan_id: int, query: Query[LinkPlanLineQuery]
) -> dict[str, Any]:
    plan = _plan(request, plan_id)
    action = query.action.value if query.action else ""
    return paginate(plan_lines(plan, action=action, microgrid=query.microgrid), query)


@router.post("/link-plans", response={201: LinkPlanDetail, **ERRORS_WRITE}, summary="计算联户方案")
def create_link_plan(request: HttpRequest, payload: LinkPlanCreate) -> Status[LinkPlan]:
    user = auth_user(request)
    node = get_visible(
        GridNode.objects,
        user,
        PLAN_LINKS,
        what=_("网格%(c)s") % {"c": payload.node},
        code=payload.node,
    )
    params = {
        k: v
        for k, v in (
            ("stability_m", payload.stability_m),
            ("same_group_bonus_m", payload.same_group_bonus_m),
        )
        if v is not None
    }
    return Status(201, plan_compute(node=node, by=user, params=params))


@router.post(
    "/link-plans/{plan_id}/approve",
    response={200: LinkPlanDetail, **ERRORS_WRITE},
    summary="登记会议批准",
)
def approve_link_plan(request: HttpRequest, plan_id: int, payload: LinkPlanApprove) -> LinkPlan:
    plan = _plan(request, plan_id)
    return plan_approve(
        plan=plan, by=auth_user(request), meeting=payload.meeting, meeting_on=payload.meeting_on
    )


@router.post(
    "/link-plans/{plan_id}/apply",
    response={200: LinkPlanDetail, **ERRORS_WRITE},
    summary="方案生效",
)
def apply_link_plan(request: HttpRequest, plan_id: int) -> LinkPlan:
    return plan_apply(plan=_plan(request, plan_id), by=auth_user(request))


@router.post(
    "/link-plans/{plan_id}/discard",
    response={200: LinkPlanDetail, **ERRORS_WRITE},
    summary="作废方案",
)
def discard_link_plan(request: HttpRequest, plan_id: int) -> LinkPlan:
    return plan_discard(plan=_plan(request, plan_id), by=auth_user(request))
