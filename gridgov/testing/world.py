"""A small village with everything the pages show, and a second village that must stay hidden."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from gridgov.accounts.roles import Role
from gridgov.conftest import new_citizen_id
from gridgov.grid.services import grid_node_update
from gridgov.orgs.models import BodyKind, BodyRole, GridPostKind, MemberStatus, OrgKind
from gridgov.orgs.services import (
    body_create,
    grid_post_create,
    membership_create,
    party_member_create,
    party_org_create,
)
from gridgov.people.models import Relation, ResidenceType
from gridgov.people.services import person_sensitive_set


def square(lng: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class World:
    tree: object
    cadre: object  # village cadre of 平东村
    outsider: object  # village cadre of 平西村
    household: object
    head: object
    spouse: object
    child: object
    head_id_number: str
    branch: object
    party_group: object
    other_household: object
    other_person: object
    other_branch: object
    committee: object
    supervision: object


@pytest.fixture
def world(tree, make_household, make_person, make_user) -> World:
    grid_node_update(node=tree.village, data={"boundary": square(113.10, 23.00, 0.05)}, by=None)
    grid_node_update(node=tree.group, data={"boundary": square(113.11, 23.01, 0.02)}, by=None)
    household = make_household(address="平东村东街1号", is_dibao=True)
    head_number = new_citizen_id(sex="M", birth=dt.date(1970, 3, 8))
    head = make_person(
        household,
        name="陈大明",
        citizen_id=head_number,
        relation=Relation.HEAD,
        phone="13812345678",
    )
    spouse = make_person(household, name="李秀英", sex="F", relation=Relation.SPOUSE)
    child = make_person(
        household,
        name="陈小华",
        relation=Relation.CHILD,
        residence_type=ResidenceType.MIGRANT,
        citizen_id=new_citizen_id(sex="M", birth=dt.date(2001, 9, 1)),
    )
    person_sensitive_set(
        person=spouse, data={"serious_illness": True, "health_note": "慢性肾病"}, by=None
    )
    branch = party_org_create(
        code="P440605001201", name="平东村党支部", kind=OrgKind.BRANCH, node=tree.village, by=None
    )
    party_group = party_org_create(
        code="P440605001201001",
        name="第一党小组",
        kind=OrgKind.PARTY_GROUP,
        node=tree.group,
        parent=branch,
        by=None,
    )
    party_member_create(
        person=head,
        organization=party_group,
        status=MemberStatus.FULL,
        joined_on=dt.date(1995, 7, 1),
        full_member_on=dt.date(1996, 7, 1),
        is_center_household=True,
        by=None,
    )
    committee = body_create(
        code="V440605001201",
        name="平东村村民委员会",
        kind=BodyKind.VILLAGE_COMMITTEE,
        node=tree.village,
        by=None,
    )
    supervision = body_create(
        code="S440605001201",
        name="平东村村务监督委员会",
        kind=BodyKind.SUPERVISION,
        node=tree.village,
        by=None,
    )
    membership_create(
        body=committee, person=head, role=BodyRole.CHAIR, term_start=dt.date(2021, 1, 1), by=None
    )
    # Same household as a village committee member: barred from supervision (VCOL Art. 32).
    membership_create(
        body=supervision,
        person=spouse,
        role=BodyRole.MEMBER,
        term_start=dt.date(2021, 1, 1),
        by=None,
    )
    grid_post_create(
        node=tree.microgrid,
        person=head,
        kind=GridPostKind.HEAD,
        start_on=dt.date(2021, 3, 1),
        by=None,
    )

    other_household = make_household(tree.other_microgrid, address="平西村西街9号")
    other_person = make_person(other_household, name="赵秘密", relation=Relation.HEAD)
    other_branch = party_org_create(
        code="P440605001202",
        name="平西村党支部",
        kind=OrgKind.BRANCH,
        node=tree.other_village,
        by=None,
    )
    return World(
        tree=tree,
        cadre=make_user(Role.VILLAGE_CADRE, tree.village),
        outsider=make_user(Role.VILLAGE_CADRE, tree.other_village),
        household=household,
        head=head,
        spouse=spouse,
        child=child,
        head_id_number=head_number,
        branch=branch,
        party_group=party_group,
        other_household=other_household,
        other_person=other_person,
        other_branch=other_branch,
        committee=committee,
        supervision=supervision,
    )


@pytest.fixture
def cadre_client(client, world):
    client.force_login(world.cadre)
    return client
