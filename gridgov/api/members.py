"""Party members (/party-members/{id}): records of membership, linked to persons.

Reads need "view"; writes need "change" at the member's organization. Creating a record also
marks the person and their household, so the person must be one the user may change.
"""

from __future__ import annotations

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
from gridgov.core.crypto import lookup_hashes
from gridgov.core.identity import IdentifierError, parse_citizen_id
from gridgov.orgs.models import PartyMember, PartyOrganization
from gridgov.orgs.services import party_member_create, party_member_transfer, party_member_update
from gridgov.people.api import person_label
from gridgov.people.models import Person

from .auth import auth_user
from .orgs import org_label
from .schemas.orgs import (
    MemberTag,
    PartyMemberCreate,
    PartyMemberOut,
    PartyMemberPage,
    PartyMemberQuery,
    PartyMemberTransfer,
    PartyMemberUpdate,
)

router = Router(tags=["党员"])

MEMBER_READ = PartyMember.objects.select_related("person__household", "organization")
TAG_FILTERS = {
    MemberTag.CENTER_HOUSEHOLD: {"is_center_household": True},
    MemberTag.MOBILE: {"is_mobile": True},
    MemberTag.LOST_CONTACT: {"lost_contact": True},
}


def member_label(pk) -> str:
    return _("党员档案%(id)s") % {"id": pk}


@router.get("/", response={200: PartyMemberPage, **ERRORS_READ}, summary="党员列表")
def list_party_members(request: HttpRequest, query: Query[PartyMemberQuery]):
    """``q`` is an exact citizen ID (by keyed hash) or part of the person's name."""
    qs = MEMBER_READ.restrict(auth_user(request), Action.VIEW)
    if query.under:
        qs = qs.within(query.under)
    if query.status:
        qs = qs.filter(status=query.status.value)
    if query.organization:
        qs = qs.filter(organization__code=query.organization)
    if query.tag:
        qs = qs.filter(**TAG_FILTERS[query.tag])
    if q := query.q.strip():
        try:
            qs = qs.filter(person__id_hash__in=lookup_hashes(parse_citizen_id(q).number))
        except IdentifierError:
            qs = qs.filter(person__name__contains=q)
    return paginate(qs.order_by("grid_path", "organization_id", "id"), query)


@router.get("/{member_id}", response={200: PartyMemberOut, **ERRORS_READ}, summary="党员详情")
def get_party_member(request: HttpRequest, member_id: int):
    return get_visible(MEMBER_READ, auth_user(request), what=member_label(member_id), pk=member_id)


@router.post("/", response={201: PartyMemberOut, **ERRORS_WRITE}, summary="新增党员档案")
def create_party_member(request: HttpRequest, payload: PartyMemberCreate):
    user = auth_user(request)
    person = get_visible(
        Person.objects.select_related("household"),
        user,
        Action.CHANGE,
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
        Action.CHANGE,
        lambda: party_member_create(person=person, organization=organization, **data),
    )
    return Status(201, MEMBER_READ.get(pk=member.pk))


@router.patch(
    "/{member_id}", response={200: PartyMemberOut, **ERRORS_WRITE}, summary="修改党员档案"
)
def update_party_member(request: HttpRequest, member_id: int, payload: PartyMemberUpdate):
    user = auth_user(request)
    member = get_visible(
        MEMBER_READ, user, Action.CHANGE, what=member_label(member_id), pk=member_id
    )
    data = payload_data(payload, exclude_unset=True)
    member = scoped_write(
        user, PartyMember, Action.CHANGE, lambda: party_member_update(member=member, data=data)
    )
    return MEMBER_READ.get(pk=member.pk)


@router.post(
    "/{member_id}/transfer",
    response={200: PartyMemberOut, **ERRORS_WRITE},
    summary="组织关系转接",
)
def transfer_party_member(request: HttpRequest, member_id: int, payload: PartyMemberTransfer):
    """The user must be allowed to change the member both where it is and where it goes."""
    user = auth_user(request)
    member = get_visible(
        MEMBER_READ, user, Action.CHANGE, what=member_label(member_id), pk=member_id
    )
    target = get_visible(
        PartyOrganization.objects,
        user,
        what=org_label(payload.to_organization),
        code=payload.to_organization,
    )
    member = scoped_write(
        user,
        PartyMember,
        Action.CHANGE,
        lambda: party_member_transfer(member=member, to_organization=target, reason=payload.reason),
    )
    return MEMBER_READ.get(pk=member.pk)
