"""Measures per node and period, the overdue list, and duplicates offered for merging."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.cases import services as s
from gridgov.cases.models import Category, Matter
from gridgov.cases.selectors import (
    Measures,
    duplicate_candidates,
    matter_measures,
    overdue_list,
    public_timeline,
)

from .fixtures import INSIDE_B, LAT0, LNG0

pytestmark = pytest.mark.django_db


def period():
    now = timezone.now()
    return {"start": now - dt.timedelta(days=1), "end": now + dt.timedelta(days=1)}


def settle(matter, user):
    return s.matter_settle(matter=s.matter_sign(matter=matter, user=user), user=user, answer="好")


def test_measures_count_where_matters_were_settled(new_matter, staff, grid):
    settle(new_matter(), staff.worker)  # in the grid
    up = s.matter_escalate(matter=new_matter(), user=staff.worker, reason="组里")
    settle(up, staff.group_leader)  # in the group: still inside the grid tier
    up = new_matter()
    for user in (staff.worker, staff.group_leader):
        up = s.matter_escalate(matter=up, user=user, reason="上报")
    settle(up, staff.village)  # in the village
    up = new_matter()
    for user in (staff.worker, staff.group_leader, staff.village):
        up = s.matter_escalate(matter=up, user=user, reason="上报")
    settle(up, staff.town)  # left the village
    open_late = new_matter()
    Matter.objects.filter(pk=open_late.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    new_matter(lat=INSIDE_B[0], lng=INSIDE_B[1])  # the other village

    m = matter_measures(staff.county, node=grid.town, **period())
    assert (m.received, m.settled, m.open, m.overdue_open) == (6, 4, 2, 1)
    assert m.in_grid_rate == 50.0  # 2 of 4
    assert m.in_village_rate == 75.0  # 3 of 4
    assert m.answered_rate == 80.0  # 4 answered of 5 due (4 settled + 1 overdue)
    assert m.on_time_rate == 100.0 and m.avg_hours is not None
    assert [(c.code, c.received) for c in m.children] == [
        (grid.village.code, 5),
        (grid.other_village.code, 1),
    ]
    mine = matter_measures(staff.worker, node=grid.town, **period())
    assert mine.received == 5  # the worker sees only its own subtree


def test_rates_are_none_without_a_denominator():
    assert Measures(code="x").answered_rate is None


def test_satisfaction_rate(new_matter, staff, grid):
    for verdict in ("satisfied", "basic", "unsatisfied"):
        s.matter_review(matter=settle(new_matter(), staff.worker), satisfaction=verdict)
    assert matter_measures(staff.village, node=grid.village, **period()).satisfaction_rate == 66.7


def test_overdue_list_oldest_first_and_scoped(new_matter, staff):
    first, second = new_matter(), new_matter()
    now = timezone.now()
    Matter.objects.filter(pk=first.pk).update(deadline=now - dt.timedelta(days=2))
    Matter.objects.filter(pk=second.pk).update(deadline=now - dt.timedelta(days=1))
    assert list(overdue_list(staff.village)) == [first, second]
    assert list(overdue_list(staff.other_village)) == []


def test_duplicates_by_distance_category_and_window(new_matter, staff):
    base = new_matter(lat=LAT0 + 0.005, lng=LNG0 + 0.005)
    near = new_matter(lat=LAT0 + 0.0055, lng=LNG0 + 0.005)  # ≈ 55 m
    new_matter(lat=LAT0 + 0.008, lng=LNG0 + 0.005)  # ≈ 330 m: too far
    new_matter(lat=LAT0 + 0.005, lng=LNG0 + 0.005, category=Category.objects.get(code="safety"))
    old = new_matter(lat=LAT0 + 0.005, lng=LNG0 + 0.0051)
    Matter.objects.filter(pk=old.pk).update(received_at=base.received_at - dt.timedelta(days=30))
    assert [(m.pk, d) for m, d in duplicate_candidates(base, user=staff.worker)] == [(near.pk, 56)]


def test_same_household_is_a_duplicate_candidate(new_matter, make_household, staff):
    household = make_household()
    first = new_matter(household=household)
    second = new_matter(household=household)
    assert [m for m, _ in duplicate_candidates(second, user=staff.worker)] == [first]


def test_public_timeline_holds_no_staff_or_internal_note(new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    s.matter_return(matter=matter, user=staff.worker, reason="内部原因：张三不配合")
    events = public_timeline(matter)
    assert [e.action for e in events] == ["create", "sign", "return"]
    assert all(e.actor_label == "一组1号微网格" for e in events)
    # Neither the internal note nor the actor is loaded for the public timeline.
    assert {"note", "actor_id"}.isdisjoint(events[-1].__dict__)


def test_duplicates_only_among_what_the_user_sees(new_matter, staff):
    base = new_matter(lat=LAT0 + 0.005, lng=LNG0 + 0.0099)
    beyond = new_matter(lat=LAT0 + 0.005, lng=LNG0 + 0.0101)  # ≈ 20 m, but in village B
    assert beyond.grid_path != base.grid_path
    assert duplicate_candidates(base, user=staff.worker) == []
    assert [m for m, _ in duplicate_candidates(base, user=staff.town)] == [beyond]
