"""Self-governance bodies (/bodies/{code}) and their memberships (/bodies/{code}/memberships).

Reads need "view"; writes need "manage_grid" at the body's grid node (memberships are part of
maintaining an organization). Plain edits go through the generic audited ``object_update``.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.roles import Action
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)
from gridgov.core.services import object_update
from gridgov.grid.api import node_label
from gridgov.grid.models import GridNode
from gridgov.orgs.models import BodyMembership, GovernanceBody
from gridgov.orgs.services import body_create, membership_create
from gridgov.people.api import person_label
from gridgov.people.models import Person

from .auth import auth_user
from .schemas.orgs import (
    BodyCreate,
    BodyOut,
    BodyPage,
    BodyQuery,
    BodyUpdate,
    MembershipCreate,
    MembershipOut,
    MembershipPage,
    MembershipQuery,
    MembershipUpdate,
)

router = Router(tags=["自治组织"])

BODY_READ = GovernanceBody.objects.select_related("node")
MEMBERSHIP_READ = BodyMembership.objects.select_related("person", "body")


def body_label(code: str) -> str:
    return _("自治组织%(c)s") % {"c": code}


def membership_label(pk) -> str:
    return _("任职记录%(id)s") % {"id": pk}


@router.get("/", response={200: BodyPage, **ERRORS_READ}, summary="自治组织列表")
def list_bodies(request: HttpRequest, query: Query[BodyQuery]):
    """``q`` matches the code exactly or the name in part."""
    qs = BODY_READ.restrict(auth_user(request), Action.VIEW)
    if query.under:
        qs = qs.within(query.under)
    if query.kind:
        qs = qs.filter(kind=query.kind.value)
    if q := query.q.strip():
        qs = qs.filter(Q(code=q) | Q(name__contains=q))
    return paginate(qs.order_by("grid_path", "kind", "code"), query)


@router.get("/{code}", response={200: BodyOut, **ERRORS_READ}, summary="自治组织详情")
def get_body(request: HttpRequest, code: str):
    return get_visible(BODY_READ, auth_user(request), what=body_label(code), code=code)


@router.post("/", response={201: BodyOut, **ERRORS_WRITE}, summary="新增自治组织")
def create_body(request: HttpRequest, payload: BodyCreate):
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, what=node_label(payload.node), code=payload.node)
    data = payload_data(payload, omit=("node",))
    body = scoped_write(
        user, GovernanceBody, Action.MANAGE_GRID, lambda: body_create(node=node, **data)
    )
    return Status(201, BODY_READ.get(pk=body.pk))


@router.patch("/{code}", response={200: BodyOut, **ERRORS_WRITE}, summary="修改自治组织")
def update_body(request: HttpRequest, code: str, payload: BodyUpdate):
    user = auth_user(request)
    body = get_visible(
        GovernanceBody.objects, user, Action.MANAGE_GRID, what=body_label(code), code=code
    )
    data = payload_data(payload, exclude_unset=True)
    body = scoped_write(
        user, GovernanceBody, Action.MANAGE_GRID, lambda: object_update(instance=body, data=data)
    )
    return BODY_READ.get(pk=body.pk)


@router.get(
    "/{code}/memberships",
    response={200: MembershipPage, **ERRORS_READ},
    summary="自治组织成员列表",
)
def list_memberships(request: HttpRequest, code: str, query: Query[MembershipQuery]):
    user = auth_user(request)
    body = get_visible(GovernanceBody.objects, user, what=body_label(code), code=code)
    qs = MEMBERSHIP_READ.restrict(user, Action.VIEW).filter(body=body)
    today = timezone.localdate()
    if query.current is True:
        qs = qs.filter(term_start__lte=today).exclude(term_end__lt=today)
    elif query.current is False:
        qs = qs.filter(term_end__lt=today)
    if query.role:
        qs = qs.filter(role=query.role.value)
    return paginate(qs.order_by("role", "term_start", "id"), query)


@router.post(
    "/{code}/memberships",
    response={201: MembershipOut, **ERRORS_WRITE},
    summary="新增自治组织成员",
)
def create_membership(request: HttpRequest, code: str, payload: MembershipCreate):
    user = auth_user(request)
    body = get_visible(GovernanceBody.objects, user, what=body_label(code), code=code)
    person = get_visible(Person.objects, user, what=person_label(payload.person), pk=payload.person)
    data = payload_data(payload, omit=("person",))
    membership = scoped_write(
        user,
        BodyMembership,
        Action.MANAGE_GRID,
        lambda: membership_create(body=body, person=person, **data),
    )
    return Status(201, MEMBERSHIP_READ.get(pk=membership.pk))


@router.patch(
    "/{code}/memberships/{membership_id}",
    response={200: MembershipOut, **ERRORS_WRITE},
    summary="修改任职（职务、卸任）",
)
def update_membership(
    request: HttpRequest, code: str, membership_id: int, payload: MembershipUpdate
):
    user = auth_user(request)
    membership = get_visible(
        MEMBERSHIP_READ.filter(body__code=code),
        user,
        Action.MANAGE_GRID,
        what=membership_label(membership_id),
        pk=membership_id,
    )
    data = payload_data(payload, exclude_unset=True)
    membership = scoped_write(
        user,
        BodyMembership,
        Action.MANAGE_GRID,
        lambda: object_update(instance=membership, data=data),
    )
    return MEMBERSHIP_READ.get(pk=membership.pk)
