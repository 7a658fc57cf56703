"""The link register's services: the rules at their exact boundaries, history kept, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.core.models import AuditEntry
from gridgov.links.eligibility import birthday_cutoff, capacity_of, exemption_of
from gridgov.links.models import Link, Linker, LinkerKind
from gridgov.links.selectors import coverage
from gridgov.links.services import link_create, link_end, linker_create, linker_update

pytestmark = pytest.mark.django_db


def test_a_member_links_up_to_the_upper_bound_and_not_one_more(linking, settings):
    settings.GRIDGOV_RULES = {"links.capacity": {"member": [1, 3], "center": [5, 10]}}
    for household in linking.households[:3]:
        link_create(linker=linking.member, household=household, by=None)
    with pytest.raises(ValidationError) as refused:
        link_create(linker=linking.member, household=linking.households[3], by=None)
    assert "linker" in refused.value.message_dict
    assert "上限3户" in refused.value.message_dict["linker"][0]
    assert Link.objects.filter(linker=linking.member).count() == 3


def test_capacity_defaults_follow_the_sources():
    assert capacity_of(LinkerKind.CENTER_HOUSEHOLD).low == 5
    assert capacity_of(LinkerKind.CENTER_HOUSEHOLD).high == 10
    assert (capacity_of(LinkerKind.MEMBER).low, capacity_of(LinkerKind.MEMBER).high) == (5, 20)


def test_a_member_turning_seventy_today_is_exempt_one_day_younger_is_not(world, make_member):
    today = dt.date(2026, 6, 15)
    seventy = linker_create(
        person=make_member(name="满七十", birth=dt.date(1956, 6, 15)), kind="member", by=None
    )
    younger = linker_create(
        person=make_member(name="差一天", birth=dt.date(1956, 6, 16)), kind="member", by=None
    )
    assert "70" in exemption_of(seventy, on=today)
    assert exemption_of(younger, on=today) == ""
    assert birthday_cutoff(70, dt.date(2028, 2, 29)) == dt.date(1958, 2, 28)


def test_mobile_members_and_flagged_linkers_are_exempt(world, make_member, linking):
    mobile = linker_create(person=make_member(name="外出", is_mobile=True), kind="member", by=None)
    assert exemption_of(mobile, on=timezone.localdate()) == "流动党员"
    with pytest.raises(ValidationError):
        link_create(linker=mobile, household=linking.households[0], by=None)
    linker_update(
        linker=linking.member, data={"cannot_link": True, "cannot_link_reason": "长期患病"}, by=None
    )
    with pytest.raises(ValidationError) as refused:
        link_create(linker=linking.member, household=linking.households[0], by=None)
    assert "长期患病" in refused.value.message_dict["linker"][0]


def test_cannot_link_needs_a_reason(linking):
    with pytest.raises(ValidationError):
        linker_update(linker=linking.member, data={"cannot_link": True}, by=None)


def test_a_link_across_micro_grids_needs_a_reason(world, linking, make_household):
    elsewhere = make_household(world.tree.other_microgrid)
    with pytest.raises(ValidationError) as refused:
        link_create(linker=linking.member, household=elsewhere, by=None)
    assert "cross_grid_reason" in refused.value.message_dict
    link = link_create(
        linker=linking.member, household=elsewhere, cross_grid_reason="亲属关系", by=None
    )
    assert link.grid_path == world.tree.other_microgrid.code


def test_one_link_in_force_per_household_and_history_kept(linking):
    household = linking.households[0]
    first = link_create(
        linker=linking.member, household=household, start_on=dt.date(2026, 1, 1), by=None
    )
    with pytest.raises(ValidationError):
        link_create(linker=linking.center, household=household, by=None)
    second = link_create(
        linker=linking.center,
        household=household,
        start_on=dt.date(2026, 3, 1),
        replace=True,
        end_reason="调整",
        by=None,
    )
    first.refresh_from_db()
    assert first.end_on == dt.date(2026, 2, 28) and first.end_reason == "调整"
    assert second.end_on is None
    assert Link.objects.filter(household=household).count() == 2
    actions = list(
        AuditEntry.objects.filter(object_type="links.link").values_list("action", flat=True)
    )
    assert actions.count("create") == 2 and actions.count("update") == 1


def test_ending_a_link_needs_a_reason_and_a_date_after_its_start(linking):
    link = link_create(
        linker=linking.member,
        household=linking.households[0],
        start_on=dt.date(2026, 5, 1),
        by=None,
    )
    with pytest.raises(ValidationError):
        link_end(link=link, reason=" ", by=None)
    with pytest.raises(ValidationError):
        link_end(link=link, reason="搬走", end_on=dt.date(2026, 4, 30), by=None)
    link_end(link=link, reason="搬走", end_on=dt.date(2026, 5, 1), by=None)
    with pytest.raises(ValidationError):
        link_end(link=link, reason="again", by=None)


def test_coverage_counts_linked_priority_exempt_and_shortfall(world, linking, settings):
    settings.GRIDGOV_RULES = {"links.capacity": {"member": [1, 4], "center": [5, 6]}}
    link_create(linker=linking.member, household=world.household, by=None)  # 低保: priority
    for household in linking.households[:4]:
        link_create(linker=linking.center, household=household, by=None)
    result = coverage(world.tree.village)
    # households: the world's one, two linkers' own, twelve to link
    assert result.households == 15
    assert result.linked == 5
    assert (result.priority, result.priority_linked) == (1, 1)
    assert (result.linkers, result.eligible_linkers, result.exempt_linkers) == (2, 2, 0)
    assert result.under_capacity == 1  # the center links 4, fewer than 5
    assert result.capacity == 10
    assert result.shortfall == 5
    assert result.shortfall_microgrids[0]["code"] == world.tree.microgrid.code


def test_only_party_members_link_as_members_others_as_the_village_names_them(world):
    spouse = world.spouse  # not a party member
    with pytest.raises(ValidationError) as refused:
        linker_create(person=spouse, kind=LinkerKind.MEMBER, by=None)
    assert "不是党员" in str(refused.value.message_dict["kind"])
    with pytest.raises(ValidationError):
        linker_create(person=spouse, kind=LinkerKind.CENTER_HOUSEHOLD, by=None)
    assert not Linker.objects.filter(person=spouse).exists()
    committee = linker_create(person=spouse, kind=LinkerKind.GROUP_COMMITTEE, by=None)
    with pytest.raises(ValidationError):
        linker_update(linker=committee, data={"kind": LinkerKind.MEMBER}, by=None)
    committee.refresh_from_db()
    assert committee.kind == LinkerKind.GROUP_COMMITTEE
