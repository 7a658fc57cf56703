"""Running important matters through their procedures (``decisions.services``, ``meetings``,
``stages``, ``reviews``): the enforced sequence of every procedure, the meetings' checks, the
tally under each body's rule, failed stages held again, overrides by a second person, the
supervision committee's objections, amendments, scoping and the large-amount threshold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.decisions.meetings import effective_record, meeting_record
from gridgov.decisions.models import (
    Attendance,
    Matter,
    MatterKind,
    MatterStatus,
    Meeting,
    MeetingBody,
    MeetingStatus,
    Procedure,
    RollEntry,
    Stage,
    StageKind,
    StageStatus,
    Vote,
)
from gridgov.decisions.procedures import COUNTED_BODIES, bodies_for, stages_of
from gridgov.decisions.reviews import answer_overdue, review_answer, review_record
from gridgov.decisions.rolls import roll_for
from gridgov.decisions.selectors import matter_list
from gridgov.decisions.services import (
    large_amount_for,
    matter_create,
    matter_kinds_seed,
    matter_withdraw,
    meeting_amend,
    meeting_override_confirm,
    meeting_override_request,
    meeting_schedule,
)
from gridgov.decisions.stages import current_stage
from gridgov.decisions.tests.test_rolls import Clock, at, born, clock_fixture  # noqa: F401
from gridgov.orgs.models import BodyKind, BodyRole, MemberStatus
from gridgov.orgs.services import body_create, membership_create, party_member_create

NOW = at(2025, 6, 10)


# -- A village with its bodies ---------------------------------------------------------------


@dataclass
class Council:
    """平东村 with every body that decides: 5 voting party members, a branch committee of 3, a
    villagers' committee of 3 (its chair is the secretary: 5 on the two committees), 4
    representatives (7 at the representative meeting), a group committee of 3 and 3
    collective representatives; the village's adults and households."""

    world: Any
    tree: Any
    clock: Clock
    cadre: Any
    second: Any
    supervisor: Any
    kinds: dict[str, MatterKind]
    members: list[Any]


def _seat(body, person, role=BodyRole.MEMBER):
    membership_create(body=body, person=person, role=role, term_start=dt.date(2021, 1, 1), by=None)


@pytest.fixture(name="council")
def council_fixture(clock, world, make_person, make_user) -> Council:
    """Built on 1 June 2025; the tests run on 10 June at noon."""
    tree = world.tree
    cadre = world.cadre
    members = [world.head]
    for n in range(4):
        person = born(make_person, name=f"党员{n}", birth=dt.date(1975, 1, 1))
        party_member_create(
            person=person,
            organization=world.party_group,
            status=MemberStatus.FULL,
            joined_on=dt.date(2000, 7, 1),
            full_member_on=dt.date(2001, 7, 1),
            by=None,
        )
        members.append(person)
    branch_committee = body_create(
        code="B440605001201", name="平东村党支部委员会", kind=BodyKind.BRANCH_COMMITTEE,
        node=tree.village, by=None,
    )  # fmt: skip
    _seat(branch_committee, world.head, BodyRole.CHAIR)
    _seat(branch_committee, members[1])
    _seat(branch_committee, members[2])
    villagers = [born(make_person, name=f"委员{n}", birth=dt.date(1980, 1, 1)) for n in range(2)]
    for person in villagers:
        _seat(world.committee, person)
    representatives = body_create(
        code="R440605001201", name="平东村村民代表会议", kind=BodyKind.REPRESENTATIVES,
        node=tree.village, by=None,
    )  # fmt: skip
    for n in range(4):
        _seat(
            representatives,
            born(make_person, name=f"代表{n}", birth=dt.date(1982, 1, 1)),
            BodyRole.REPRESENTATIVE,
        )
    group_committee = body_create(
        code="G440605001201001", name="第一村民小组组委会", kind=BodyKind.GROUP_COMMITTEE,
        node=tree.group, by=None,
    )  # fmt: skip
    for person in (members[3], members[4], villagers[0]):
        _seat(group_committee, person)
    collective = body_create(
        code="C440605001201", name="平东村经济合作社", kind=BodyKind.COLLECTIVE_ECONOMY,
        node=tree.village, by=None,
    )  # fmt: skip
    for person in (members[1], villagers[1], world.spouse):
        _seat(collective, person, BodyRole.REPRESENTATIVE)
    born(make_person, name="小孩", birth=dt.date(2015, 1, 1))  # not on any roll
    second = make_user(Role.VILLAGE_CADRE, tree.village)
    supervisor = make_user(Role.SUPERVISOR, tree.village)
    kinds = {k.code: k for k in matter_kinds_seed(county=tree.county, by=cadre)}
    clock.set(NOW)
    return Council(world, tree, clock, cadre, second, supervisor, kinds, members)


def new_matter(council: Council, code: str = "projects", **fields: Any) -> Matter:
    node = fields.pop("node", council.tree.group if code == "group" else council.tree.village)
    return matter_create(
        node=node,
        kind=council.kinds[code],
        title=fields.pop("title", "村道硬底化工程"),
        by=council.cadre,
        **fields,
    )


def stage_of(matter: Matter, kind: str) -> Stage:
    return matter.stages.get(kind=kind)


def full_counts(body: str, stage: Stage, held_at: dt.datetime) -> dict[str, int]:
    """Everyone on the roll present and voting yes."""
    roll = roll_for(body, stage.matter.node, timezone.localdate(held_at))
    n = len(roll.persons)
    if body in COUNTED_BODIES and body != MeetingBody.COLLECTIVE_MEMBERS:
        return {"present_adults": n, "present_household_reps": 0, "present": n, "yes": n}
    return {"present": n, "yes": n}


def hold(
    council: Council,
    stage: Stage,
    body: str | None = None,
    *,
    held_at: dt.datetime | None = None,
    by: Any = None,
    **counts: int,
) -> Meeting:
    """Record a meeting of ``stage`` held an hour ago; by default everyone came and voted yes,
    and a meeting that must be announced was announced ten days ahead."""
    council.clock.tick(minutes=5)
    body = body or bodies_for(stage.kind)[0]
    held_at = held_at or council.clock.now - dt.timedelta(hours=1)
    given = {**full_counts(body, stage, held_at), **counts}
    return meeting_record(
        stage=stage,
        body=body,
        held_at=held_at,
        by=by or council.cadre,
        counts=given,
        chair="主持人甲",
        place="村委会议室",
        summary="会议纪要原文",
        notice_given_on=timezone.localdate(held_at) - dt.timedelta(days=10),
    )


def run_until(council: Council, matter: Matter, kind: str) -> Stage:
    """Pass each stage by a full meeting until ``kind`` is the current stage."""
    while True:
        stage = current_stage(matter)
        assert stage is not None
        if stage.kind == kind:
            return stage
        hold(council, stage)
        matter.refresh_from_db()


def refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.message_dict


def statuses(matter: Matter) -> list[str]:
    return list(matter.stages.order_by("order").values_list("status", flat=True))


# -- The list and the matters ----------------------------------------------------------------


def test_the_default_list_is_seeded_once_on_a_county(council):
    assert set(council.kinds) >= {"personnel", "assets", "funds", "projects", "rules", "group"}
    assert matter_kinds_seed(county=council.tree.county, by=council.cadre) == []
    assert "node" in refused(matter_kinds_seed, county=council.tree.village, by=council.cadre)


@pytest.mark.parametrize(
    "code,procedure",
    [
        ("projects", Procedure.FOUR_TWO),
        ("group", Procedure.GROUP),
        ("collective", Procedure.COLLECTIVE),
        ("branch", Procedure.BRANCH),
    ],
)
def test_a_new_matter_opens_its_first_stage_only(council, code, procedure):
    matter = new_matter(council, code)
    assert matter.procedure == procedure
    assert matter.number.startswith("D20250610")
    kinds = list(matter.stages.order_by("order").values_list("kind", flat=True))
    assert tuple(kinds) == stages_of(procedure)
    assert statuses(matter) == [StageStatus.OPEN] + [StageStatus.WAITING] * (len(kinds) - 1)
    assert matter.status == MatterStatus.OPEN


def test_a_matter_needs_a_village_or_group_and_a_title(council):
    assert "node" in refused(new_matter, council, node=council.tree.microgrid)
    assert "title" in refused(new_matter, council, title="  ")
    assert "node" in refused(new_matter, council, "group", node=council.tree.village)
    assert "amount" in refused(new_matter, council, amount=Decimal("-1"))


def test_a_group_matter_at_the_large_amount_is_refused_one_yuan_below_is_accepted(council):
    threshold = large_amount_for(council.tree.group)
    assert threshold == Decimal("50000")
    errors = refused(new_matter, council, "group", amount=threshold)
    assert "amount" in errors and "50000" in errors["amount"][0]
    assert "amount" in refused(new_matter, council, "branch", amount=threshold + 1)
    matter = new_matter(council, "group", amount=threshold - 1)
    assert matter.amount == Decimal("49999")
    # The full procedure takes any amount.
    assert new_matter(council, "funds", amount=threshold * 10).amount == Decimal("500000")


def test_the_large_amount_is_set_per_township(council, settings):
    settings.GRIDGOV_RULES = {"decisions.large_amount": {"default": 50000, "440605001": 20000}}
    assert large_amount_for(council.tree.group) == Decimal("20000")
    assert "amount" in refused(new_matter, council, "group", amount=Decimal("20000"))
    new_matter(council, "group", amount=Decimal("19999"))


# -- The enforced sequences ------------------------------------------------------------------


def test_four_two_runs_stage_by_stage_to_the_decision_notice(council):
    matter = new_matter(council)
    for order, kind in enumerate(
        (StageKind.PROPOSAL, StageKind.CONSULTATION, StageKind.PARTY_REVIEW, StageKind.RESOLUTION)
    ):
        stage = current_stage(matter)
        assert stage is not None and stage.kind == kind
        meeting = hold(council, stage)
        assert meeting.passed and meeting.quorum and meeting.status == MeetingStatus.CLOSED
        assert meeting.citation and meeting.rule_text and meeting.rule_version
        matter.refresh_from_db()
        assert statuses(matter)[: order + 1] == [StageStatus.PASSED] * (order + 1)
    assert current_stage(matter).kind == StageKind.DECISION_NOTICE
    assert stage_of(matter, StageKind.DECISION_NOTICE).status == StageStatus.OPEN
    assert stage_of(matter, StageKind.RESULT_NOTICE).status == StageStatus.WAITING
    assert matter.status == MatterStatus.DECIDED


def test_the_rolls_of_each_four_two_body(council):
    matter = new_matter(council)
    counts = {}
    for kind in (StageKind.PROPOSAL, StageKind.CONSULTATION, StageKind.PARTY_REVIEW):
        meeting = hold(council, run_until(council, matter, kind))
        counts[meeting.body] = meeting.roll_members
    assert counts == {
        MeetingBody.BRANCH_COMMITTEE: 3,
        MeetingBody.TWO_COMMITTEES: 5,
        MeetingBody.PARTY_ASSEMBLY: 5,
    }
    resolution = hold(council, current_stage(matter), MeetingBody.REPRESENTATIVES)
    assert resolution.roll_members == 7
    assert resolution.roll.count() == 7


def test_a_villagers_meeting_freezes_adults_and_households(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    meeting = hold(council, stage, MeetingBody.VILLAGERS)
    # head, spouse, child, 4 members, 2 committee members, 4 representatives: 13 adults in
    # 12 households; the child born in 2015 is not on the roll.
    assert (meeting.roll_adults, meeting.roll_households, meeting.roll_members) == (13, 12, 0)
    assert meeting.roll.filter(role="member").count() == 13
    assert meeting.roll.filter(role="household").count() == 12
    assert "第二十二条" in meeting.citation


def test_the_group_procedure(council):
    matter = new_matter(council, "group")
    discussion = hold(council, current_stage(matter), MeetingBody.DISCUSSION)
    assert discussion.passed
    committee = hold(council, current_stage(matter))
    assert committee.body == MeetingBody.GROUP_COMMITTEE and committee.roll_members == 3
    decision = hold(council, current_stage(matter))
    assert decision.body == MeetingBody.GROUP and "第二十八条" in decision.citation
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DECIDED
    assert current_stage(matter).kind == StageKind.DECISION_NOTICE


def test_a_discussion_with_nobody_present_does_not_pass(council):
    matter = new_matter(council, "group")
    meeting = hold(
        council,
        current_stage(matter),
        present=0,
        present_adults=0,
        yes=0,
    )
    assert not meeting.passed
    assert stage_of(matter, StageKind.GROUP_DISCUSSION).status == StageStatus.FAILED


def test_the_collective_procedure(council):
    matter = new_matter(council, "collective")
    hold(council, current_stage(matter))
    stage = current_stage(matter)
    assert stage.kind == StageKind.COLLECTIVE_DECISION
    meeting = hold(council, stage, MeetingBody.COLLECTIVE_REPRESENTATIVES)
    assert meeting.roll_members == 3 and "第二十八条" in meeting.citation
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DECIDED


def test_the_collective_members_assembly_counts_all_members(council):
    matter = new_matter(council, "collective")
    hold(council, current_stage(matter))
    stage = current_stage(matter)
    # 13 members; two thirds of all members is 9 (9 * 3 >= 13 * 2 = 26 fails: 27 >= 26 passes).
    meeting = hold(council, stage, MeetingBody.COLLECTIVE_MEMBERS, present=13, yes=8)
    assert meeting.roll_adults == 13 and meeting.quorum and not meeting.passed
    again = hold(council, stage, MeetingBody.COLLECTIVE_MEMBERS, present=9, yes=9)
    assert again.passed


def test_the_branch_procedure_ends_done_without_notices(council):
    matter = new_matter(council, "branch")
    hold(council, current_stage(matter))
    hold(council, current_stage(matter))
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DONE
    assert current_stage(matter) is None
    assert statuses(matter) == [StageStatus.PASSED, StageStatus.PASSED]


def test_a_meeting_for_a_stage_not_current_is_refused_naming_the_stage(council):
    matter = new_matter(council)
    later = stage_of(matter, StageKind.PARTY_REVIEW)
    errors = refused(hold, council, later)
    assert "stage" in errors and "村党组织提议" in errors["stage"][0]
    hold(council, current_stage(matter))
    # A passed stage takes no more meetings.
    assert "stage" in refused(hold, council, stage_of(matter, StageKind.PROPOSAL))
    # Notices are published, not met.
    run_until(council, matter, StageKind.DECISION_NOTICE)
    assert "stage" in refused(
        hold, council, stage_of(matter, StageKind.DECISION_NOTICE), MeetingBody.VILLAGERS
    )


def test_a_body_not_allowed_for_the_stage_is_refused_naming_the_body(council):
    matter = new_matter(council)
    errors = refused(hold, council, current_stage(matter), MeetingBody.VILLAGERS)
    assert "body" in errors and "支部委员会" in errors["body"][0]
    # The proposal may also be the party members' assembly.
    assert hold(council, current_stage(matter), MeetingBody.PARTY_ASSEMBLY).passed
    assert "body" in refused(hold, council, current_stage(matter), MeetingBody.PARTY_ASSEMBLY)


def test_the_merge_rule_lets_the_two_committees_close_both_first_stages(council, settings):
    settings.GRIDGOV_RULES = {"decisions.merge_proposal_and_consultation": True}
    matter = new_matter(council)
    proposal = current_stage(matter)
    assert proposal.kind == StageKind.PROPOSAL and proposal.merged_with_next
    assert "body" in refused(hold, council, proposal, MeetingBody.BRANCH_COMMITTEE)
    meeting = hold(council, proposal, MeetingBody.TWO_COMMITTEES)
    assert meeting.passed
    matter.refresh_from_db()
    assert statuses(matter)[:3] == [StageStatus.PASSED, StageStatus.PASSED, StageStatus.OPEN]
    assert current_stage(matter).kind == StageKind.PARTY_REVIEW


def test_without_the_merge_rule_the_stages_stay_apart(council):
    matter = new_matter(council)
    assert not current_stage(matter).merged_with_next
    assert "body" in refused(hold, council, current_stage(matter), MeetingBody.TWO_COMMITTEES)


def test_a_withdrawn_matter_takes_no_meeting(council):
    matter = new_matter(council)
    assert "reason" in refused(matter_withdraw, matter=matter, reason=" ", by=council.cadre)
    matter_withdraw(matter=matter, reason="项目取消", by=council.cadre)
    assert "stage" in refused(hold, council, current_stage(matter))
    assert "status" in refused(matter_withdraw, matter=matter, reason="再撤", by=council.cadre)


# -- Failed stages, held again, overrides ----------------------------------------------------


def test_a_failed_quorum_fails_the_stage_and_a_second_meeting_passes_it(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.PARTY_REVIEW)
    # 5 voting members: 2 present is not more than half.
    failed = hold(council, stage, present=2, yes=2)
    assert not failed.quorum and not failed.passed
    stage.refresh_from_db()
    assert stage.status == StageStatus.FAILED
    assert current_stage(matter) == stage
    assert stage_of(matter, StageKind.RESOLUTION).status == StageStatus.WAITING
    again = hold(council, stage, present=3, yes=3)
    assert again.passed
    stage.refresh_from_db()
    assert stage.status == StageStatus.PASSED
    assert current_stage(matter).kind == StageKind.RESOLUTION


def test_a_failed_majority_fails_the_stage(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.PARTY_REVIEW)
    # All 5 present; the assembly's majority counts all voting members: 2 of 5 is not enough.
    meeting = hold(council, stage, present=5, yes=2, no=3)
    assert meeting.quorum and not meeting.passed
    stage.refresh_from_db()
    assert stage.status == StageStatus.FAILED


def test_an_override_needs_a_reason_and_a_second_person(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.PARTY_REVIEW)
    failed = hold(council, stage, present=2, yes=2)
    errors = refused(meeting_override_request, meeting=failed, reason=" 急 ", by=council.cadre)
    assert "reason" in errors
    meeting_override_request(
        meeting=failed, reason="防汛抢险急需，党员多数外出抢险", by=council.cadre
    )
    assert "meeting" in refused(meeting_override_confirm, meeting=failed, by=council.cadre)
    stage.refresh_from_db()
    assert stage.status == StageStatus.FAILED
    confirmed = meeting_override_confirm(meeting=failed, by=council.second)
    assert confirmed.overridden and confirmed.effective_pass and not confirmed.passed
    assert confirmed.override_confirmed_at == council.clock.now
    stage.refresh_from_db()
    assert stage.status == StageStatus.PASSED
    assert current_stage(matter).kind == StageKind.RESOLUTION
    assert "meeting" in refused(meeting_override_confirm, meeting=failed, by=council.second)


def test_an_override_is_confirmed_only_by_an_authorised_person(council):
    matter = new_matter(council)
    failed = hold(council, current_stage(matter), present=1, yes=1)
    meeting_override_request(meeting=failed, reason="书记外出，委员一致同意", by=council.cadre)
    assert "meeting" in refused(meeting_override_confirm, meeting=failed, by=council.supervisor)
    assert "meeting" in refused(meeting_override_confirm, meeting=failed, by=council.world.outsider)
    meeting_override_confirm(meeting=failed, by=council.second)


def test_an_override_of_a_passed_meeting_is_refused(council):
    matter = new_matter(council)
    passed = hold(council, current_stage(matter))
    errors = refused(
        meeting_override_request, meeting=passed, reason="不需要的理由", by=council.cadre
    )
    assert "meeting" in errors
    assert "meeting" in refused(meeting_override_confirm, meeting=passed, by=council.second)


def test_an_override_of_a_stage_held_again_is_refused(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    failed = hold(council, stage, present=1, yes=1)
    meeting_override_request(meeting=failed, reason="先申请特别通过", by=council.cadre)
    hold(council, stage)
    assert "meeting" in refused(meeting_override_confirm, meeting=failed, by=council.second)


# -- Bad input -------------------------------------------------------------------------------


def test_a_meeting_in_the_future_is_refused(council):
    matter = new_matter(council)
    soon = council.clock.now + dt.timedelta(minutes=6)
    assert "held_at" in refused(hold, council, current_stage(matter), held_at=soon)


def test_attendance_above_the_roll_is_refused_naming_the_field(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    assert "present" in refused(hold, council, stage, present=4, yes=3)
    assert "yes" in refused(hold, council, stage, present=2, yes=3)
    assert "no" in refused(hold, council, stage, present=3, yes=2, no=1, abstain=1)
    assert "excused" in refused(hold, council, stage, present=2, yes=2, excused=2)
    assert "present" in refused(hold, council, stage, present=-1, yes=0)
    # Exactly at each bound is accepted.
    meeting = hold(council, stage, present=2, yes=1, no=1, abstain=0, excused=1)
    assert (meeting.present, meeting.excused) == (2, 1)


def test_villagers_counts_above_the_roll_are_refused_naming_the_field(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    body = MeetingBody.VILLAGERS
    errors = refused(hold, council, stage, body, present_adults=14, present=14, yes=10)
    assert "present_adults" in errors and "13" in errors["present_adults"][0]
    errors = refused(hold, council, stage, body, present_household_reps=13, present=13)
    assert "present_household_reps" in errors
    assert "present" in refused(hold, council, stage, body, present_adults=10, present=9, yes=5)


def test_a_villagers_meeting_needs_ten_days_notice(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    held_at = council.clock.now - dt.timedelta(hours=1)
    base: dict[str, Any] = {
        "stage": stage,
        "body": MeetingBody.VILLAGERS,
        "held_at": held_at,
        "by": council.cadre,
        "counts": full_counts(MeetingBody.VILLAGERS, stage, held_at),
    }
    held_on = timezone.localdate(held_at)
    errors = refused(meeting_record, notice_given_on=held_on - dt.timedelta(days=9), **base)
    assert "notice_given_on" in errors and "第二十一条" in errors["notice_given_on"][0]
    assert "notice_given_on" in refused(meeting_record, **base)
    meeting = meeting_record(notice_given_on=held_on - dt.timedelta(days=10), **base)
    assert meeting.passed


def test_a_representative_meeting_needs_no_notice(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    held_at = council.clock.now - dt.timedelta(hours=1)
    meeting = meeting_record(
        stage=stage,
        body=MeetingBody.REPRESENTATIVES,
        held_at=held_at,
        by=council.cadre,
        counts={"present": 5, "yes": 3},
    )
    assert meeting.passed and meeting.notice_given_on is None


def test_a_meeting_dated_before_the_previous_stage_meeting_is_refused(council):
    matter = new_matter(council)
    first = hold(council, current_stage(matter))
    errors = refused(
        hold, council, current_stage(matter), held_at=first.held_at - dt.timedelta(minutes=1)
    )
    assert "held_at" in errors
    assert hold(council, current_stage(matter), held_at=first.held_at).passed


def test_a_meeting_held_again_is_not_dated_before_the_failed_one(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    failed = hold(council, stage, present=1, yes=1)
    errors = refused(hold, council, stage, held_at=failed.held_at - dt.timedelta(minutes=1))
    assert "held_at" in errors


def test_a_record_entered_more_than_48_hours_late_is_labelled(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    clock = council.clock
    on_time = meeting_record(
        stage=stage,
        body=MeetingBody.BRANCH_COMMITTEE,
        held_at=clock.now - dt.timedelta(hours=48),
        by=council.cadre,
        counts={"present": 3, "yes": 1},
    )
    assert not on_time.late and not on_time.passed
    late = meeting_record(
        stage=stage,
        body=MeetingBody.BRANCH_COMMITTEE,
        held_at=clock.now - dt.timedelta(hours=48, seconds=-1),
        by=council.cadre,
        counts={"present": 3, "yes": 3},
    )
    assert not late.late
    matter2 = new_matter(council)
    really_late = meeting_record(
        stage=current_stage(matter2),
        body=MeetingBody.BRANCH_COMMITTEE,
        held_at=clock.now - dt.timedelta(hours=48, seconds=1),
        by=council.cadre,
        counts={"present": 3, "yes": 3},
    )
    assert really_late.late and really_late.recorded_at == clock.now


def test_the_meeting_day_is_the_local_one(council, make_person):
    """At 07:00 in Shanghai it is still the day before in UTC: a villager whose 18th birthday
    is that local day is on the roll."""
    council.clock.set(at(2025, 6, 1, 6))
    adult = born(make_person, name="刚成年", birth=dt.date(2007, 6, 12))
    council.clock.set(at(2025, 6, 12, 6))
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    council.clock.set(at(2025, 6, 12, 9))
    meeting = hold(council, stage, MeetingBody.VILLAGERS, held_at=at(2025, 6, 12, 7))
    assert meeting.roll_adults == 14
    assert meeting.roll.filter(person=adult).exists()


def test_a_naive_time_is_taken_as_local(council):
    matter = new_matter(council)
    naive = dt.datetime(2025, 6, 10, 11, 0)  # noqa: DTZ001 (as a form may give it)
    meeting = meeting_record(
        stage=current_stage(matter),
        body=MeetingBody.BRANCH_COMMITTEE,
        held_at=naive,
        by=council.cadre,
        counts={"present": 3, "yes": 3},
    )
    assert meeting.held_at == at(2025, 6, 10, 11)
    assert "held_at" in refused(
        meeting_record,
        stage=current_stage(matter),
        body=MeetingBody.TWO_COMMITTEES,
        held_at=dt.datetime(2025, 6, 10, 12, 30),  # noqa: DTZ001
        by=council.cadre,
        counts={"present": 5, "yes": 5},
    )


def test_a_scheduled_meeting_is_recorded_as_the_body_announced(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    held_at = council.clock.now + dt.timedelta(hours=2)
    scheduled = meeting_schedule(
        stage=stage, body=MeetingBody.REPRESENTATIVES, held_at=held_at, by=council.cadre
    )
    council.clock.tick(hours=3)
    errors = refused(
        meeting_record,
        stage=stage,
        body=MeetingBody.VILLAGERS,
        held_at=held_at,
        meeting=scheduled,
        by=council.cadre,
        counts=full_counts(MeetingBody.VILLAGERS, stage, held_at),
        notice_given_on=dt.date(2025, 5, 1),
    )
    assert "body" in errors and "村民代表会议" in errors["body"][0]


def test_an_objection_lodged_after_a_failed_meeting_holds_its_override(council):
    matter = new_matter(council)
    proposal = current_stage(matter)
    hold(council, proposal)
    stage = current_stage(matter)
    failed = hold(council, stage, present=2, yes=2)
    meeting_override_request(meeting=failed, reason="委员外出，电话表示同意", by=council.cadre)
    objection = review_record(
        stage=proposal, verdict="objection", reason="提议未经支委会讨论", by=council.supervisor
    )
    assert "stage" in refused(meeting_override_confirm, meeting=failed, by=council.second)
    review_answer(review=objection, answer="已补开支委会并附纪要", by=council.cadre)
    assert meeting_override_confirm(meeting=failed, by=council.second).overridden


def test_per_person_attendance_and_votes(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    roll = roll_for(MeetingBody.BRANCH_COMMITTEE, council.tree.village, NOW.date())
    a, b, c = roll.persons
    base: dict[str, Any] = {
        "stage": stage,
        "body": MeetingBody.BRANCH_COMMITTEE,
        "held_at": council.clock.now - dt.timedelta(hours=1),
        "by": council.cadre,
    }
    stranger = council.world.spouse.pk
    assert "attendance" in refused(
        meeting_record, attendance={stranger: (Attendance.PRESENT, Vote.YES, "")}, **base
    )
    assert "attendance" in refused(
        meeting_record, attendance={a: (Attendance.EXCUSED, "", " ")}, **base
    )
    assert "votes" in refused(
        meeting_record, attendance={a: (Attendance.ABSENT, Vote.YES, "")}, **base
    )
    meeting = meeting_record(
        attendance={
            a: (Attendance.PRESENT, Vote.YES, ""),
            b: (Attendance.PRESENT, Vote.YES, ""),
            c: (Attendance.EXCUSED, "", "外出务工"),
        },
        **base,
    )
    assert (meeting.present, meeting.yes, meeting.excused) == (2, 2, 1)
    assert meeting.passed
    entries = {e.person_id: e for e in RollEntry.objects.filter(meeting=meeting)}
    assert entries[a].vote == Vote.YES and entries[c].excuse == "外出务工"
    assert entries[c].attendance == Attendance.EXCUSED


def test_the_roll_is_frozen_with_the_record(council, make_person):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    meeting = hold(council, stage, MeetingBody.VILLAGERS, present_adults=7, present=7, yes=4)
    assert meeting.passed and meeting.roll_adults == 13
    newcomer = born(make_person, name="新来的", birth=dt.date(1990, 1, 1))
    day = timezone.localdate(meeting.held_at)
    assert newcomer.pk in roll_for(MeetingBody.VILLAGERS, council.tree.village, day).persons
    meeting.refresh_from_db()
    assert meeting.roll_adults == 13 and meeting.passed
    assert not meeting.roll.filter(person=newcomer).exists()
    assert meeting.roll.filter(role="member").count() == 13


def test_the_party_review_quorum_is_a_rule(council, settings):
    matter = new_matter(council)
    # The proposal by the party assembly keeps the regulations' quorum: 3 of 5 is enough.
    proposal = hold(council, current_stage(matter), MeetingBody.PARTY_ASSEMBLY, present=3, yes=3)
    assert proposal.passed
    stage = run_until(council, matter, StageKind.PARTY_REVIEW)
    settings.GRIDGOV_RULES = {"decisions.party_review_quorum": [2, 3]}
    # 3 of 5 is more than half but less than two thirds.
    short = hold(council, stage, present=3, yes=3)
    assert not short.quorum and not short.passed
    assert "decisions.party_review_quorum" in short.citation
    enough = hold(council, stage, present=4, yes=3)
    assert enough.quorum and enough.passed


def test_scheduling_a_meeting_announces_it_ahead(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    clock = council.clock
    held_at = clock.now + dt.timedelta(days=10)
    errors = refused(
        meeting_schedule,
        stage=stage,
        body=MeetingBody.VILLAGERS,
        held_at=held_at - dt.timedelta(days=1),
        by=council.cadre,
    )
    assert "notice_given_on" in errors
    assert "notice_given_on" in refused(
        meeting_schedule,
        stage=stage,
        body=MeetingBody.VILLAGERS,
        held_at=held_at,
        notice_given_on=clock.now.date() + dt.timedelta(days=1),
        by=council.cadre,
    )
    assert "body" in refused(
        meeting_schedule,
        stage=stage,
        body=MeetingBody.PARTY_ASSEMBLY,
        held_at=held_at,
        by=council.cadre,
    )
    scheduled = meeting_schedule(
        stage=stage, body=MeetingBody.VILLAGERS, held_at=held_at, place="村礼堂", by=council.cadre
    )
    assert scheduled.status == MeetingStatus.SCHEDULED
    assert scheduled.notice_given_on == clock.now.date()
    clock.set(held_at + dt.timedelta(hours=3))
    meeting = meeting_record(
        stage=stage,
        body=MeetingBody.VILLAGERS,
        held_at=held_at,
        by=council.cadre,
        meeting=scheduled,
        counts=full_counts(MeetingBody.VILLAGERS, stage, held_at),
    )
    assert meeting.pk == scheduled.pk and meeting.passed
    assert meeting.place == "村礼堂"
    assert Meeting.objects.filter(stage=stage).count() == 1
    assert "stage" in refused(
        meeting_record,
        stage=stage,
        body=MeetingBody.VILLAGERS,
        held_at=held_at,
        by=council.cadre,
        meeting=scheduled,
        counts=full_counts(MeetingBody.VILLAGERS, stage, held_at),
    )


# -- Supervision -----------------------------------------------------------------------------


def test_a_stage_not_yet_held_cannot_be_reviewed(council):
    matter = new_matter(council)
    errors = refused(
        review_record, stage=current_stage(matter), verdict="signoff", by=council.supervisor
    )
    assert "stage" in errors


def test_an_objection_needs_a_reason(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    hold(council, stage)
    errors = refused(
        review_record, stage=stage, verdict="objection", reason="  ", by=council.supervisor
    )
    assert "reason" in errors
    assert "verdict" in refused(review_record, stage=stage, verdict="maybe", by=council.supervisor)
    signoff = review_record(stage=stage, verdict="signoff", by=council.supervisor)
    assert not signoff.holds and signoff.answer_due is None


def test_an_unanswered_objection_holds_the_next_stage_until_answered(council):
    matter = new_matter(council)
    proposal = current_stage(matter)
    hold(council, proposal)
    objection = review_record(
        stage=proposal,
        verdict="objection",
        reason="提议未列明资金来源",
        by=council.supervisor,
    )
    assert objection.holds
    assert objection.answer_due == NOW.date() + dt.timedelta(days=7)
    errors = refused(hold, council, current_stage(matter))
    assert "stage" in errors and "第三十二条" in errors["stage"][0]
    assert "answer" in refused(review_answer, review=objection, answer=" ", by=council.cadre)
    answered = review_answer(
        review=objection, answer="资金来源为上级补助，已补充说明", by=council.cadre
    )
    assert not answered.holds
    assert "review" in refused(review_answer, review=objection, answer="再答一次", by=council.cadre)
    assert hold(council, current_stage(matter)).passed


def test_an_objection_on_a_failed_stage_holds_only_later_stages(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    hold(council, stage, present=1, yes=1)
    review_record(stage=stage, verdict="objection", reason="到会人数不足", by=council.supervisor)
    # The stage itself may be held again; the objection holds the stages after it.
    assert hold(council, stage).passed
    assert "stage" in refused(hold, council, current_stage(matter))


def test_an_answer_is_overdue_after_its_due_date(council):
    matter = new_matter(council)
    stage = current_stage(matter)
    hold(council, stage)
    objection = review_record(
        stage=stage, verdict="objection", reason="会议记录不完整", by=council.supervisor
    )
    due = objection.answer_due
    assert not answer_overdue(objection, due)
    assert answer_overdue(objection, due + dt.timedelta(days=1))
    council.clock.set(at(due.year, due.month, due.day) + dt.timedelta(days=1))
    assert answer_overdue(objection)
    review_answer(review=objection, answer="已补全会议记录", by=council.cadre)
    objection.refresh_from_db()
    assert not answer_overdue(objection, due + dt.timedelta(days=30))


def test_the_answer_days_are_a_rule(council, settings):
    settings.GRIDGOV_RULES = {"decisions.supervision_answer_days": 3}
    matter = new_matter(council)
    stage = current_stage(matter)
    hold(council, stage)
    objection = review_record(
        stage=stage, verdict="objection", reason="会议记录不完整", by=council.supervisor
    )
    assert objection.answer_due == NOW.date() + dt.timedelta(days=3)


# -- Amendments ------------------------------------------------------------------------------


def test_an_amendment_changes_only_place_chair_and_summary(council):
    matter = new_matter(council)
    meeting = hold(council, current_stage(matter))
    errors = refused(
        meeting_amend, meeting=meeting, changes={"yes": "2"}, reason="点票有误", by=council.cadre
    )
    assert "yes" in errors
    assert "present" in refused(
        meeting_amend,
        meeting=meeting,
        changes={"present": "2", "summary": "x"},
        reason="点票有误",
        by=council.cadre,
    )
    assert "reason" in refused(
        meeting_amend, meeting=meeting, changes={"chair": "乙"}, reason=" ", by=council.cadre
    )
    assert "changes" in refused(
        meeting_amend,
        meeting=meeting,
        changes={"chair": "主持人甲"},
        reason="核对",
        by=council.cadre,
    )
    assert "changes" in refused(
        meeting_amend, meeting=meeting, changes={}, reason="核对", by=council.cadre
    )


def test_amendments_apply_in_order_and_leave_the_record_unchanged(council):
    matter = new_matter(council)
    meeting = hold(council, current_stage(matter))
    first = meeting_amend(
        meeting=meeting,
        changes={"chair": "主持人乙", "summary": "第一次更正"},
        reason="主持人记错",
        by=council.cadre,
    )
    assert first.changes == {
        "chair": ["主持人甲", "主持人乙"],
        "summary": ["会议纪要原文", "第一次更正"],
    }
    council.clock.tick(minutes=1)
    second = meeting_amend(
        meeting=meeting, changes={"summary": "第二次更正"}, reason="补充纪要", by=council.second
    )
    assert second.changes == {"summary": ["第一次更正", "第二次更正"]}
    assert effective_record(meeting) == {
        "place": "村委会议室",
        "chair": "主持人乙",
        "summary": "第二次更正",
    }
    meeting.refresh_from_db()
    assert (meeting.chair, meeting.summary) == ("主持人甲", "会议纪要原文")


def test_a_meeting_not_yet_recorded_is_not_amended(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.RESOLUTION)
    scheduled = meeting_schedule(
        stage=stage,
        body=MeetingBody.REPRESENTATIVES,
        held_at=council.clock.now + dt.timedelta(days=1),
        by=council.cadre,
    )
    assert "meeting" in refused(
        meeting_amend,
        meeting=scheduled,
        changes={"place": "新地点"},
        reason="改地点",
        by=council.cadre,
    )


# -- Scoping ---------------------------------------------------------------------------------


def test_another_village_does_not_see_the_matters(council):
    matter = new_matter(council)
    outsider = council.world.outsider
    assert not Matter.objects.restrict(outsider, "view").filter(pk=matter.pk).exists()
    assert Matter.objects.restrict(council.cadre, "view").filter(pk=matter.pk).exists()
    assert list(matter_list(Matter.objects.restrict(outsider, "view"))) == []
    mine = matter_list(Matter.objects.restrict(council.cadre, "view"), q="硬底化")
    assert list(mine) == [matter]
    assert list(matter_list(Matter.objects.restrict(council.cadre), kind="projects")) == [matter]
    assert list(matter_list(Matter.objects.restrict(council.cadre), status="done")) == []


# -- Two cadres at once ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_records_of_one_stage_at_once_pass_it_once(council):
    import threading

    from django.db import connection

    from gridgov.core.audit import audit_verify
    from gridgov.core.context import Source, actor_context

    matter = new_matter(council)
    stage = current_stage(matter)
    held_at = council.clock.now - dt.timedelta(hours=1)
    barrier = threading.Barrier(3)
    outcomes: list[object] = []

    def record(by: Any) -> None:
        with actor_context(source=Source.SYSTEM):
            barrier.wait()
            try:
                outcomes.append(
                    meeting_record(
                        stage=stage,
                        body=MeetingBody.BRANCH_COMMITTEE,
                        held_at=held_at,
                        by=by,
                        counts={"present": 3, "yes": 3},
                    )
                )
            except Exception as exc:  # reported below; a thread's exception would be lost
                outcomes.append(exc)
        connection.close()

    users = (council.cadre, council.second, council.cadre)
    threads = [threading.Thread(target=record, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    recorded = [o for o in outcomes if isinstance(o, Meeting)]
    refusals = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(recorded) == 1 and len(refusals) == 2, outcomes
    assert all("stage" in r.message_dict for r in refusals)
    assert Meeting.objects.filter(stage__matter=matter).count() == 1
    assert statuses(matter)[:2] == [StageStatus.PASSED, StageStatus.OPEN]
    assert audit_verify().ok
