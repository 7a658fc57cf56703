"""A micro-grid with linkers and households to link: fixtures of the links app's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from gridgov.conftest import new_citizen_id
from gridgov.links.models import Linker, LinkerKind
from gridgov.links.services import linker_create
from gridgov.orgs.models import MemberStatus
from gridgov.orgs.services import party_member_create
from gridgov.people.models import Household, Relation


@dataclass
class Linking:
    world: object
    member: Linker  # an ordinary member (联户党员) of 一组1号微网格
    center: Linker  # a 党员中心户 of the same micro-grid
    households: list[Household] = field(default_factory=list)  # unlinked, same micro-grid


@pytest.fixture
def make_member(make_household, make_person, world):
    """A party member living in ``microgrid`` (default: the world's), born on ``birth``."""

    def make(microgrid=None, *, name="党员", birth=dt.date(1975, 1, 1), **member_fields):
        household = make_household(microgrid or world.tree.microgrid)
        person = make_person(
            household,
            name=name,
            relation=Relation.HEAD,
            citizen_id=new_citizen_id(birth=birth),
        )
        party_member_create(
            person=person,
            organization=world.party_group,
            status=MemberStatus.FULL,
            joined_on=dt.date(2000, 7, 1),
            full_member_on=dt.date(2001, 7, 1),
            by=None,
            **member_fields,
        )
        person.refresh_from_db()
        return person

    return make


@pytest.fixture
def linking(world, make_member, make_household) -> Linking:
    member = linker_create(person=make_member(name="王联户"), kind=LinkerKind.MEMBER, by=None)
    center = linker_create(
        person=make_member(name="林中心", is_center_household=True),
        kind=LinkerKind.CENTER_HOUSEHOLD,
        by=None,
    )
    households = [make_household(address=f"平东村{i}号") for i in range(12)]
    return Linking(world=world, member=member, center=center, households=households)
