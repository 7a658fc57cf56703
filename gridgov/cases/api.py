"""Residents' matters (/matters/{number}), their categories, the inbox, and the measures.

Reads need "view" on the matter's place; intake needs "report_matter" there; every step of the
lifecycle goes through ``cases.services.matter_act``, which checks the transition table and the
permission at the level that holds the matter (403 when it is visible but not the user's to act
on; 404 when out of scope).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from gridgov.accounts.scope import user_may
from gridgov.cases.permissions import REPORT_MATTER
from gridgov.core.apischemas import PageQuery
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    NotFound,
    auth_user,
    get_visible,
    paginate,
    rendered,
)
from gridgov.grid.models import GridNode
from gridgov.grid.selectors import visible_roots
from gridgov.people.models import Household

from .intake import PlaceOutOfScope, matter_create
from .models import Category, Department, Matter
from .notify import notifications_read
from .schemas import (
    ActionIn,
    CategoryOut,
    MatterCreate,
    MatterDetail,
    MatterPage,
    MatterQuery,
    MeasuresDetail,
    MeasuresQuery,
    NotificationPage,
    matter_detail_data,
)
from .selectors import (
    active_category,
    inbox,
    matter_measures,
    matter_timeline,
    matters_filtered,
    unread_count,
)
from .services import matter_act
from .transitions import TRANSITIONS, allowed_from

matters = Router(tags=["民情事项"])
categories = Router(tags=["民情事项"])
notifications = Router(tags=["站内消息"])

MATTER_READ = Matter.objects.for_display()


def matter_label(number: str) -> str:
    return _("事项%(n)s") % {"n": number}


def detail(user: Any, matter: Matter) -> Matter:
    timeline = getattr(matter, "timeline", None)  # a new matter's, kept by the intake
    if timeline is None:
        timeline = matter_timeline(matter)
    matter.events_list = timeline
    matter.allowed = [
        name
        for name in allowed_from(matter.status)
        if user_may(user, TRANSITIONS[name].permission, matter.handler_path)
    ]
    return matter


@categories.get("/", response={200: list[CategoryOut], **ERRORS_READ}, summary="事项类别")
def list_categories(request: HttpRequest):
    return list(Category.objects.filter(is_active=True))


@matters.get("/", response={200: MatterPage, **ERRORS_READ}, summary="事项列表")
def list_matters(request: HttpRequest, query: Query[MatterQuery]):
    """``q`` matches the number exactly or the text in part; ``under`` a grid subtree."""
    qs = matters_filtered(
        auth_user(request),
        node=query.under,
        status=query.status,
        category=query.category,
        overdue=query.overdue,
        mine=query.mine,
        q=query.q,
    )
    return paginate(qs, query)


@matters.get("/measures", response={200: MeasuresDetail, **ERRORS_READ}, summary="办理统计")
def measures(request: HttpRequest, query: Query[MeasuresQuery]):
    """小事不出网、大事不出村、件件有回音, on time, satisfaction, handling time: for matters
    received from ``start`` to ``end`` (both included) under ``node``, and per child node."""
    user = auth_user(request)
    code = query.node
    if not code:
        roots = visible_roots(user)  # the top of the user's scope
        if not roots:
            raise NotFound(_("网格"))
        code = roots[0].code
    node = get_visible(GridNode.objects, user, what=_("网格%(c)s") % {"c": code}, code=code)
    today = timezone.localdate()
    start = query.start or today.replace(day=1)
    end = query.end or today
    if end < start:
        raise ValidationError({"end": _("截止日期不能早于起始日期")})
    tz = timezone.get_current_timezone()
    result = matter_measures(
        user,
        node=node,
        start=dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )
    out = _measures_dict(result)
    out.update(start=start, end=end, children=[_measures_dict(c) for c in result.children])
    return out


def _measures_dict(m: Any) -> dict[str, Any]:
    names = ("code", "name", "received", "open", "overdue_open", "settled", "avg_hours")
    rates = ("in_grid_rate", "in_village_rate", "answered_rate", "on_time_rate")
    data = {k: getattr(m, k) for k in (*names, *rates)}
    data["satisfaction_rate"] = m.satisfaction_rate
    return data


@matters.get("/{number}", response={200: MatterDetail, **ERRORS_READ}, summary="事项详情")
def get_matter(request: HttpRequest, number: str):
    user = auth_user(request)
    return detail(user, get_visible(MATTER_READ, user, what=matter_label(number), number=number))


@matters.post("/", response={201: MatterDetail, **ERRORS_WRITE}, summary="登记事项")
def create_matter(request: HttpRequest, payload: MatterCreate):
    """Routed by household, point, grid code or address (in that order); a place outside the
    user's scope for "report_matter" answers 404 and nothing is stored."""
    user = auth_user(request)
    category = active_category(payload.category)
    if category is None:
        raise ValidationError({"category": _("未知的类别%(c)s") % {"c": payload.category}})
    household = place = None
    if payload.household:
        household = get_visible(
            Household.objects.select_related("microgrid"),
            user,
            REPORT_MATTER,
            what=_("户%(n)s") % {"n": payload.household},
            number=payload.household,
        )
    if payload.place:
        place = get_visible(
            GridNode.objects,
            user,
            REPORT_MATTER,
            what=_("网格%(c)s") % {"c": payload.place},
            code=payload.place,
        )

    try:
        matter = matter_create(
            category=category,
            description=payload.description,
            channel=payload.channel,
            reporter_user=user,
            household=household,
            lat=payload.lat,
            lng=payload.lng,
            address=payload.address,
            place=place,
            reporter_name=payload.reporter_name,
            reporter_phone=payload.reporter_phone,
            anonymous=payload.anonymous,
            acting_user=user,
        )
    except PlaceOutOfScope as exc:
        raise NotFound(_("网格%(c)s") % {"c": exc.place.code}) from None
    # The new matter holds its category, place and level already; nothing else is set yet.
    matter.assignee = matter.department = matter.merged_into = None
    return rendered(matter_detail_data(detail(user, matter)), status=201)


@matters.post(
    "/{number}/actions/{action}", response={200: MatterDetail, **ERRORS_WRITE}, summary="办理"
)
def act(request: HttpRequest, number: str, action: str, payload: ActionIn):
    """One step of the lifecycle: ``action`` is a name of the transition table (assign, sign,
    return, note, settle, decline, review, reopen, archive, escalate, transfer,
    request_extension, approve_extension, reject_extension, supervise, merge)."""
    user = auth_user(request)
    if not _NUMBER.fullmatch(number):  # numbers are digits; no lookup for anything else
        raise NotFound(matter_label(number))
    if action not in TRANSITIONS:
        raise NotFound(_("动作%(a)s") % {"a": action})
    params = _params(user, action, payload)
    # By number: the service finds the row among those the user may see and locks it in one
    # statement, with what the answer shows, so the matter is read once.
    try:
        matter = matter_act(matter=Matter(number=number), user=user, action=action, **params)
    except Matter.DoesNotExist:
        raise NotFound(matter_label(number)) from None
    return rendered(matter_detail_data(detail(user, matter)))


_NUMBER = re.compile(r"[0-9]{1,20}")

_NEEDS = {
    "assign": ("assignee",),
    "return": ("reason",),
    "note": ("public_note", "note"),
    "settle": ("answer", "note"),
    "decline": ("answer",),
    "review": ("satisfaction", "comment"),
    "reopen": ("reason",),
    "escalate": ("reason",),
    "transfer": ("department", "reason"),
    "request_extension": ("workdays", "reason"),
    "approve_extension": ("note",),
    "reject_extension": ("note",),
    "supervise": ("note",),
    "merge": ("into",),
}
_REQUIRED = {"assignee", "satisfaction", "department", "workdays", "into"}


def _params(user: Any, action: str, payload: ActionIn) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    params: dict[str, Any] = {}
    for name in _NEEDS.get(action, ()):
        value = getattr(payload, name)
        if value is None:
            if name in _REQUIRED:
                raise ValidationError({name: _("必填")})
            value = ""
        params[name] = value
    if "assignee" in params:
        found = get_user_model().objects.filter(username=params["assignee"], is_active=True)
        if not found.exists():
            raise ValidationError({"assignee": _("没有用户%(u)s") % {"u": params["assignee"]}})
        params["assignee"] = found.get()
    if "department" in params:
        department = Department.objects.select_related("node").filter(pk=params["department"])
        if not department.exists():
            raise ValidationError({"department": _("没有这个部门")})
        params["department"] = department.get()
    if "into" in params:
        params["into"] = get_visible(
            Matter.objects, user, what=matter_label(params["into"]), number=params["into"]
        )
    return params


@notifications.get("/", response={200: NotificationPage, **ERRORS_READ}, summary="我的消息")
def list_notifications(request: HttpRequest, query: Query[PageQuery]):
    user = auth_user(request)
    page = paginate(inbox(user), query)
    page["unread"] = unread_count(user)
    return page


@notifications.post("/read", response={200: NotificationPage, **ERRORS_WRITE}, summary="全部已读")
def mark_read(request: HttpRequest):
    user = auth_user(request)
    notifications_read(user=user)
    return {"count": 0, "unread": 0, "items": []}
