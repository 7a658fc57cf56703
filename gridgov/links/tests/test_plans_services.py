"""The plan's services: compute, approve, apply, discard; stale and double applies refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.links.models import Link, LinkPlan, LinkSource, PlanAction, PlanStatus
from gridgov.links.planning import plan_apply, plan_approve, plan_compute, plan_discard
from gridgov.links.services import link_create
from gridgov.people.models import Household

pytestmark = pytest.mark.django_db


def _approved(node, by):
    plan = plan_compute(node=node, by=by)
    return plan_approve(plan=plan, by=by, meeting="党员大会", meeting_on=timezone.localdate())


def test_a_plan_covers_the_microgrid_and_applies_in_one_call(linking, world):
    node = world.tree.microgrid
    plan = plan_compute(node=node, by=world.cadre)
    households = Household.objects.within(node.code).count()
    assert plan.status == PlanStatus.DRAFT
    assert plan.assignments.count() == households
    total = plan.figures["total"]
    assert total["households"] == households
    assert total["covered"] == households  # 30 places for the micro-grid's households
    assert total["added"] == households
    assert plan.figures["microgrids"][0]["code"] == node.code
    plan = plan_approve(
        plan=plan, by=world.cadre, meeting="党员大会", meeting_on=timezone.localdate()
    )
    assert plan.status == PlanStatus.APPROVED and plan.approval_meeting == "党员大会"
    plan = plan_apply(plan=plan, by=world.cadre)
    assert plan.status == PlanStatus.APPLIED and plan.applied_by == world.cadre
    links = Link.objects.filter(end_on__isnull=True)
    assert links.count() == households
    assert set(links.values_list("source", flat=True)) == {LinkSource.PLAN}
    assert (
        AuditEntry.objects.filter(object_type="links.linkplan", object_id=str(plan.pk)).count() == 3
    )


def test_applying_twice_is_refused(linking, world):
    plan = plan_apply(plan=_approved(world.tree.microgrid, world.cadre), by=world.cadre)
    with pytest.raises(ValidationError) as refused:
        plan_apply(plan=plan, by=world.cadre)
    assert "status" in refused.value.message_dict


def test_a_stale_plan_is_refused_and_stores_nothing(linking, world):
    plan = _approved(world.tree.microgrid, world.cadre)
    link_create(linker=linking.member, household=linking.households[0], by=None)
    with pytest.raises(ValidationError) as refused:
        plan_apply(plan=plan, by=world.cadre)
    assert "basis" in refused.value.message_dict
    assert Link.objects.count() == 1
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_an_unapproved_plan_is_not_applied(linking, world):
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    with pytest.raises(ValidationError):
        plan_apply(plan=plan, by=world.cadre)
    assert not Link.objects.exists()


def test_approval_names_the_meeting_and_its_date(linking, world):
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    with pytest.raises(ValidationError) as refused:
        plan_approve(plan=plan, by=world.cadre, meeting="  ", meeting_on=timezone.localdate())
    assert set(refused.value.message_dict) == {"meeting"}
    with pytest.raises(ValidationError) as refused:
        plan_approve(
            plan=plan,
            by=world.cadre,
            meeting="党员大会",
            meeting_on=timezone.localdate() + dt.timedelta(1),
        )
    assert set(refused.value.message_dict) == {"meeting_on"}
    # A meeting the day before the plan was computed cannot have approved it; that day can.
    day = timezone.localdate(plan.computed_at)
    with pytest.raises(ValidationError) as refused:
        plan_approve(
            plan=plan, by=world.cadre, meeting="党员大会", meeting_on=day - dt.timedelta(1)
        )
    assert set(refused.value.message_dict) == {"meeting_on"}
    plan = plan_approve(plan=plan, by=world.cadre, meeting="党员大会", meeting_on=day)
    assert plan.approval_meeting_on == day


def test_a_cadre_of_another_village_cannot_plan_here(linking, world):
    with pytest.raises(PermissionDenied):
        plan_compute(node=world.tree.microgrid, by=world.outsider)
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    with pytest.raises(PermissionDenied):
        plan_discard(plan=plan, by=world.outsider)


def test_discard_keeps_the_plan_and_it_cannot_be_applied(linking, world):
    plan = plan_discard(plan=_approved(world.tree.microgrid, world.cadre), by=world.cadre)
    assert LinkPlan.objects.get(pk=plan.pk).status == PlanStatus.DISCARDED
    with pytest.raises(ValidationError):
        plan_apply(plan=plan, by=world.cadre)


def test_a_replan_after_a_member_leaves_moves_only_their_households(linking, world, settings):
    settings.GRIDGOV_RULES = {"links.capacity": {"member": [1, 20], "center": [1, 20]}}
    node = world.tree.microgrid
    # Links made by hand, so which households are the member's does not rest on the solver's
    # choice among equally good plans (these households have no location).
    households = list(Household.objects.within(node.code).order_by("number"))
    for i, household in enumerate(households):
        linker = linking.member if i % 2 else linking.center
        link_create(linker=linker, household=household, by=None)
    theirs = {h.pk for i, h in enumerate(households) if i % 2}
    assert len(theirs) == len(households) // 2 >= 6
    from gridgov.links.services import linker_update

    linker_update(
        linker=linking.member, data={"cannot_link": True, "cannot_link_reason": "外出务工"}, by=None
    )
    plan = plan_compute(node=node, by=world.cadre)
    moved = set(
        plan.assignments.filter(action=PlanAction.MOVE).values_list("household_id", flat=True)
    )
    assert moved == theirs
    assert plan.figures["total"]["moved"] == len(theirs)
    plan = plan_apply(
        plan=plan_approve(
            plan=plan, by=world.cadre, meeting="党员大会", meeting_on=timezone.localdate()
        ),
        by=world.cadre,
    )
    assert not Link.objects.filter(linker=linking.member, end_on__isnull=True).exists()
    ended = Link.objects.filter(linker=linking.member).exclude(end_on=None)
    assert ended.count() == len(theirs)


def test_households_without_a_location_are_flagged(linking, world):
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    flagged = plan.assignments.filter(located_at_centre=True).count()
    assert flagged == Household.objects.within(world.tree.microgrid.code).filter(lat=None).count()
    assert plan.figures["total"]["at_centre"] == flagged


def test_a_microgrid_without_linkers_shows_its_shortfall(world, make_household):
    for _ in range(3):
        make_household(world.tree.other_microgrid)
    plan = plan_compute(node=world.tree.other_village, by=None)
    total = plan.figures["total"]
    assert total["covered"] == 0 and total["shortfall"] == total["households"] >= 3
    assert set(plan.assignments.values_list("action", flat=True)) == {PlanAction.UNCOVERED}


def test_pinned_links_are_kept(linking, world):
    link = link_create(linker=linking.center, household=linking.households[0], pinned=True, by=None)
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    line = plan.assignments.get(household=linking.households[0])
    assert line.action == PlanAction.KEEP and line.linker_id == linking.center.pk
    plan_apply(
        plan=plan_approve(
            plan=plan, by=world.cadre, meeting="党员大会", meeting_on=timezone.localdate()
        ),
        by=world.cadre,
    )
    link.refresh_from_db()
    assert link.end_on is None


def test_the_role_is_a_cadre_role():
    from gridgov.links.permissions import PLAN_LINKS

    assert PLAN_LINKS
    assert Role.VILLAGE_CADRE


@pytest.mark.django_db(transaction=True)
def test_two_cadres_applying_at_once_cannot_both_win(linking, world):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes every writer")
    plan = _approved(world.tree.microgrid, world.cadre)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def apply() -> None:
        from django.db import connection as conn

        barrier.wait()
        try:
            plan_apply(plan=LinkPlan.objects.get(pk=plan.pk), by=world.cadre)
            outcomes.append("applied")
        except ValidationError as exc:
            outcomes.append("refused: " + "".join(exc.messages))
        finally:
            conn.close()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "applied" and sorted(outcomes)[1].startswith("refused")
    assert Link.objects.filter(plan=plan).count() == plan.figures["total"]["added"]


def test_a_link_across_microgrids_with_its_exception_recorded_is_kept(linking, world, make_member):
    from gridgov.links.services import linker_create

    there = linker_create(
        person=make_member(world.tree.other_microgrid, name="邻格党员"), kind="member", by=None
    )
    link_create(
        linker=there,
        household=linking.households[0],
        cross_grid_reason="住在隔壁，两家熟识",
        by=None,
    )
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    line = plan.assignments.get(household=linking.households[0])
    assert line.action == PlanAction.KEEP and line.linker_id == there.pk
    # The same link ends when its linker may no longer link.
    from gridgov.links.services import linker_update

    linker_update(linker=there, data={"cannot_link": True, "cannot_link_reason": "外出"}, by=None)
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    line = plan.assignments.get(household=linking.households[0])
    assert line.action == PlanAction.MOVE and line.linker_id != there.pk


def test_the_plans_map_data_draws_the_plan_not_the_links_in_force(
    world, make_member, make_household
):
    from gridgov.links.planning import plan_map_data
    from gridgov.links.services import linker_create

    linker = linker_create(person=make_member(name="近邻"), kind="member", by=None)
    Household.objects.filter(pk=linker.person.household_id).update(lat=23.0, lng=113.0)
    for i in range(3):
        make_household(lat=23.0, lng=113.0 + 0.001 * (i + 1), is_dibao=i == 0)
    plan = plan_compute(node=world.tree.microgrid, by=None)
    data = plan_map_data(plan)
    assert data is not None and data["linkers"] == [[23.0, 113.0, "近邻"]]
    located = Household.objects.within(world.tree.microgrid.code).exclude(lat=None).count()
    assert len(data["households"]) == located
    assert data["unplaced"] == plan.assignments.count() - located
    assert len(data["lines"]) == located  # capacity 20 covers them all
    assert not Link.objects.exists()
    assert plan_map_data(plan_compute(node=world.tree.county, by=None)) is None
