"""Changes to organizations, party members, bodies, memberships and grid posts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record, snapshot
from gridgov.core.scoping import PATH_END
from gridgov.core.services import acting_as, acting_user_check, object_update
from gridgov.grid.models import GridLevel, GridNode
from gridgov.people.models import Household, Person

from .models import (
    BodyMembership,
    GovernanceBody,
    GridPost,
    MemberStatus,
    OrgKind,
    PartyMember,
    PartyOrganization,
)

# Which organizations may sit on which grid level (DOMAIN §1).
ORG_LEVELS = {
    OrgKind.PARTY_COMMITTEE: {GridLevel.COUNTY, GridLevel.TOWN, GridLevel.VILLAGE},
    OrgKind.GENERAL_BRANCH: {GridLevel.TOWN, GridLevel.VILLAGE},
    OrgKind.BRANCH: {GridLevel.TOWN, GridLevel.VILLAGE, GridLevel.GROUP},
    OrgKind.JOINT_BRANCH: {GridLevel.TOWN, GridLevel.VILLAGE, GridLevel.GROUP},
    OrgKind.PARTY_GROUP: {GridLevel.VILLAGE, GridLevel.GROUP, GridLevel.MICROGRID},
    OrgKind.SERVICE_TEAM: {GridLevel.VILLAGE, GridLevel.GROUP, GridLevel.MICROGRID},
}


def _node_bump(node_id: int, field: str, delta: int) -> None:
    GridNode.objects.filter(pk=node_id).update(**{field: F(field) + delta})


def _check_placement(
    kind: str, node: GridNode, parent: PartyOrganization | None, org_pk: int | None = None
) -> None:
    if node.level not in ORG_LEVELS[OrgKind(kind)]:
        raise ValidationError(
            {
                ("node" if org_pk is None else "kind"): _("%(k)s不能设在%(l)s一级")
                % {"k": OrgKind(kind).label, "l": GridLevel(node.level).label}
            }
        )
    if parent is None:
        return
    if not node.code.startswith(parent.grid_path):
        raise ValidationError({"parent": _("上级组织必须在本组织所在网格或其上级网格")})
    ancestor: PartyOrganization | None = parent
    while ancestor is not None and org_pk is not None:
        if ancestor.pk == org_pk:
            raise ValidationError({"parent": _("上级组织不能是本组织或其下级组织")})
        ancestor = ancestor.parent


@transaction.atomic
def party_org_create(
    *,
    code: str,
    name: str,
    kind: str,
    node: GridNode,
    parent: PartyOrganization | None = None,
    by: Any,
) -> PartyOrganization:
    acting_user_check(by)
    with acting_as(by):
        _check_placement(kind, node, parent)
        org = PartyOrganization(
            code=code.strip(),
            name=name.strip(),
            kind=kind,
            node=node,
            grid_path=node.code,
            parent=parent,
        )
        org.full_clean()
        org.save()
        _node_bump(node.pk, "organizations_count", 1)
        audit_record(action="create", instance=org, after=snapshot(org))
        return org


def party_org_update(*, org: PartyOrganization, data: dict[str, Any], by: Any) -> PartyOrganization:
    acting_user_check(by)
    with acting_as(by):
        allowed = {"name", "kind", "parent"}
        if set(data) - allowed:
            raise ValidationError({f: _("不能在此修改") for f in set(data) - allowed})
        _check_placement(
            data.get("kind", org.kind), org.node, data.get("parent", org.parent), org.pk
        )
        return object_update(instance=org, data=data)


def _member_counters(org_id: int, person: Person, *, full: bool, sign: int) -> None:
    PartyOrganization.objects.filter(pk=org_id).update(
        members_count=F("members_count") + sign,
        full_members_count=F("full_members_count") + (sign if full else 0),
    )


@transaction.atomic
def party_member_create(
    *,
    person: Person,
    organization: PartyOrganization,
    status: str,
    joined_on: dt.date,
    full_member_on: dt.date | None = None,
    is_center_household: bool = False,
    is_mobile: bool = False,
    by: Any,
) -> PartyMember:
    acting_user_check(by)
    with acting_as(by):
        if PartyMember.objects.filter(person=person).exists():
            raise ValidationError({"person": _("此人已有党员档案")})
        if status == MemberStatus.FULL and full_member_on is None:
            raise ValidationError({"full_member_on": _("正式党员须填写转正日期")})
        if status == MemberStatus.PROBATIONARY and full_member_on is not None:
            raise ValidationError({"full_member_on": _("预备党员尚无转正日期")})
        if joined_on < person.birth_date:
            raise ValidationError({"joined_on": _("入党日期早于出生日期")})
        member = PartyMember(
            person=person,
            organization=organization,
            grid_path=organization.grid_path,
            status=status,
            joined_on=joined_on,
            full_member_on=full_member_on,
            is_center_household=is_center_household,
            is_mobile=is_mobile,
        )
        member.full_clean(exclude=["person"])
        member.save()
        Person.objects.filter(pk=person.pk).update(is_party_member=True)
        Household.objects.filter(pk=person.household_id).update(is_party_household=True)
        _member_counters(organization.pk, person, full=status == MemberStatus.FULL, sign=1)
        _node_bump(person.household.microgrid_id, "party_members_count", 1)
        audit_record(action="create", instance=member, after=snapshot(member))
        return member


@transaction.atomic
def party_member_update(*, member: PartyMember, data: dict[str, Any], by: Any) -> PartyMember:
    acting_user_check(by)
    with acting_as(by):
        allowed = {"status", "full_member_on", "is_center_household", "is_mobile", "lost_contact"}
        if set(data) - allowed:
            raise ValidationError({f: _("不能在此修改") for f in set(data) - allowed})
        was_full = member.status == MemberStatus.FULL
        member = object_update(instance=member, data=data)
        if member.status == MemberStatus.FULL and member.full_member_on is None:
            raise ValidationError({"full_member_on": _("正式党员须填写转正日期")})
        now_full = member.status == MemberStatus.FULL
        if was_full != now_full:
            PartyOrganization.objects.filter(pk=member.organization_id).update(
                full_members_count=F("full_members_count") + (1 if now_full else -1)
            )
        return member


@transaction.atomic
def party_member_transfer(
    *,
    member: PartyMember,
    to_organization: PartyOrganization,
    reason: str = "",
    by: Any,
) -> PartyMember:
    """Move a member's relation to another organization (组织关系转接)."""
    acting_user_check(by)
    with acting_as(by):
        source = member.organization
        if source.pk == to_organization.pk:
            return member
        full = member.status == MemberStatus.FULL
        member.organization = to_organization
        member.grid_path = to_organization.grid_path
        member.save(update_fields=["organization", "grid_path", "updated_at"])
        _member_counters(source.pk, member.person, full=full, sign=-1)
        _member_counters(to_organization.pk, member.person, full=full, sign=1)
        audit_record(
            action="transfer",
            instance=member,
            before={"organization": source.code},
            after={"organization": to_organization.code, "reason": reason},
        )
        return member


@transaction.atomic
def body_create(*, code: str, name: str, kind: str, node: GridNode, by: Any) -> GovernanceBody:
    acting_user_check(by)
    with acting_as(by):
        body = GovernanceBody(
            code=code.strip(), name=name.strip(), kind=kind, node=node, grid_path=node.code
        )
        body.full_clean()
        body.save()
        audit_record(action="create", instance=body, after=snapshot(body))
        return body


@transaction.atomic
def membership_create(
    *,
    body: GovernanceBody,
    person: Person,
    role: str,
    term_start: dt.date,
    term_end: dt.date | None = None,
    by: Any,
) -> BodyMembership:
    acting_user_check(by)
    with acting_as(by):
        if term_end is not None and term_end < term_start:
            raise ValidationError({"term_end": _("任期结束早于开始")})
        membership = BodyMembership(
            body=body,
            person=person,
            grid_path=body.grid_path,
            role=role,
            term_start=term_start,
            term_end=term_end,
        )
        membership.full_clean()
        membership.save()
        audit_record(action="create", instance=membership, after=snapshot(membership))
        return membership


@transaction.atomic
def grid_post_create(
    *,
    node: GridNode,
    person: Person,
    kind: str,
    start_on: dt.date,
    end_on: dt.date | None = None,
    by: Any,
) -> GridPost:
    acting_user_check(by)
    with acting_as(by):
        post = GridPost(
            node=node,
            grid_path=node.code,
            person=person,
            kind=kind,
            start_on=start_on,
            end_on=end_on,
        )
        post.full_clean()
        post.save()
        audit_record(action="create", instance=post, after=snapshot(post))
        return post


def org_counts_refresh(*, under: str = "") -> None:
    """Recompute organization member counters and grid organization counts under a path."""
    t = connection.ops.quote_name
    org = PartyOrganization._meta.db_table
    mem = PartyMember._meta.db_table
    node = GridNode._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {t(org)} SET
                  members_count = (SELECT COUNT(*) FROM {t(mem)} m
                                   WHERE m.organization_id = {t(org)}.id),
                  full_members_count = (SELECT COUNT(*) FROM {t(mem)} m
                                        WHERE m.organization_id = {t(org)}.id AND m.status = %s)
                WHERE grid_path >= %s AND grid_path < %s""",
            [MemberStatus.FULL, under, under + PATH_END],
        )
        cursor.execute(
            f"""UPDATE {t(node)} SET organizations_count =
                  (SELECT COUNT(*) FROM {t(org)} o WHERE o.node_id = {t(node)}.id)
                WHERE code >= %s AND code < %s""",
            [under, under + PATH_END],
        )
