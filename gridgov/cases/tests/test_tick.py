"""``gridgov tick``: warnings, overdue escalation, delivery; idempotent and safe when two run."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gridgov.cases import services as s
from gridgov.cases.models import Matter, MatterEvent, Notification
from gridgov.cases.notify import notifications_deliver
from gridgov.cases.tick import matters_tick
from gridgov.core.context import Source, actor_context
from gridgov.core.models import AuditEntry

pytestmark = pytest.mark.django_db

SENT: list[dict] = []


class FakeChannel:
    """Stands in for the SMS gateway's webhook: records what would be sent."""

    def send(self, payload: dict) -> None:
        SENT.append(payload)


class BrokenChannel:
    def send(self, payload: dict) -> None:
        raise OSError("gateway down")


def test_nothing_due_does_nothing(new_matter):
    new_matter()
    result = matters_tick()
    assert (result.warned, result.escalated, result.overdue_at_top) == (0, 0, 0)


def test_warning_once_before_the_deadline(new_matter, staff):
    matter = new_matter()
    at = matter.warn_at + dt.timedelta(minutes=1)
    assert at < matter.deadline
    assert matters_tick(now=matter.warn_at - dt.timedelta(seconds=1)).warned == 0
    assert matters_tick(now=at).warned == 1
    assert matters_tick(now=at).warned == 0  # idempotent
    warned = Notification.objects.filter(matter=matter, kind="warning")
    assert set(warned.values_list("user_id", flat=True)) == {staff.worker.pk, staff.worker2.pk}


def test_overdue_escalates_one_level_and_restarts_the_clock(new_matter, staff, grid):
    matter = new_matter()
    s.matter_sign(matter=matter, user=staff.worker)
    late = matter.deadline + dt.timedelta(seconds=1)
    assert matters_tick(now=matter.deadline).escalated == 0  # the deadline itself is still in time
    result = matters_tick(now=late)
    assert result.escalated == 1
    matter.refresh_from_db()
    assert matter.handler_node == grid.group and matter.status == "received"
    assert matter.overdue_count == 1 and matter.assignee is None and matter.deadline > late
    assert matters_tick(now=late).escalated == 0
    event = matter.events.get(action="auto_escalate")
    assert "自动上报" in event.public_note
    assert AuditEntry.objects.filter(action="matter.auto_escalate", object_id=str(matter.pk))
    assert Notification.objects.filter(matter=matter, kind="overdue", user=staff.group_leader)


def test_overdue_at_the_top_notifies_and_restarts(new_matter, staff, grid):
    matter = new_matter()
    for user in (staff.worker, staff.group_leader, staff.village, staff.town):
        matter = s.matter_escalate(matter=matter, user=user, reason="上报")
    late = matter.deadline + dt.timedelta(seconds=1)
    result = matters_tick(now=late)
    assert (result.escalated, result.overdue_at_top) == (0, 1)
    matter.refresh_from_db()
    assert matter.handler_node == grid.county and matter.overdue_count == 1
    assert matters_tick(now=late).overdue_at_top == 0


def test_settled_late_is_not_on_time(new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    matters_tick(now=matter.deadline + dt.timedelta(seconds=1))
    matter.refresh_from_db()
    matter = s.matter_sign(matter=matter, user=staff.group_leader)
    matter = s.matter_settle(matter=matter, user=staff.group_leader, answer="好了")
    assert matter.settled_on_time is False and matter.settled_level == "group"


@override_settings(GRIDGOV_NOTIFY_CHANNEL="gridgov.cases.tests.test_tick.FakeChannel")
def test_outbound_channel_sends_each_message_once(new_matter, staff):
    SENT.clear()
    matter = new_matter()
    sent, failed = notifications_deliver()
    assert (sent, failed) == (2, 0)
    assert {p["user"] for p in SENT} == {staff.worker.username, staff.worker2.username}
    assert all(p["matter"] == matter.number for p in SENT)
    assert notifications_deliver() == (0, 0)


@override_settings(GRIDGOV_NOTIFY_CHANNEL="gridgov.cases.tests.test_tick.BrokenChannel")
def test_failed_delivery_is_retried_then_given_up(new_matter):
    new_matter()
    for _ in range(5):
        assert notifications_deliver() == (0, 2)
    assert notifications_deliver() == (0, 0)
    states = set(Notification.objects.values_list("delivery", "delivery_error"))
    assert states == {("failed", "gateway down")}


def test_tick_command_reports(new_matter, capsys):
    matter = new_matter()
    Matter.objects.filter(pk=matter.pk).update(deadline=matter.received_at)
    call_command("tick")
    assert "逾期上报 1" in capsys.readouterr().out


# Committed data, so that two connections see it.
@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_escalate_each_matter_once(default_categories, new_matter, staff):
    matters = [new_matter() for _ in range(6)]
    late = max(m.deadline for m in matters) + dt.timedelta(seconds=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            with actor_context(source=Source.SYSTEM):
                barrier.wait()
                results.append(matters_tick(now=late))
        except Exception as exc:  # reported below; a thread's exception would be lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.escalated for r in results) == 6
    assert MatterEvent.objects.filter(action="auto_escalate").count() == 6
    assert set(Matter.objects.values_list("overdue_count", "escalation_count")) == {(1, 1)}
