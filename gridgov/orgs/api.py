"""The API of party organizations (/party-orgs), party members (/party-members), self-governance
bodies and their memberships (/bodies) and grid posts (/grid-posts).

Mounted by ``gridgov.api.router`` (authentication, error bodies and the acting user come from
there). Reads need "view". Party organizations, bodies, memberships and grid posts are written
with "manage_grid" at their grid node (memberships are part of maintaining an organization);
party members with "change" at their organization, and creating a member record also marks the
person and their household, so the person must be one the user may change. Plain edits of
bodies, memberships and posts go through the generic audited ``object_update``.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.permissions import CHANGE, MANAGE_GRID, VIEW
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    auth_user,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)
from gridgov.core.services import object_update
from gridgov.grid.api import node_label
from gridgov.grid.models import GridNode
from gridgov.people.api import person_label
from gridgov.people.models import Person

from .models import BodyMembership, GovernanceBody, GridPost, PartyMember, PartyOrganization
from .schemas import (
    BodyCreate,
    BodyOut,
    BodyPage,
    BodyQuery,
    BodyUpdate,
    GridPostCreate,
    GridPostOut,
    GridPostPage,
    GridPostQuery,
    GridPostUpdate,
    MembershipCreate,
    MembershipOut,
    MembershipPage,
    MembershipQuery,
    MembershipUpdate,
    PartyMemberCreate,
    PartyMemberOut,
    PartyMemberPage,
    PartyMemberQuery,
    PartyMemberTransfer,
    PartyMemberUpdate,
    PartyOrgCreate,
    PartyOrgDetail,
    PartyOrgPage,
    PartyOrgQuery,
    PartyOrgUpdate,
)
from .selectors import member_list, org_list
from .services import (
    body_create,
    grid_post_create,
    membership_create,
    party_member_create,
    party_member_transfer,
    party_member_update,
    party_org_create,
    party_org_update,
)

# Party organizations (党组织)

party_orgs = Router(tags=["党组织"])

ORG_READ = PartyOrganization.objects.select_related("node", "parent")


def org_label(code: str) -> str:
    return _("党组织%(c)s") % {"c": code}


def org_detail(user, org: PartyOrganization) -> PartyOrganization:
    org = ORG_READ.get(pk=org.pk)
    org.children_list = list(
        PartyOrganization.objects.restrict(user, VIEW).filter(parent=org).order_by("code")
    )
    return org


@party_orgs.get("/", response={200: PartyOrgPage, **ERRORS_READ}, summary="党组织列表")
def list_party_orgs(request: HttpRequest, query: Query[PartyOrgQuery]):
    """``q`` matches the code exactly or the name in part."""
    qs = org_list(
        auth_user(request),
        under=query.under,
        kind=query.kind.value if query.kind else "",
        q=query.q,
        parent=query.parent,
    )
    return paginate(qs, query)


@party_orgs.get("/{code}", response={200: PartyOrgDetail, **ERRORS_READ}, summary="党组织详情")
def get_party_org(request: HttpRequest, code: str):
    user = auth_user(request)
    return org_detail(user, get_visible(ORG_READ, user, what=org_label(code), code=code))


@party_orgs.post("/", response={201: PartyOrgDetail, **ERRORS_WRITE}, summary="新增党组织")
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
        MANAGE_GRID,
        lambda: party_org_create(node=node, parent=parent, **data, by=user),
    )
    return Status(201, org_detail(user, org))


@party_orgs.patch("/{code}", response={200: PartyOrgDetail, **ERRORS_WRITE}, summary="修改党组织")
def update_party_org(request: HttpRequest, code: str, payload: PartyOrgUpdate):
    user = auth_user(request)
    org = get_visible(PartyOrganization.objects, user, MANAGE_GRID, what=org_label(code), code=code)
    data = payload_data(payload, exclude_unset=True)
    if data.get("parent") is not None:
        data["parent"] = get_visible(
            PartyOrganization.objects, user, what=org_label(data["parent"]), code=data["parent"]
        )
    org = scoped_write(
        user, PartyOrganization, MANAGE_GRID, lambda: party_org_update(org=org, data=data, by=user)
    )
    return org_detail(user, org)


# Party members (党员)

members = Router(tags=["党员"])

MEMBER_READ = PartyMember.objects.select_related("person__household", "organization")


def member_label(pk) -> str:
    return _("党员档案%(id)s") % {"id": pk}


@members.get("/", response={200: PartyMemberPage, **ERRORS_READ}, summary="党员列表")
def list_party_members(request: HttpRequest, query: Query[PartyMemberQuery]):
    """``q`` is an exact citizen ID (by keyed hash) or part of the person's name."""
    # The docstring is the operation's description in the pinned OpenAPI document. ``q`` is in
    # fact a name only: a citizen ID in a query string is refused (422) before any view runs
    # (core.urlguard), so the lookup by keyed hash this list once had could never be reached.
    qs = member_list(
        auth_user(request),
        under=query.under,
        q=query.q,
        status=query.status.value if query.status else "",
        organization=query.organization,
        tag=query.tag.value if query.tag else "",
    )
    return paginate(qs, query)


@members.get("/{member_id}", response={200: PartyMemberOut, **ERRORS_READ}, summary="党员详情")
def get_party_member(request: HttpRequest, member_id: int):
    return get_visible(MEMBER_READ, auth_user(request), what=member_label(member_id), pk=member_id)


@members.post("/", response={201: PartyMemberOut, **ERRORS_WRITE}, summary="新增党员档案")
def create_party_member(request: HttpRequest, payload: PartyMemberCreate):
    user = auth_user(request)
    person = get_visible(
        Person.objects.select_related("household"),
        user,
        CHANGE,
        what=person_label(payload.person),
        pk=payload.person,
    )
    organization = get_visible(
        PartyOrganization.objects,
        user,
        what=org_label(payload.organization),
        code=payload.organization,
    )
    data = payload_data(payload, omit=("person", "organization"))
    member = scoped_write(
        user,
        PartyMember,
        CHANGE,
        lambda: party_member_create(person=person, organization=organization, **data, by=user),
    )
    return Status(201, MEMBER_READ.get(pk=member.pk))


@members.patch(
    "/{member_id}", response={200: PartyMemberOut, **ERRORS_WRITE}, summary="修改党员档案"
)
def update_party_member(request: HttpRequest, member_id: int, payload: PartyMemberUpdate):
    user = auth_user(request)
    member = get_visible(MEMBER_READ, user, CHANGE, what=member_label(member_id), pk=member_id)
    data = payload_data(payload, exclude_unset=True)
    member = scoped_write(
        user, PartyMember, CHANGE, lambda: party_member_update(member=member, data=data, by=user)
    )
    return MEMBER_READ.get(pk=member.pk)


@members.post(
    "/{member_id}/transfer",
    response={200: PartyMemberOut, **ERRORS_WRITE},
    summary="组织关系转接",
)
def transfer_party_member(request: HttpRequest, member_id: int, payload: PartyMemberTransfer):
    """The user must be allowed to change the member both where it is and where it goes."""
    user = auth_user(request)
    member = get_visible(MEMBER_READ, user, CHANGE, what=member_label(member_id), pk=member_id)
    target = get_visible(
        PartyOrganization.objects,
        user,
        what=org_label(payload.to_organization),
        code=payload.to_organization,
    )
    member = scoped_write(
        user,
        PartyMember,
        CHANGE,
        lambda: party_member_transfer(
            member=member, to_organization=target, reason=payload.reason, by=user
        ),
    )
    return MEMBER_READ.get(pk=member.pk)


# Self-governance bodies (自治组织) and their memberships

bodies = Router(tags=["自治组织"])

BODY_READ = GovernanceBody.objects.select_related("node")
MEMBERSHIP_READ = BodyMembership.objects.select_related("person", "body")


def body_label(code: str) -> str:
    return _("自治组织%(c)s") % {"c": code}


def membership_label(pk) -> str:
    return _("任职记录%(id)s") % {"id": pk}


@bodies.get("/", response={200: BodyPage, **ERRORS_READ}, summary="自治组织列表")
def list_bodies(request: HttpRequest, query: Query[BodyQuery]):
    """``q`` matches the code exactly or the name in part."""
    qs = BODY_READ.restrict(auth_user(request), VIEW)
    if query.under:
        qs = qs.within(query.under)
    if query.kind:
        qs = qs.filter(kind=query.kind.value)
    if q := query.q.strip():
        qs = qs.filter(Q(code=q) | Q(name__contains=q))
    return paginate(qs.order_by("grid_path", "kind", "code"), query)


@bodies.get("/{code}", response={200: BodyOut, **ERRORS_READ}, summary="自治组织详情")
def get_body(request: HttpRequest, code: str):
    return get_visible(BODY_READ, auth_user(request), what=body_label(code), code=code)


@bodies.post("/", response={201: BodyOut, **ERRORS_WRITE}, summary="新增自治组织")
def create_body(request: HttpRequest, payload: BodyCreate):
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, what=node_label(payload.node), code=payload.node)
    data = payload_data(payload, omit=("node",))
    body = scoped_write(
        user, GovernanceBody, MANAGE_GRID, lambda: body_create(node=node, **data, by=user)
    )
    return Status(201, BODY_READ.get(pk=body.pk))


@bodies.patch("/{code}", response={200: BodyOut, **ERRORS_WRITE}, summary="修改自治组织")
def update_body(request: HttpRequest, code: str, payload: BodyUpdate):
    user = auth_user(request)
    body = get_visible(GovernanceBody.objects, user, MANAGE_GRID, what=body_label(code), code=code)
    data = payload_data(payload, exclude_unset=True)
    body = scoped_write(
        user, GovernanceBody, MANAGE_GRID, lambda: object_update(instance=body, data=data)
    )
    return BODY_READ.get(pk=body.pk)


@bodies.get(
    "/{code}/memberships",
    response={200: MembershipPage, **ERRORS_READ},
    summary="自治组织成员列表",
)
def list_memberships(request: HttpRequest, code: str, query: Query[MembershipQuery]):
    user = auth_user(request)
    body = get_visible(GovernanceBody.objects, user, what=body_label(code), code=code)
    qs = MEMBERSHIP_READ.restrict(user, VIEW).filter(body=body)
    today = timezone.localdate()
    if query.current is True:
        qs = qs.filter(term_start__lte=today).exclude(term_end__lt=today)
    elif query.current is False:
        qs = qs.filter(term_end__lt=today)
    if query.role:
        qs = qs.filter(role=query.role.value)
    return paginate(qs.order_by("role", "term_start", "id"), query)


@bodies.post(
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
        MANAGE_GRID,
        lambda: membership_create(body=body, person=person, **data, by=user),
    )
    return Status(201, MEMBERSHIP_READ.get(pk=membership.pk))


@bodies.patch(
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
        MANAGE_GRID,
        what=membership_label(membership_id),
        pk=membership_id,
    )
    data = payload_data(payload, exclude_unset=True)
    membership = scoped_write(
        user,
        BodyMembership,
        MANAGE_GRID,
        lambda: object_update(instance=membership, data=data),
    )
    return MEMBERSHIP_READ.get(pk=membership.pk)


# Grid posts (网格岗位)

posts = Router(tags=["网格岗位"])

POST_READ = GridPost.objects.select_related("node", "person")


def post_label(pk) -> str:
    return _("网格岗位%(id)s") % {"id": pk}


@posts.get("/", response={200: GridPostPage, **ERRORS_READ}, summary="网格岗位列表")
def list_grid_posts(request: HttpRequest, query: Query[GridPostQuery]):
    """``q`` matches part of the person's name."""
    qs = POST_READ.restrict(auth_user(request), VIEW)
    if query.under:
        qs = qs.within(query.under)
    if query.node:
        qs = qs.filter(node__code=query.node)
    if query.kind:
        qs = qs.filter(kind=query.kind.value)
    if query.current is not None:
        today = timezone.localdate()
        current = qs.filter(start_on__lte=today).exclude(end_on__lt=today)
        qs = current if query.current else qs.exclude(pk__in=current.values("pk"))
    if q := query.q.strip():
        qs = qs.filter(person__name__contains=q)
    return paginate(qs.order_by("grid_path", "kind", "id"), query)


@posts.get("/{post_id}", response={200: GridPostOut, **ERRORS_READ}, summary="网格岗位详情")
def get_grid_post(request: HttpRequest, post_id: int):
    return get_visible(POST_READ, auth_user(request), what=post_label(post_id), pk=post_id)


@posts.post("/", response={201: GridPostOut, **ERRORS_WRITE}, summary="新增网格岗位")
def create_grid_post(request: HttpRequest, payload: GridPostCreate):
    user = auth_user(request)
    node = get_visible(GridNode.objects, user, what=node_label(payload.node), code=payload.node)
    person = get_visible(Person.objects, user, what=person_label(payload.person), pk=payload.person)
    data = payload_data(payload, omit=("node", "person"))
    post = scoped_write(
        user,
        GridPost,
        MANAGE_GRID,
        lambda: grid_post_create(node=node, person=person, **data, by=user),
    )
    return Status(201, POST_READ.get(pk=post.pk))


@posts.patch("/{post_id}", response={200: GridPostOut, **ERRORS_WRITE}, summary="修改网格岗位")
def update_grid_post(request: HttpRequest, post_id: int, payload: GridPostUpdate):
    user = auth_user(request)
    post = get_visible(POST_READ, user, MANAGE_GRID, what=post_label(post_id), pk=post_id)
    data = payload_data(payload, exclude_unset=True)
    post = scoped_write(
        user, GridPost, MANAGE_GRID, lambda: object_update(instance=post, data=data)
    )
    return POST_READ.get(pk=post.pk)
