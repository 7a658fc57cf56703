"""Routine visit tasks per ``links.visit.frequency`` and overdue marking, run by ``gridgov tick``."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.links.models import LinkerKind, TaskReason, TaskStatus, VisitTask
from gridgov.links.services import link_create, linker_create, linker_update
from gridgov.links.tasks import links_tick, routine_tasks_generate, tasks_overdue_mark
from gridgov.links.visits import visit_record

pytestmark = pytest.mark.django_db


def test_each_household_gets_one_routine_task_per_quarter_idempotently(linking):
    for household in linking.households[:3]:
        link_create(linker=linking.member, household=household, by=None)
    on = dt.date(2027, 5, 10)
    assert routine_tasks_generate(on=on) == (3, 0)
    assert routine_tasks_generate(on=on) == (0, 0)
    tasks = VisitTask.objects.filter(reason=TaskReason.ROUTINE)
    assert {t.due_on for t in tasks} == {dt.date(2027, 6, 30)}
    assert {t.linker_id for t in tasks} == {linking.member.pk}
    # The next quarter: three more.
    assert routine_tasks_generate(on=dt.date(2027, 7, 1)) == (3, 0)


def test_a_household_visited_in_the_period_gets_its_task_done(linking, make_user):
    user = make_user(Role.LINKED_MEMBER, linking.world.tree.microgrid)
    linker_update(linker=linking.member, data={"user": user}, by=None)
    household = linking.households[0]
    link_create(linker=linking.member, household=household, by=None)
    visit_record(household=household, by=user, outcome="met")
    created, done = routine_tasks_generate()
    assert (created, done) == (1, 1)
    assert VisitTask.objects.get().status == TaskStatus.DONE


def test_group_committee_members_get_five_visits_a_month(world, make_member, linking, settings):
    settings.GRIDGOV_RULES = {"links.capacity": {"group_committee": [1, 20]}}
    linker = linker_create(
        person=make_member(name="组委"), kind=LinkerKind.GROUP_COMMITTEE, by=None
    )
    for household in linking.households[:8]:
        link_create(linker=linker, household=household, by=None)
    on = dt.date(2027, 2, 3)
    assert routine_tasks_generate(on=on) == (5, 0)
    assert routine_tasks_generate(on=on) == (0, 0)
    tasks = VisitTask.objects.filter(linker=linker)
    assert {t.due_on for t in tasks} == {dt.date(2027, 2, 28)}
    assert tasks.values("household").distinct().count() == 5


def test_a_linker_with_fewer_households_than_the_rule_gets_one_task_each(
    world, make_member, linking, settings
):
    settings.GRIDGOV_RULES = {"links.capacity": {"group_committee": [1, 20]}}
    linker = linker_create(person=make_member(name="组委"), kind="group_committee", by=None)
    for household in linking.households[:2]:
        link_create(linker=linker, household=household, by=None)
    assert routine_tasks_generate(on=dt.date(2027, 2, 3)) == (2, 0)


def test_overdue_is_marked_once_the_day_after_the_deadline(linking):
    link_create(linker=linking.member, household=linking.households[0], by=None)
    routine_tasks_generate(on=dt.date(2027, 5, 10))
    assert tasks_overdue_mark(on=dt.date(2027, 6, 30)) == 0  # the deadline day itself
    assert tasks_overdue_mark(on=dt.date(2027, 7, 1)) == 1
    assert tasks_overdue_mark(on=dt.date(2027, 7, 2)) == 0
    assert VisitTask.objects.get().overdue_at is not None


def test_tick_runs_the_links_step(linking):
    link_create(linker=linking.member, household=linking.households[0], by=None)
    out = io.StringIO()
    call_command("tick", stdout=out)
    assert "走访任务：新增 1" in out.getvalue()
    assert VisitTask.objects.filter(reason=TaskReason.ROUTINE).count() == 1
    # Every minute after that the same day: nothing read, nothing made.
    link_create(linker=linking.member, household=linking.households[1], by=None)
    out = io.StringIO()
    call_command("tick", stdout=out)
    assert "走访任务" not in out.getvalue()  # a quiet step prints nothing
    assert VisitTask.objects.filter(reason=TaskReason.ROUTINE).count() == 1
    result = links_tick(on=timezone.localdate() + dt.timedelta(days=100), once_a_day=True)
    assert result.overdue == 1  # the first household's task of this quarter
    assert result.created == 2  # both households' tasks of the next quarter


def test_tasks_follow_the_links(linking):
    from gridgov.links.services import link_end
    from gridgov.links.tasks import tasks_follow_links
    from gridgov.links.visits import household_event_record

    household = linking.households[0]
    link = link_create(linker=linking.member, household=household, by=None)
    routine_tasks_generate(on=dt.date(2027, 5, 10))
    household_event_record(
        household=household, kind="hospital", occurred_on=timezone.localdate(), by=None
    )
    assert tasks_follow_links() == (0, 0)
    link_end(link=link, reason="搬走", by=None)
    link_create(linker=linking.center, household=household, by=None)
    assert tasks_follow_links() == (1, 1)
    routine = VisitTask.objects.get(reason=TaskReason.ROUTINE)
    assert routine.status == TaskStatus.CANCELLED
    event = VisitTask.objects.get(reason=TaskReason.EVENT)
    assert (event.status, event.linker) == (TaskStatus.OPEN, linking.center)
    assert routine_tasks_generate(on=dt.date(2027, 5, 10)) == (1, 0)
