"""Asking the households before deciding (征求意见; ``decisions.solicitations``): one task per
household of the matter's place, held by its micro-grid's party group and its linker, answers
recorded once, coverage per micro-grid, and the county's minimum coverage before a stage."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.decisions.models import OpinionChannel, OpinionTask, StageKind, Stance
from gridgov.decisions.solicitations import (
    coverage_by_microgrid,
    matter_coverage,
    opinion_record,
    solicitation_create,
)
from gridgov.decisions.stages import current_stage
from gridgov.decisions.tests.test_rolls import clock_fixture  # noqa: F401
from gridgov.decisions.tests.test_services import (  # noqa: F401
    council_fixture,
    hold,
    new_matter,
    refused,
    run_until,
)
from gridgov.grid.services import grid_node_create
from gridgov.links.models import LinkerKind
from gridgov.links.services import link_create, linker_create
from gridgov.people.models import Household


@pytest.fixture
def second_microgrid(council, make_household):
    """A second group of 平东村 with no party group, and two households in its micro-grid."""
    group = grid_node_create(
        code="440605001201002", name="第二村民小组", parent=council.tree.village, by=None
    )
    microgrid = grid_node_create(
        code="440605001201002001", name="二组1号微网格", parent=group, by=None
    )
    households = [make_household(microgrid) for _ in range(2)]
    return microgrid, households


def ask(council, matter, **kw):
    return solicitation_create(
        matter=matter,
        question=kw.pop("question", "是否同意村道硬底化方案？"),
        closes_on=kw.pop("closes_on", dt.date(2025, 6, 20)),
        by=kw.pop("by", council.cadre),
    )


def answer(council, task, stance=Stance.SUPPORT, **kw):
    return opinion_record(task=task, stance=stance, by=council.cadre, **kw)


def test_one_task_per_household_of_the_place(council, second_microgrid):
    microgrid, _households = second_microgrid
    matter = new_matter(council)
    solicitation = ask(council, matter)
    village = Household.objects.within(council.tree.village.code)
    assert village.count() == 14
    tasks = solicitation.tasks.all()
    assert sorted(t.household_id for t in tasks) == sorted(village.values_list("id", flat=True))
    assert council.world.other_household.pk not in {t.household_id for t in tasks}
    assert {t.microgrid_id for t in tasks} == {council.tree.microgrid.pk, microgrid.pk}
    for task in tasks:
        assert task.grid_path == task.household.grid_path


def test_a_group_matter_asks_only_the_group(council, second_microgrid):
    matter = new_matter(council, "group")
    solicitation = ask(council, matter)
    assert solicitation.tasks.count() == 12
    assert {t.microgrid_id for t in solicitation.tasks.all()} == {council.tree.microgrid.pk}


def test_the_party_group_and_the_linker_hold_the_task_where_they_exist(council, second_microgrid):
    _microgrid, (unlinked_far, linked_far) = second_microgrid
    linker = linker_create(person=council.members[1], kind=LinkerKind.MEMBER, by=None)
    near = council.world.household
    link_create(linker=linker, household=near, by=None)
    link_create(linker=linker, household=linked_far, by=None, cross_grid_reason="邻组亲属")
    solicitation = ask(council, new_matter(council))
    tasks = {t.household_id: t for t in solicitation.tasks.all()}
    # The world's party group sits on the first group: its micro-grid's households are its own.
    assert tasks[near.pk].party_group == council.world.party_group
    assert tasks[near.pk].linker == linker
    assert tasks[linked_far.pk].party_group is None
    assert tasks[linked_far.pk].linker == linker
    assert tasks[unlinked_far.pk].party_group is None and tasks[unlinked_far.pk].linker is None
    others = [t for h, t in tasks.items() if h not in (near.pk, linked_far.pk, unlinked_far.pk)]
    assert all(t.party_group == council.world.party_group and t.linker is None for t in others)


def test_a_party_group_on_the_micro_grid_wins_over_the_group_s(council):
    from gridgov.orgs.models import OrgKind
    from gridgov.orgs.services import party_org_create

    own = party_org_create(
        code="P440605001201001001",
        name="一组1号微网格党小组",
        kind=OrgKind.PARTY_GROUP,
        node=council.tree.microgrid,
        parent=council.world.branch,
        by=None,
    )
    solicitation = ask(council, new_matter(council))
    assert {t.party_group_id for t in solicitation.tasks.all()} == {own.pk}


def test_a_solicitation_is_checked(council):
    matter = new_matter(council)
    assert "question" in refused(ask, council, matter, question=" 好 ")
    assert "closes_on" in refused(ask, council, matter, closes_on=dt.date(2025, 6, 9))
    ask(council, matter, closes_on=dt.date(2025, 6, 10))
    assert "matter" in refused(ask, council, matter)
    council.clock.tick(days=1)
    ask(council, matter)  # the first one closed: a second round may begin


def test_an_answer_is_recorded_once_and_a_suggestion_needs_its_text(council):
    solicitation = ask(council, new_matter(council))
    task, other, third = solicitation.tasks.all()[:3]
    assert "text" in refused(answer, council, task, Stance.SUGGESTION, text="  ")
    assert "stance" in refused(answer, council, task, "maybe")
    assert "channel" in refused(answer, council, task, channel="pigeon")
    answered = answer(council, task, Stance.SUGGESTION, text="路面加宽到4米", channel="phone")
    assert answered.answered_at == council.clock.now and answered.answered_by == council.cadre
    assert answered.channel == OpinionChannel.PHONE
    assert "stance" in refused(answer, council, task, Stance.OPPOSE)
    task.refresh_from_db()
    assert (task.stance, task.text) == (Stance.SUGGESTION, "路面加宽到4米")
    answer(council, other, Stance.OPPOSE)
    council.clock.set(council.clock.now + dt.timedelta(days=11))
    assert "stance" in refused(answer, council, third)  # closed on 20 June


def test_coverage_by_micro_grid(council, second_microgrid):
    _microgrid, (far_one, far_two) = second_microgrid
    matter = new_matter(council)
    solicitation = ask(council, matter)
    tasks = {t.household_id: t for t in solicitation.tasks.all()}
    answer(council, tasks[far_one.pk], Stance.OPPOSE)
    near = [t for h, t in tasks.items() if h not in (far_one.pk, far_two.pk)]
    answer(council, near[0])
    answer(council, near[1])
    answer(council, near[2], Stance.SUGGESTION, text="先修排水沟")
    rows = {row.label: row for row in coverage_by_microgrid(solicitation)}
    assert set(rows) == {"一组1号微网格", "二组1号微网格"}
    first, second = rows["一组1号微网格"], rows["二组1号微网格"]
    assert (first.total, first.answered, first.support, first.suggestion) == (12, 3, 2, 1)
    assert (second.total, second.answered, second.oppose, second.share_text) == (2, 1, 1, "50%")
    overall = matter_coverage(matter)
    assert (overall.total, overall.answered, overall.share_text) == (14, 4, "28%")


def test_micro_grids_of_the_same_name_are_counted_apart(council, make_household):
    group = grid_node_create(
        code="440605001201002", name="第二村民小组", parent=council.tree.village, by=None
    )
    namesake = grid_node_create(
        code="440605001201002001", name="一组1号微网格", parent=group, by=None
    )
    make_household(namesake)
    solicitation = ask(council, new_matter(council))
    rows = coverage_by_microgrid(solicitation)
    assert [(r.label, r.total) for r in rows] == [("一组1号微网格", 12), ("一组1号微网格", 1)]


def test_no_solicitation_has_no_coverage(council):
    coverage = matter_coverage(new_matter(council))
    assert (coverage.total, coverage.answered, coverage.share_text) == (0, 0, "—")


def test_the_minimum_coverage_holds_a_stage_until_reached(council, settings):
    settings.GRIDGOV_RULES = {"decisions.solicitation_min_coverage": {"party_review": 50}}
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.PARTY_REVIEW)
    errors = refused(hold, council, stage)
    assert "stage" in errors and "50%" in errors["stage"][0]
    solicitation = ask(council, matter)
    tasks = list(solicitation.tasks.all())
    assert len(tasks) == 12
    for task in tasks[:5]:
        answer(council, task)
    errors = refused(hold, council, stage)
    assert "stage" in errors and "41%" in errors["stage"][0]
    answer(council, tasks[5], Stance.OPPOSE)  # exactly 50%: an answer against counts too
    assert hold(council, stage).passed
    # The rule names its stage: the resolution is not held by it.
    assert hold(council, current_stage(matter)).passed


def test_the_minimum_coverage_is_off_by_default(council):
    matter = new_matter(council)
    stage = run_until(council, matter, StageKind.PARTY_REVIEW)
    assert hold(council, stage).passed


def test_opinions_are_scoped_to_the_village(council):
    solicitation = ask(council, new_matter(council))
    visible = OpinionTask.objects.restrict(council.world.outsider)
    assert not visible.filter(solicitation=solicitation).exists()
    assert OpinionTask.objects.restrict(council.cadre).filter(solicitation=solicitation).count()
