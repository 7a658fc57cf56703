"""Party organizations (/party-orgs/{code}).

Reads need "view"; creating and editing need "manage_grid" at the organization's grid node.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
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
from gridgov.grid.api import node_label
from gridgov.grid.models import GridNode
from gridgov.orgs.models import PartyOrganization
from gridgov.orgs.selectors import org_list
from gridgov.orgs.services import party_org_create, party_org_update

from .auth import auth_user
from .schemas.orgs import (
    PartyOrgCreate,
    PartyOrgDetail,
    PartyOrgPage,
    PartyOrgQuery,
    PartyOrgUpdate,
)

router = Router(tags=["党组织"])

ORG_READ = PartyOrganization.objects.select_related("node", "parent")


def org_label(code: str) -> str:
    return _("党组织%(c)s") % {"c": code}


def org_detail(user, org: PartyOrganization) -> PartyOrganization:
    org = ORG_READ.get(pk=org.pk)
    org.children_list = list(
        PartyOrganization.objects.restrict(user, Action.VIEW).filter(parent=org).order_by("code")
    )
    return org


@router.get("/", response={200: PartyOrgPage, **ERRORS_READ}, summary="党组织列表")
def list_party_orgs(request: HttpRequest, query: Query[PartyOrgQuery]):
    """``q`` matches the code exactly or the name in part."""
    qs = org_list(
        auth_user(request), under=query.under, kind=query.kind.value if query.kind else ""
    )
    if q := query.q.strip():
        qs = qs.filter(Q(code=q) | Q(name__contains=q))
    if query.parent:
        qs = qs.filter(parent__code=query.parent)
    return paginate(qs, query)


@router.get("/{code}", response={200: PartyOrgDetail, **ERRORS_READ}, summary="党组织详情")
def get_party_org(request: HttpRequest, code: str):
    user = auth_user(request)
    return org_detail(user, get_visible(ORG_READ, user, what=org_label(code), code=code))


@router.post("/", response={201: PartyOrgDetail, **ERRORS_WRITE}, summary="新增党组织")
def create_party_org(request: HttpRequest, payload: PartyOrgCreate):
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, what=node_label(payload.node), code=payload.node)
    parent = None
    if payload.parent:
        parent = get_visible(
            PartyOrganization.objects, user, what=org_label(payload.parent), code=payload.parent
        )
    data = payload_data(payload, omit=("node", "parent"))
    org = scoped_write(
        user,
        PartyOrganization,
        Action.MANAGE_GRID,
        lambda: party_org_create(node=node, parent=parent, **data),
    )
    return Status(201, org_detail(user, org))


@router.patch("/{code}", response={200: PartyOrgDetail, **ERRORS_WRITE}, summary="修改党组织")
def update_party_org(request: HttpRequest, code: str, payload: PartyOrgUpdate):
    user = auth_user(request)
    org = get_visible(
        PartyOrganization.objects, user, Action.MANAGE_GRID, what=org_label(code), code=code
    )
    data = payload_data(payload, exclude_unset=True)
    if data.get("parent") is not None:
        data["parent"] = get_visible(
            PartyOrganization.objects, user, what=org_label(data["parent"]), code=data["parent"]
        )
    org = scoped_write(
        user, PartyOrganization, Action.MANAGE_GRID, lambda: party_org_update(org=org, data=data)
    )
    return org_detail(user, org)
