"""The hot reads kept compiled (core.compiled) give what the plain ORM reads give."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.accounts.permissions import VIEW
from gridgov.cases import services as s
from gridgov.cases import step_runner
from gridgov.cases.models import Matter
from gridgov.cases.selectors import matter_timeline

RELATED = ("category", "grid_node", "handler_node", "assignee")


def _columns(matter: Matter) -> dict:
    return {f.attname: getattr(matter, f.attname) for f in Matter._meta.concrete_fields}


@pytest.mark.django_db
def test_a_steps_read_is_the_orms_read_by_number_within_the_users_scope(new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    by_orm = Matter.objects.for_step().restrict(staff.worker, VIEW).get(pk=matter.pk)
    for who in (staff.worker, staff.county):
        read = step_runner.read(Matter(number=matter.number), who)
        assert _columns(read) == _columns(by_orm)
        with CaptureQueriesContext(connection) as queries:
            assert [getattr(read, r) for r in RELATED] == [getattr(by_orm, r) for r in RELATED]
            assert read.handler_node.name and read.assignee.username
        assert not queries.captured_queries  # read with the matter
    with pytest.raises(Matter.DoesNotExist):  # out of the other grid worker's scope
        step_runner.read(Matter(number=matter.number), staff.other_worker)


@pytest.mark.django_db
def test_the_timeline_is_the_matters_events_in_order_each_with_its_actor(new_matter, staff):
    matter = new_matter()
    matter = s.matter_sign(matter=matter, user=staff.worker)
    matter = s.matter_note(matter=matter, user=staff.worker, public_note="已上门")
    events = matter_timeline(matter)
    expected = list(matter.events.select_related("actor"))
    assert [e.pk for e in events] == [e.pk for e in expected]
    assert [e.action for e in events] == ["create", "sign", "note"]
    with CaptureQueriesContext(connection) as queries:
        assert [e.actor for e in events] == [e.actor for e in expected]
        assert all(e.matter is matter for e in events)
    assert not queries.captured_queries


_EVENT_FIELDS = ("pk", "matter_id", "action", "from_status", "to_status", "actor_id")
_EVENT_FIELDS += ("actor_label", "note", "public_note", "at")


def _event_fields(events) -> list[tuple]:
    return [
        (*(getattr(e, f) for f in _EVENT_FIELDS), e.actor.username if e.actor_id else None)
        for e in events
    ]


@pytest.mark.django_db
def test_a_step_ends_with_the_timeline_a_new_read_gives_without_reading_it(new_matter, staff):
    """The events read with the row, then the step's own: as ``matter_timeline`` reads them
    afterwards, to the microsecond, with the actor's username and the matter itself."""
    matter = new_matter()
    s.matter_sign(matter=matter, user=staff.worker)
    # Quotes, a newline and non-ASCII text travel through the JSON column unchanged.
    s.matter_note(
        matter=Matter(number=matter.number), user=staff.worker, public_note='已"上门"\n查看'
    )
    done = s.matter_settle(matter=Matter(number=matter.number), user=staff.worker, answer="修好了")
    assert [e.action for e in done.timeline] == ["create", "sign", "note", "settle"]
    with CaptureQueriesContext(connection) as queries:
        assert _event_fields(done.timeline) == _event_fields(matter_timeline(done))
        assert all(e.matter is done for e in done.timeline)
    assert len(queries.captured_queries) == 1  # matter_timeline's; the step's were in hand
    assert done.timeline[2].public_note == '已"上门"\n查看'
    # A step by the resident (no user): no actor on its event.
    # A step by the resident (no user) hands back no staff timeline.
    reviewed = s.matter_review(matter=done, satisfaction="satisfied")
    assert not hasattr(reviewed, "timeline")
    assert matter_timeline(reviewed)[-1].action == "review"
