"""The roll (应到) of a meeting, computed from the registry and the rosters as they stood on the
meeting day (``decisions.rolls``): ages on the day, registrations and moves after the day, voting
rights of party members, seats by their terms, households."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from gridgov.conftest import new_citizen_id
from gridgov.decisions.models import MeetingBody
from gridgov.decisions.rolls import (
    place_adults,
    place_households,
    roll_for,
    seats,
    village_of,
    voting_members,
)
from gridgov.grid.services import grid_node_create
from gridgov.orgs.models import BodyKind, BodyRole, MemberStatus, OrgKind
from gridgov.orgs.services import (
    body_create,
    membership_create,
    party_member_create,
    party_org_create,
)
from gridgov.people.services import household_move, person_move

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An instant in the deployment's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    """``django.utils.timezone.now`` under a test's control: ``auto_now`` fields, the services'
    "now" and ``timezone.localdate()`` all read it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now.astimezone(dt.UTC)  # as Django's own: aware, in UTC

    def set(self, now: dt.datetime) -> None:
        self.now = now

    def tick(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture(name="clock", autouse=True)
def clock_fixture() -> Iterator[Clock]:
    """Every test of the decisions domain runs at a fixed noon (no midnight flakes), which it
    may move."""
    clock = Clock(at(2025, 6, 1))
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


def born(make_person, household=None, *, birth: dt.date, name: str = "村民", **fields):
    return make_person(household, name=name, citizen_id=new_citizen_id(birth=birth), **fields)


# -- Ages on the day -------------------------------------------------------------------------


def test_an_adult_on_the_eighteenth_birthday_counts_one_day_before_does_not(
    clock, tree, make_person
):
    clock.set(at(2020, 1, 1))
    person = born(make_person, birth=dt.date(2006, 2, 28))
    assert person.pk in place_adults(tree.village, dt.date(2024, 2, 28))
    assert person.pk not in place_adults(tree.village, dt.date(2024, 2, 27))
    assert person.pk in place_adults(tree.village, dt.date(2024, 2, 29))


def test_a_29_february_birthday_comes_of_age_on_1_march_of_a_common_year(clock, tree, make_person):
    clock.set(at(2020, 1, 1))
    leap = born(make_person, birth=dt.date(2004, 2, 29))
    assert leap.pk not in place_adults(tree.village, dt.date(2022, 2, 28))
    assert leap.pk in place_adults(tree.village, dt.date(2022, 3, 1))
    # In a leap year, on the day itself.
    later = born(make_person, birth=dt.date(2006, 2, 28))
    assert later.pk not in place_adults(tree.village, dt.date(2024, 2, 27))


def test_the_adult_age_is_a_rule(clock, tree, make_person, settings):
    clock.set(at(2020, 1, 1))
    person = born(make_person, birth=dt.date(2007, 6, 1))
    assert person.pk in place_adults(tree.village, dt.date(2025, 6, 1))
    settings.GRIDGOV_RULES = {"decisions.adult_age": 20}
    assert person.pk not in place_adults(tree.village, dt.date(2025, 6, 1))


# -- Registered and moved after the day ------------------------------------------------------


def test_a_person_registered_after_the_day_is_not_on_its_roll(clock, tree, make_person):
    # 00:30 in Shanghai is still the day before in UTC: the day is the local one.
    clock.set(at(2025, 6, 10, 0, 30))
    person = born(make_person, birth=dt.date(1980, 1, 1))
    assert person.pk not in place_adults(tree.village, dt.date(2025, 6, 9))
    assert person.pk in place_adults(tree.village, dt.date(2025, 6, 10))
    assert person.household_id not in place_households(tree.village, dt.date(2025, 6, 9))
    assert person.household_id in place_households(tree.village, dt.date(2025, 6, 10))


def test_a_person_who_moved_out_after_the_day_is_on_it_and_not_on_the_new_place(
    clock, tree, make_person, make_household
):
    clock.set(at(2025, 1, 1))
    person = born(make_person, birth=dt.date(1980, 1, 1))
    elsewhere = make_household(tree.other_microgrid)
    clock.set(at(2025, 6, 10, 9))
    person_move(person=person, to_household=elsewhere, by=None)
    day_before, day_of = dt.date(2025, 6, 9), dt.date(2025, 6, 10)
    assert person.pk in place_adults(tree.village, day_before)
    assert person.pk not in place_adults(tree.other_village, day_before)
    # The move was on the day: by its end, the person lived in the other village.
    assert person.pk not in place_adults(tree.village, day_of)
    assert person.pk in place_adults(tree.other_village, day_of)


def test_a_person_who_moved_in_after_the_day_is_not_on_it(clock, tree, make_person, make_household):
    clock.set(at(2025, 1, 1))
    newcomer = born(make_person, make_household(tree.other_microgrid), birth=dt.date(1980, 1, 1))
    here = make_household(tree.microgrid)
    clock.set(at(2025, 6, 10))
    person_move(person=newcomer, to_household=here, by=None)
    assert newcomer.pk not in place_adults(tree.village, dt.date(2025, 6, 9))
    assert newcomer.pk in place_adults(tree.other_village, dt.date(2025, 6, 9))
    assert newcomer.pk in place_adults(tree.village, dt.date(2025, 6, 10))


def test_several_moves_after_the_day_undo_to_where_the_person_was(
    clock, tree, make_person, make_household
):
    clock.set(at(2025, 1, 1))
    person = born(make_person, birth=dt.date(1980, 1, 1))
    away = make_household(tree.other_microgrid)
    back = make_household(tree.microgrid)
    clock.set(at(2025, 6, 10))
    person_move(person=person, to_household=away, by=None)
    clock.set(at(2025, 6, 20))
    person_move(person=person, to_household=back, by=None)
    assert person.pk in place_adults(tree.village, dt.date(2025, 6, 9))
    assert person.pk not in place_adults(tree.village, dt.date(2025, 6, 15))
    assert person.pk in place_adults(tree.other_village, dt.date(2025, 6, 15))
    assert person.pk in place_adults(tree.village, dt.date(2025, 6, 20))


def test_a_household_that_moved_after_the_day_counts_with_its_members_where_it_was(
    clock, tree, make_person, make_household
):
    clock.set(at(2025, 1, 1))
    household = make_household(tree.microgrid)
    person = born(make_person, household, birth=dt.date(1980, 1, 1))
    clock.set(at(2025, 6, 10))
    household_move(household=household, to_microgrid=tree.other_microgrid, by=None)
    before, after = dt.date(2025, 6, 9), dt.date(2025, 6, 10)
    assert household.pk in place_households(tree.village, before)
    assert household.pk not in place_households(tree.other_village, before)
    assert person.pk in place_adults(tree.village, before)
    assert person.pk not in place_adults(tree.other_village, before)
    assert household.pk in place_households(tree.other_village, after)
    assert person.pk in place_adults(tree.other_village, after)
    assert person.pk not in place_adults(tree.village, after)


def test_a_person_who_joined_a_household_that_later_moved(clock, tree, make_person, make_household):
    clock.set(at(2025, 1, 1))
    first = make_household(tree.microgrid)
    second = make_household(tree.microgrid)
    person = born(make_person, first, birth=dt.date(1980, 1, 1))
    clock.set(at(2025, 6, 10))
    person_move(person=person, to_household=second, by=None)
    clock.set(at(2025, 6, 20))
    household_move(household=second, to_microgrid=tree.other_microgrid, by=None)
    for day in (dt.date(2025, 6, 9), dt.date(2025, 6, 15)):
        assert person.pk in place_adults(tree.village, day)
        assert person.pk not in place_adults(tree.other_village, day)
    assert person.pk in place_adults(tree.other_village, dt.date(2025, 6, 20))


def test_a_group_roll_holds_only_the_group(clock, tree, make_person, make_household):
    second_group = grid_node_create(
        code="440605001201002", name="第二村民小组", parent=tree.village, by=None
    )
    second_mg = grid_node_create(
        code="440605001201002001", name="二组1号微网格", parent=second_group, by=None
    )
    ours = born(make_person, birth=dt.date(1980, 1, 1))
    theirs = born(make_person, make_household(second_mg), birth=dt.date(1980, 1, 1))
    day = dt.date(2025, 6, 1)
    assert place_adults(tree.group, day) == [ours.pk]
    assert set(place_adults(tree.village, day)) == {ours.pk, theirs.pk}
    roll = roll_for(MeetingBody.GROUP, tree.group, day)
    assert roll.persons == [ours.pk]
    assert roll.households == [ours.household_id]
    # The villagers' meeting of a group's matter is the whole village's.
    assert set(roll_for(MeetingBody.VILLAGERS, tree.group, day).persons) == {ours.pk, theirs.pk}


def test_households_are_counted_with_the_adults(clock, tree, make_person, make_household):
    family = make_household(tree.microgrid)
    born(make_person, family, birth=dt.date(1970, 1, 1))
    born(make_person, family, birth=dt.date(1972, 1, 1))
    child = born(make_person, family, birth=dt.date(2015, 1, 1))
    empty = make_household(tree.microgrid)
    make_household(tree.other_microgrid)
    roll = roll_for(MeetingBody.VILLAGERS, tree.village, dt.date(2025, 6, 1))
    assert len(roll.persons) == 2 and child.pk not in roll.persons
    assert roll.households == sorted([family.pk, empty.pk])
    assert roll.by_place


# -- Party members ---------------------------------------------------------------------------


@pytest.fixture
def branch(tree):
    return party_org_create(
        code="P440605001201", name="平东村党支部", kind=OrgKind.BRANCH, node=tree.village, by=None
    )


def member(make_person, branch, *, status, joined, full=None):
    person = born(make_person, birth=dt.date(1970, 1, 1))
    party_member_create(
        person=person,
        organization=branch,
        status=status,
        joined_on=joined,
        full_member_on=full,
        by=None,
    )
    return person


def test_probationary_members_have_no_vote_full_members_do(clock, tree, make_person, branch):
    full = member(
        make_person,
        branch,
        status=MemberStatus.FULL,
        joined=dt.date(2000, 7, 1),
        full=dt.date(2001, 7, 1),
    )
    probationary = member(
        make_person, branch, status=MemberStatus.PROBATIONARY, joined=dt.date(2025, 1, 1)
    )
    day = dt.date(2025, 6, 1)
    assert voting_members(tree.village, day) == [full.pk]
    assert probationary.pk not in roll_for(MeetingBody.PARTY_ASSEMBLY, tree.village, day).persons


def test_a_member_who_became_full_after_the_day_had_no_vote_on_it(clock, tree, make_person, branch):
    clock.set(at(2024, 6, 1))
    person = member(
        make_person,
        branch,
        status=MemberStatus.FULL,
        joined=dt.date(2024, 5, 1),
        full=dt.date(2025, 5, 1),
    )
    assert person.pk not in voting_members(tree.village, dt.date(2025, 4, 30))
    assert person.pk in voting_members(tree.village, dt.date(2025, 5, 1))
    # A record entered after the day is not on that day's roll, whatever its dates say.
    clock.set(at(2025, 6, 1))
    late = member(
        make_person,
        branch,
        status=MemberStatus.FULL,
        joined=dt.date(2000, 1, 1),
        full=dt.date(2001, 1, 1),
    )
    assert late.pk not in voting_members(tree.village, dt.date(2025, 5, 31))


def test_members_of_another_village_are_not_on_the_roll(clock, tree, make_person, branch):
    other_branch = party_org_create(
        code="P440605001202",
        name="平西村党支部",
        kind=OrgKind.BRANCH,
        node=tree.other_village,
        by=None,
    )
    ours = member(
        make_person,
        branch,
        status=MemberStatus.FULL,
        joined=dt.date(2000, 1, 1),
        full=dt.date(2001, 1, 1),
    )
    theirs = member(
        make_person,
        other_branch,
        status=MemberStatus.FULL,
        joined=dt.date(2000, 1, 1),
        full=dt.date(2001, 1, 1),
    )
    assert voting_members(tree.village, dt.date(2025, 6, 1)) == [ours.pk]
    assert voting_members(tree.other_village, dt.date(2025, 6, 1)) == [theirs.pk]


# -- Seats -----------------------------------------------------------------------------------


def test_seats_by_term_with_the_end_day_included(clock, tree, make_person):
    committee = body_create(
        code="V1", name="村民委员会", kind=BodyKind.VILLAGE_COMMITTEE, node=tree.village, by=None
    )
    person = born(make_person, birth=dt.date(1970, 1, 1))
    membership_create(
        body=committee,
        person=person,
        role=BodyRole.MEMBER,
        term_start=dt.date(2021, 1, 1),
        term_end=dt.date(2025, 12, 31),
        by=None,
    )
    kinds = (BodyKind.VILLAGE_COMMITTEE,)
    assert seats(tree.village, kinds, dt.date(2020, 12, 31)) == []
    assert seats(tree.village, kinds, dt.date(2021, 1, 1)) == [person.pk]
    assert seats(tree.village, kinds, dt.date(2025, 12, 31)) == [person.pk]
    assert seats(tree.village, kinds, dt.date(2026, 1, 1)) == []


def test_the_two_committees_count_a_person_holding_both_seats_once(clock, tree, make_person):
    village_committee = body_create(
        code="V1", name="村民委员会", kind=BodyKind.VILLAGE_COMMITTEE, node=tree.village, by=None
    )
    branch_committee = body_create(
        code="B1", name="支部委员会", kind=BodyKind.BRANCH_COMMITTEE, node=tree.village, by=None
    )
    secretary = born(make_person, birth=dt.date(1970, 1, 1))
    other = born(make_person, birth=dt.date(1971, 1, 1))
    for body, person in ((village_committee, secretary), (branch_committee, secretary)):
        membership_create(
            body=body,
            person=person,
            role=BodyRole.CHAIR,
            term_start=dt.date(2021, 1, 1),
            by=None,
        )
    membership_create(
        body=village_committee,
        person=other,
        role=BodyRole.MEMBER,
        term_start=dt.date(2021, 1, 1),
        by=None,
    )
    day = dt.date(2025, 6, 1)
    assert roll_for(MeetingBody.TWO_COMMITTEES, tree.village, day).persons == sorted(
        [secretary.pk, other.pk]
    )
    assert roll_for(MeetingBody.BRANCH_COMMITTEE, tree.village, day).persons == [secretary.pk]
    # The representative meeting: the villagers' committee and the representatives.
    assert roll_for(MeetingBody.REPRESENTATIVES, tree.village, day).persons == sorted(
        [secretary.pk, other.pk]
    )


def test_collective_representatives_are_the_seats_held_as_representative(clock, tree, make_person):
    collective = body_create(
        code="C1",
        name="经济合作社",
        kind=BodyKind.COLLECTIVE_ECONOMY,
        node=tree.village,
        by=None,
    )
    chair = born(make_person, birth=dt.date(1970, 1, 1))
    rep = born(make_person, birth=dt.date(1971, 1, 1))
    membership_create(
        body=collective, person=chair, role=BodyRole.CHAIR, term_start=dt.date(2021, 1, 1), by=None
    )
    membership_create(
        body=collective,
        person=rep,
        role=BodyRole.REPRESENTATIVE,
        term_start=dt.date(2021, 1, 1),
        by=None,
    )
    roll = roll_for(MeetingBody.COLLECTIVE_REPRESENTATIVES, tree.village, dt.date(2025, 6, 1))
    assert roll.persons == [rep.pk]
    assert not roll.by_place


def test_a_body_with_nobody_on_its_roll_is_refused_naming_the_body(clock, tree):
    with pytest.raises(ValidationError) as refused:
        roll_for(MeetingBody.BRANCH_COMMITTEE, tree.village, dt.date(2025, 6, 1))
    assert "body" in refused.value.message_dict
    assert "支部委员会" in refused.value.message_dict["body"][0]


def test_a_matter_belongs_to_a_village_or_a_group(tree):
    assert village_of(tree.village) == tree.village
    assert village_of(tree.group) == tree.village
    with pytest.raises(ValidationError) as refused:
        village_of(tree.microgrid)
    assert "node" in refused.value.message_dict
