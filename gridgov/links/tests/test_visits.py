"""Visits and their rules: 补记 at its exact boundary, no future visits, recalls, event tasks
(四必到) and their deadlines, a visit becoming a matter, appraisals at the scale's ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.cases.models import Category, Channel
from gridgov.core.models import AuditEntry
from gridgov.links.models import (
    Appraisal,
    EventKind,
    HouseholdEvent,
    Linker,
    TaskReason,
    TaskStatus,
    VisitKind,
    VisitTask,
)
from gridgov.links.periods import appraisal_period, appraisal_period_bounds, period_bounds
from gridgov.links.services import link_create, linker_update
from gridgov.links.visits import (
    appraisal_record,
    household_event_record,
    visit_kinds_for,
    visit_record,
    visit_to_matter,
)
from gridgov.people.services import household_update

pytestmark = pytest.mark.django_db


@dataclass
class Team:
    linker: Linker
    user: object  # the linker's account (联户党员 at the micro-grid)
    cadre: object  # a village cadre
    town: object  # a town cadre
    household: object  # linked to ``linker``


@pytest.fixture
def team(linking, make_user):
    world = linking.world
    user = make_user(Role.LINKED_MEMBER, world.tree.microgrid)
    linker_update(linker=linking.member, data={"user": user}, by=None)
    household = linking.households[0]
    link_create(linker=linking.member, household=household, by=None)
    return Team(
        linker=linking.member,
        user=user,
        cadre=world.cadre,
        town=make_user(Role.TOWN_CADRE, world.tree.town),
        household=household,
    )


def record(team, **kw):
    kw.setdefault("household", team.household)
    kw.setdefault("by", team.user)
    kw.setdefault("outcome", "met")
    return visit_record(**kw)


def test_late_entry_boundary_exactly_48h_is_on_time_one_second_more_is_late(team, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)
    on_time = record(team, visited_at=now - dt.timedelta(hours=48))
    late = record(team, visited_at=now - dt.timedelta(hours=48, seconds=1))
    assert on_time.late_entry is False
    assert late.late_entry is True
    assert on_time.recorded_at == now


def test_the_late_entry_delay_is_a_rule(team, settings):
    settings.GRIDGOV_RULES = {"links.visit.late_entry_hours": 1}
    visit = record(team, visited_at=timezone.now() - dt.timedelta(hours=2))
    assert visit.late_entry is True


def test_a_visit_in_the_future_is_refused_and_nothing_is_stored(team):
    with pytest.raises(ValidationError) as refused:
        record(team, visited_at=timezone.now() + dt.timedelta(minutes=5))
    assert "visited_at" in refused.value.message_dict
    assert not team.household.visits.exists()


def test_the_kind_follows_the_visitor(team):
    assert visit_kinds_for(team.user) == (VisitKind.LINK_TALK, [VisitKind.LINK_TALK])
    assert visit_kinds_for(team.cadre)[0] == VisitKind.VILLAGE_GRID
    assert visit_kinds_for(team.town)[0] == VisitKind.TOWN_STAY
    assert record(team).kind == VisitKind.LINK_TALK
    assert record(team, by=team.town).kind == VisitKind.TOWN_STAY
    with pytest.raises(ValidationError) as refused:
        record(team, kind=VisitKind.RETURN_HOME)
    assert "kind" in refused.value.message_dict


def test_helps_outcome_and_point_are_checked(team):
    with pytest.raises(ValidationError) as refused:
        record(team, helps=["policy", "magic"])
    assert "helps" in refused.value.message_dict
    with pytest.raises(ValidationError):
        record(team, outcome="maybe")
    with pytest.raises(ValidationError) as refused:
        record(team, lat=23.0, lng=None)
    assert "lat" in refused.value.message_dict
    visit = record(
        team, helps=["law", "policy", "law"], lat=23.0, lng=113.1, suggestions="修路\n\n装灯"
    )
    assert visit.helps == ["policy", "law"]
    assert visit.suggestions_count == 2
    assert visit.linker == team.linker


def test_a_household_out_of_the_visitors_scope_is_refused(team, world):
    with pytest.raises(PermissionDenied):
        record(team, household=world.other_household)


def test_not_at_home_gives_a_recall_task_due_in_the_rule_days(team):
    visit = record(team, outcome="not_home")
    task = VisitTask.objects.get(household=team.household, reason=TaskReason.RECALL)
    assert task.linker == team.linker
    assert task.due_on == timezone.localtime(visit.visited_at).date() + dt.timedelta(days=7)
    assert task.status == TaskStatus.OPEN
    met = record(team)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert met.task == task


def test_a_cadres_visit_leaves_the_linkers_task_open(team):
    record(team, outcome="not_home")
    record(team, by=team.cadre)
    assert VisitTask.objects.get(reason=TaskReason.RECALL).status == TaskStatus.OPEN


@pytest.mark.parametrize(
    ("kind", "days"),
    [("death", 2), ("hospital", 7), ("dibao", 15), ("monitoring", 15), ("disaster", 1)],
)
def test_an_event_gives_the_linker_a_task_with_the_kinds_deadline(team, kind, days):
    occurred = timezone.localdate() - dt.timedelta(days=1)
    event = household_event_record(
        household=team.household, kind=kind, occurred_on=occurred, note="", by=team.user
    )
    task = event.tasks.get()
    assert task.linker == team.linker
    assert task.reason == TaskReason.EVENT
    assert task.due_on == occurred + dt.timedelta(days=days)


def test_an_event_of_an_unlinked_household_is_unassigned(team, linking):
    household = linking.households[5]
    event = household_event_record(
        household=household,
        kind=EventKind.HOSPITAL,
        occurred_on=timezone.localdate(),
        note="县医院",
        by=team.cadre,
    )
    task = event.tasks.get()
    assert task.linker is None
    assert task.grid_path == household.grid_path
    # Anyone's met visit fulfils an unassigned task.
    record(team, household=household, by=team.cadre)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_an_event_in_the_future_or_of_unknown_kind_is_refused(team):
    with pytest.raises(ValidationError) as refused:
        household_event_record(
            household=team.household,
            kind="death",
            occurred_on=timezone.localdate() + dt.timedelta(days=1),
            by=team.user,
        )
    assert "occurred_on" in refused.value.message_dict
    with pytest.raises(ValidationError):
        household_event_record(
            household=team.household, kind="party", occurred_on=timezone.localdate(), by=team.user
        )
    assert not HouseholdEvent.objects.exists()


def test_a_household_newly_dibao_or_monitored_gets_its_event(team):
    household = team.household
    household_update(household=household, data={"is_dibao": True}, by=None)
    household_update(household=household, data={"monitoring_type": "marginal"}, by=None)
    household_update(household=household, data={"address": "新地址"}, by=None)
    kinds = sorted(
        HouseholdEvent.objects.filter(household=household).values_list("kind", flat=True)
    )
    assert kinds == ["dibao", "monitoring"]
    assert VisitTask.objects.filter(household=household, reason=TaskReason.EVENT).count() == 2
    # Already 低保: saving it again is no new event.
    household_update(household=household, data={"is_dibao": True}, by=None)
    assert HouseholdEvent.objects.filter(household=household).count() == 2


def test_an_event_task_is_not_fulfilled_by_a_visit_before_the_event(team):
    household_event_record(
        household=team.household, kind="hospital", occurred_on=timezone.localdate(), by=team.user
    )
    record(team, visited_at=timezone.now() - dt.timedelta(days=2))
    assert VisitTask.objects.get(reason=TaskReason.EVENT).status == TaskStatus.OPEN
    record(team)
    assert VisitTask.objects.get(reason=TaskReason.EVENT).status == TaskStatus.DONE


def test_a_visit_becomes_a_matter_linked_to_it(team):
    visit = record(team, lat=23.0, lng=113.1)
    category = Category.objects.filter(is_active=True).first()
    matter = visit_to_matter(
        visit=visit, by=team.user, category=category, title="路灯", description="村口路灯不亮"
    )
    visit.refresh_from_db()
    assert visit.matter == matter
    assert matter.channel == Channel.VISIT
    assert matter.household == team.household
    assert matter.description == "路灯：村口路灯不亮"
    assert matter.reporter_user == team.user
    with pytest.raises(ValidationError):
        visit_to_matter(visit=visit, by=team.user, category=category, title="", description="再转")
    assert AuditEntry.objects.filter(action="matter.create").exists()


# -- appraisals ---------------------------------------------------------------------------------


def test_periods():
    assert period_bounds(dt.date(2026, 5, 17), "month") == (
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 31),
    )
    assert period_bounds(dt.date(2026, 12, 31), "quarter") == (
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert appraisal_period(dt.date(2026, 7, 1)) == "2026H2"
    assert appraisal_period_bounds("2026H1") == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    for wrong in ("2026H3", "2026Q1", "26H1", "2026"):
        with pytest.raises(ValidationError):
            appraisal_period_bounds(wrong)


def test_appraisal_scale_ends_are_accepted_and_one_beyond_refused(team, linking):
    period = appraisal_period(timezone.localdate())
    for score in (0, 6):
        with pytest.raises(ValidationError) as refused:
            appraisal_record(
                household=team.household,
                linker=team.linker,
                period=period,
                score=score,
                by=team.cadre,
            )
        assert "score" in refused.value.message_dict
    assert (
        appraisal_record(
            household=team.household, linker=team.linker, period=period, score=1, by=team.cadre
        ).score
        == 1
    )
    other = linking.households[1]
    link_create(linker=team.linker, household=other, by=None)
    assert (
        appraisal_record(
            household=other, linker=team.linker, period=period, score=5, by=team.cadre
        ).score
        == 5
    )


def test_one_appraisal_per_household_per_period(team):
    period = appraisal_period(timezone.localdate())
    appraisal_record(
        household=team.household, linker=team.linker, period=period, score=4, by=team.cadre
    )
    with pytest.raises(ValidationError) as refused:
        appraisal_record(
            household=team.household, linker=team.linker, period=period, score=5, by=team.cadre
        )
    assert "period" in refused.value.message_dict
    assert Appraisal.objects.count() == 1
    # The score stays out of the audit log.
    entry = AuditEntry.objects.filter(object_type="links.appraisal").get()
    assert "score" not in (entry.after or {})


def test_appraisal_of_a_linker_who_never_linked_the_household_is_refused(team, linking):
    period = appraisal_period(timezone.localdate())
    with pytest.raises(ValidationError) as refused:
        appraisal_record(
            household=linking.households[3],
            linker=team.linker,
            period=period,
            score=3,
            by=team.cadre,
        )
    assert "linker" in refused.value.message_dict


def test_a_linker_may_not_appraise_themself(team):
    period = appraisal_period(timezone.localdate())
    with pytest.raises((ValidationError, PermissionDenied)):
        appraisal_record(
            household=team.household, linker=team.linker, period=period, score=5, by=team.user
        )


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ("2026H1", "2026年上半年"),
        ("2026H2", "2026年下半年"),
        ("2026Q3", "2026年第3季度"),
        ("2026-07", "2026年7月"),
        ("2026", "2026年"),
        ("乱写", "乱写"),
    ],
)
def test_appraisal_periods_read_as_residents_say_them(period, label):
    from gridgov.links.periods import appraisal_period_label

    assert appraisal_period_label(period) == label
