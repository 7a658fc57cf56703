"""Compliance figures on a small fixture, and appraisal aggregates hidden below the minimum."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.cases.models import Category
from gridgov.cases.services import matter_act
from gridgov.links.compliance import compliance, overdue_tasks
from gridgov.links.models import Appraisal, TaskReason, VisitTask
from gridgov.links.periods import appraisal_period, period_bounds
from gridgov.links.services import link_create, linker_update
from gridgov.links.visit_selectors import appraisal_figures
from gridgov.links.visits import (
    appraisal_record,
    household_event_record,
    visit_record,
    visit_to_matter,
)

pytestmark = pytest.mark.django_db


def test_compliance_figures(linking, make_user, world):
    tree = world.tree
    user = make_user(Role.LINKED_MEMBER, tree.microgrid)
    linker_update(linker=linking.member, data={"user": user}, by=None)
    h = linking.households
    for household in h[:4]:
        link_create(linker=linking.member, household=household, by=None)
    today = timezone.localdate()
    quarter_end = period_bounds(today, "quarter")[1]
    # Four routine tasks due at the end of the quarter; one overdue event task from long ago
    # is made by hand, one unassigned task of an unlinked household.
    for household in h[:4]:
        VisitTask.objects.create(
            household=household,
            linker=linking.member,
            grid_path=household.grid_path,
            reason=TaskReason.ROUTINE,
            due_on=quarter_end,
        )
    VisitTask.objects.create(
        household=h[0],
        linker=linking.member,
        grid_path=h[0].grid_path,
        reason=TaskReason.RECALL,
        due_on=today - dt.timedelta(days=40),
    )
    household_event_record(
        household=h[6], kind="disaster", occurred_on=today - dt.timedelta(days=3), by=world.cadre
    )
    # Visits: two met (one late), one not at home; a cadre's visit with a need that is settled.
    visit_record(household=h[1], by=user, outcome="met", suggestions="修路\n装灯")
    visit_record(
        household=h[2], by=user, outcome="met", visited_at=timezone.now() - dt.timedelta(days=3)
    )
    visit_record(household=h[3], by=user, outcome="not_home")
    cadre_visit = visit_record(household=h[5], by=world.cadre, outcome="met", suggestions="排水")
    matter = visit_to_matter(
        visit=cadre_visit,
        by=world.cadre,
        category=Category.objects.filter(is_active=True).first(),
        description="排水沟堵塞",
    )
    matter = matter_act(matter=matter, user=world.cadre, action="sign")
    matter_act(matter=matter, user=world.cadre, action="settle", answer="已疏通")

    start, end = today - dt.timedelta(days=30), quarter_end + dt.timedelta(days=7)
    result = compliance(tree.village, start=start, end=end)
    # Tasks due in the window: 4 routine + 1 event + 1 recall (not home) = 6; the recall
    # task from 40 days ago is outside the window but overdue.
    assert result.total.due == 6
    assert result.total.done == 2  # routine tasks of h[1] and h[2]
    assert result.total.overdue == 2  # the old recall and the disaster (due 2 days ago)
    assert result.total.visits == 4
    assert result.total.late == 1
    f = result.figures
    assert (f.visitors, f.households, f.visits, f.suggestions, f.matters, f.solved) == (
        2,
        3,
        4,
        3,
        1,
        1,
    )
    assert [c.key for c in result.children] == [tree.group.code]
    assert result.children[0].due == 6
    assert result.children[0].visits == 4
    [mine] = result.linkers
    assert mine.label == "王联户"
    assert (mine.due, mine.done, mine.overdue, mine.visits, mine.late) == (5, 2, 1, 3, 1)
    assert result.unassigned.overdue == 1
    overdue = list(overdue_tasks(VisitTask.objects.all(), tree.village))
    assert [t.reason for t in overdue] == ["recall", "event"]
    assert overdue[1].linker is None
    # The other village sees none of it.
    other = compliance(tree.other_village, start=start, end=end)
    assert other.total.due == other.total.visits == 0


def test_appraisal_aggregates_are_hidden_below_the_minimum(linking, world, settings):
    period = appraisal_period(timezone.localdate())
    h = linking.households
    for household in h[:3]:
        link_create(linker=linking.member, household=household, by=None)
    appraisal_record(household=h[0], linker=linking.member, period=period, score=5, by=world.cadre)
    appraisal_record(household=h[1], linker=linking.member, period=period, score=4, by=world.cadre)
    [figure] = appraisal_figures(Appraisal.objects.all())
    assert figure.answers == 2
    assert figure.hidden and figure.mean is None
    appraisal_record(household=h[2], linker=linking.member, period=period, score=3, by=world.cadre)
    [figure] = appraisal_figures(Appraisal.objects.all())
    assert (figure.answers, figure.mean, figure.label) == (3, 4.0, "王联户")
    [grid] = appraisal_figures(Appraisal.objects.all(), by="grid")
    assert grid.mean == 4.0
    settings.GRIDGOV_RULES = {"links.appraisal.min_shown": 4}
    assert appraisal_figures(Appraisal.objects.all())[0].hidden
