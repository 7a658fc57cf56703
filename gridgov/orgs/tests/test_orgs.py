import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridgov.core.rules import all_rules
from gridgov.grid.models import GridLevel, GridNode
from gridgov.orgs.models import BodyKind, BodyRole, MemberStatus, OrgKind, PartyOrganization
from gridgov.orgs.selectors import classify_org, org_type_findings, supervision_barred
from gridgov.orgs.services import (
    body_create,
    membership_create,
    org_counts_refresh,
    party_member_create,
    party_member_transfer,
    party_member_update,
    party_org_create,
)
from gridgov.people.models import Household, Person

V = GridLevel.VILLAGE


@pytest.mark.parametrize(
    ("kind", "total", "full", "problem"),
    [
        # ≥ 3 full members may form a branch; 2 may not.
        (OrgKind.BRANCH, 3, 3, False),
        (OrgKind.BRANCH, 5, 2, True),
        # A branch normally ≤ 50: 50 fits, 51 does not.
        (OrgKind.BRANCH, 50, 50, False),
        (OrgKind.BRANCH, 51, 51, True),
        # A general branch needs more than 50: 50 is not enough, 51 is.
        (OrgKind.GENERAL_BRANCH, 50, 50, True),
        (OrgKind.GENERAL_BRANCH, 51, 51, False),
        # A village party committee needs at least 100: 99 is not, 100 is.
        (OrgKind.PARTY_COMMITTEE, 99, 99, True),
        (OrgKind.PARTY_COMMITTEE, 100, 100, False),
        (OrgKind.GENERAL_BRANCH, 100, 100, True),
        (OrgKind.GENERAL_BRANCH, 99, 99, False),
    ],
)
def test_type_thresholds_at_their_exact_boundaries(kind, total, full, problem):
    assert (classify_org(kind, total, full, node_level=V) is not None) is problem


def test_rule_override_changes_the_threshold(monkeypatch):
    monkeypatch.setenv("GRIDGOV_RULES", '{"orgs.branch_max_members": 40}')
    assert classify_org(OrgKind.BRANCH, 41, 41, node_level=V) is not None
    assert classify_org(OrgKind.BRANCH, 40, 40, node_level=V) is None


def test_every_rule_names_its_source():
    rules = all_rules()
    assert {"orgs.branch_max_members", "orgs.party_committee_min_members"} <= {r.key for r in rules}
    assert all(r.source and r.description for r in rules)


@pytest.fixture
def branch(tree):
    return party_org_create(
        code="B1", name="平东村党支部", kind=OrgKind.BRANCH, node=tree.village, by=None
    )


def test_member_create_sets_flags_and_counters(tree, branch, make_person):
    person = make_person()
    member = party_member_create(
        person=person,
        organization=branch,
        status=MemberStatus.FULL,
        joined_on=dt.date(2010, 7, 1),
        full_member_on=dt.date(2011, 7, 1),
        by=None,
    )
    branch.refresh_from_db()
    assert (branch.members_count, branch.full_members_count) == (1, 1)
    assert Person.objects.get(pk=person.pk).is_party_member
    assert Household.objects.get(pk=person.household_id).is_party_household
    assert GridNode.objects.get(pk=tree.microgrid.pk).party_members_count == 1
    assert GridNode.objects.get(pk=tree.village.pk).organizations_count == 1
    with pytest.raises(ValidationError, match="已有党员档案"):
        party_member_create(
            person=person,
            organization=branch,
            status=MemberStatus.PROBATIONARY,
            joined_on=dt.date(2020, 1, 1),
            by=None,
        )
    party_member_update(member=member, data={"status": MemberStatus.PROBATIONARY}, by=None)
    branch.refresh_from_db()
    assert branch.full_members_count == 0
    other = party_org_create(
        code="B2", name="平西村党支部", kind=OrgKind.BRANCH, node=tree.other_village, by=None
    )
    party_member_transfer(member=member, to_organization=other, by=None)
    branch.refresh_from_db()
    other.refresh_from_db()
    assert (branch.members_count, other.members_count) == (0, 1)
    PartyOrganization.objects.update(members_count=0)
    org_counts_refresh(under=tree.county.code)
    assert PartyOrganization.objects.get(pk=other.pk).members_count == 1


def test_member_rules(branch, make_person):
    person = make_person()
    with pytest.raises(ValidationError, match="转正日期"):
        party_member_create(
            person=person,
            organization=branch,
            status=MemberStatus.FULL,
            joined_on=dt.date(2010, 1, 1),
            by=None,
        )
    with pytest.raises(ValidationError, match="出生日期"):
        party_member_create(
            person=person,
            organization=branch,
            status=MemberStatus.PROBATIONARY,
            joined_on=dt.date(1900, 1, 1),
            by=None,
        )


def test_org_level_and_parent_rules(tree, branch):
    with pytest.raises(ValidationError, match="不能设在"):
        party_org_create(
            code="X", name="x", kind=OrgKind.GENERAL_BRANCH, node=tree.microgrid, by=None
        )
    with pytest.raises(ValidationError, match="上级组织"):
        party_org_create(
            code="Y",
            name="y",
            kind=OrgKind.PARTY_GROUP,
            node=tree.other_village,
            parent=branch,
            by=None,
        )


def test_findings_report_counts_members_of_child_orgs(tree, make_user, make_person, branch):
    admin = make_user(superuser=True)
    findings = {f.org.code: f for f in org_type_findings(admin)}
    assert "B1" in findings and "不足3人" in findings["B1"].problem
    group = party_org_create(
        code="G1", name="党小组", kind=OrgKind.PARTY_GROUP, node=tree.group, parent=branch, by=None
    )
    for _ in range(3):
        party_member_create(
            person=make_person(),
            organization=group,
            status=MemberStatus.FULL,
            joined_on=dt.date(2000, 1, 1),
            full_member_on=dt.date(2001, 1, 1),
            by=None,
        )
    assert "B1" not in {f.org.code for f in org_type_findings(admin)}


def test_supervision_committee_members_who_are_barred(tree, make_household, make_person, make_user):
    committee = body_create(
        code="VC", name="村委会", kind=BodyKind.VILLAGE_COMMITTEE, node=tree.village, by=None
    )
    supervision = body_create(
        code="SC", name="村务监督委员会", kind=BodyKind.SUPERVISION, node=tree.village, by=None
    )
    hh = make_household()
    chair = make_person(hh)
    relative = make_person(hh)
    outsider = make_person()
    start = dt.date(2021, 1, 1)
    membership_create(body=committee, person=chair, role=BodyRole.CHAIR, term_start=start, by=None)
    for person in (chair, relative, outsider):
        membership_create(
            body=supervision, person=person, role=BodyRole.MEMBER, term_start=start, by=None
        )
    barred = {
        b.membership.person_id: b.reason for b in supervision_barred(make_user(superuser=True))
    }
    assert set(barred) == {chair.pk, relative.pk}
    assert "本人" in barred[chair.pk] and "同户" in barred[relative.pk]
    village_cadre_elsewhere = make_user("village_cadre", tree.other_village)
    assert supervision_barred(village_cadre_elsewhere) == []


def test_org_update_checks_placement_and_cycles(tree, branch):
    from gridgov.orgs.services import party_org_update

    team = party_org_create(
        code="T9",
        name="服务团队",
        kind=OrgKind.SERVICE_TEAM,
        node=tree.village,
        parent=branch,
        by=None,
    )
    with pytest.raises(ValidationError, match="下级组织"):
        party_org_update(org=branch, data={"parent": team}, by=None)
    group = party_org_create(
        code="G9", name="党小组", kind=OrgKind.PARTY_GROUP, node=tree.group, parent=branch, by=None
    )
    with pytest.raises(ValidationError, match="所在网格"):
        party_org_update(org=branch, data={"parent": group}, by=None)
    with pytest.raises(ValidationError, match="不能设在"):
        party_org_update(org=group, data={"kind": OrgKind.GENERAL_BRANCH}, by=None)


def test_term_and_post_dates_are_model_constraints(tree, make_person):
    from gridgov.core.services import object_update
    from gridgov.orgs.models import GridPostKind
    from gridgov.orgs.services import grid_post_create

    body = body_create(
        code="VC2", name="村委会", kind=BodyKind.VILLAGE_COMMITTEE, node=tree.village, by=None
    )
    person = make_person()
    membership = membership_create(
        body=body, person=person, role=BodyRole.MEMBER, term_start=dt.date(2021, 1, 1), by=None
    )
    with pytest.raises(ValidationError, match="任期结束早于开始"):
        object_update(instance=membership, data={"term_end": dt.date(2020, 1, 1)})
    post = grid_post_create(
        node=tree.village,
        person=person,
        kind=GridPostKind.HEAD,
        start_on=dt.date(2021, 1, 1),
        by=None,
    )
    with pytest.raises(ValidationError, match="结束日期早于开始日期"):
        object_update(instance=post, data={"end_on": dt.date(2020, 12, 31)})
