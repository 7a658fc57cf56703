"""Steps read outside their transaction and write only if the row is still as read.

A step whose matter another writer changed in between runs again on the new row; it never
overwrites that writer's change, and never leaves half of itself behind.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F

from gridgov.cases import services as s
from gridgov.cases import step_runner
from gridgov.cases.models import Matter, MatterEvent, Notification, Status
from gridgov.core.audit import audit_verify
from gridgov.core.context import Source, actor_context
from gridgov.core.models import AuditEntry


def _interfere(monkeypatch, times: int, change) -> list[int]:
    """After each of the first ``times`` reads of a step, another writer changes the row."""
    real_begin = step_runner.begin
    seen: list[int] = []

    def begin(matter, action, user, **kw):
        current = real_begin(matter, action, user, **kw)
        seen.append(current.version)
        if len(seen) <= times:
            change(current)
        return current

    monkeypatch.setattr(step_runner, "begin", begin)
    return seen


@pytest.mark.django_db
def test_a_step_on_a_row_changed_since_its_read_runs_again(monkeypatch, new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    bump = Matter.objects.filter(pk=matter.pk)
    seen = _interfere(monkeypatch, 1, lambda m: bump.update(version=F("version") + 1))
    events, audits = MatterEvent.objects.count(), AuditEntry.objects.count()

    noted = s.matter_note(matter=matter, user=staff.worker, public_note="已上门了解情况")

    assert seen == [1, 2]  # read, changed by the other writer, read again
    assert noted.version == 3
    assert Matter.objects.get(pk=matter.pk).version == 3
    assert MatterEvent.objects.count() == events + 1  # the first try left nothing
    assert AuditEntry.objects.count() == audits + 1


@pytest.mark.django_db
def test_a_step_run_again_ends_with_the_timeline_others_left(monkeypatch, new_matter, staff):
    """A colleague's note lands between the step's read and its write: the step runs again,
    and the timeline it answers with has the colleague's note and then its own event."""
    from gridgov.cases.selectors import matter_timeline

    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    _interfere(
        monkeypatch,
        1,
        lambda m: s.matter_note(matter=Matter(pk=m.pk), user=staff.worker2, public_note="同事"),
    )
    noted = s.matter_note(matter=matter, user=staff.worker, public_note="已上门了解情况")
    got = [(e.pk, e.action, e.public_note, e.actor_id) for e in noted.timeline]
    assert got == [(e.pk, e.action, e.public_note, e.actor_id) for e in matter_timeline(noted)]
    assert [e.public_note for e in noted.timeline][-2:] == ["同事", "已上门了解情况"]


@pytest.mark.django_db
def test_the_other_writers_change_is_kept_and_checked_again(monkeypatch, new_matter, staff):
    """Settled by somebody else in between: the second try sees it and refuses to settle."""
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)

    def settle_meanwhile(current):
        Matter.objects.filter(pk=current.pk).update(
            status=Status.SETTLED, answer="已由村里办结", version=F("version") + 1
        )

    _interfere(monkeypatch, 1, settle_meanwhile)
    with pytest.raises(ValidationError) as refused:
        s.matter_settle(matter=matter, user=staff.worker, answer="经调解，双方同意")
    assert "status" in refused.value.message_dict
    assert Matter.objects.get(pk=matter.pk).answer == "已由村里办结"


@pytest.mark.django_db
def test_a_step_that_never_finds_the_row_still_gives_up(monkeypatch, new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    bump = Matter.objects.filter(pk=matter.pk)
    seen = _interfere(
        monkeypatch, step_runner.STEP_ATTEMPTS, lambda m: bump.update(version=F("version") + 1)
    )
    events = MatterEvent.objects.count()

    with pytest.raises(ValidationError) as busy:
        s.matter_note(matter=matter, user=staff.worker, public_note="已上门了解情况")

    assert "version" in busy.value.message_dict
    assert len(seen) == step_runner.STEP_ATTEMPTS
    assert MatterEvent.objects.count() == events
    assert Matter.objects.get(pk=matter.pk).version == 1 + step_runner.STEP_ATTEMPTS


# Committed data, so that the threads' connections see it.
@pytest.mark.django_db(transaction=True)
def test_steps_at_once_on_one_matter_all_land_in_order(default_categories, new_matter, staff):
    matter = s.matter_sign(matter=new_matter(), user=staff.worker)
    writers, notes_each = 4, 5
    barrier = threading.Barrier(writers)
    errors: list[Exception] = []

    def run(i: int) -> None:
        with actor_context(source=Source.SYSTEM):
            barrier.wait()
            for n in range(notes_each):
                try:
                    s.matter_note(matter=matter, user=staff.worker, public_note=f"进展{i}-{n}")
                except Exception as exc:  # reported below; a thread's exception would be lost
                    errors.append(exc)
        connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # A writer that lost every one of its tries would answer "try again"; none may be lost
    # silently: each note that was not refused is on the timeline, once.
    busy = [e for e in errors if isinstance(e, ValidationError) and "version" in e.message_dict]
    assert [e for e in errors if e not in busy] == []
    landed = writers * notes_each - len(busy)
    assert landed >= writers * notes_each * 3 // 4  # giving up stays the exception
    notes = MatterEvent.objects.filter(matter=matter, action="note")
    assert notes.count() == landed
    assert len(set(notes.values_list("public_note", flat=True))) == landed
    assert Matter.objects.get(pk=matter.pk).version == 1 + landed
    audited = AuditEntry.objects.filter(action="matter.note", object_id=str(matter.pk))
    assert audited.count() == landed
    assert audit_verify().ok


# Outside any transaction, as a request runs: on PostgreSQL the step is then one statement
# with no transaction around it, which must write nothing when its matter has changed.
@pytest.mark.django_db(transaction=True)
def test_a_step_on_a_changed_row_leaves_nothing_behind_outside_a_transaction(
    monkeypatch, default_categories, new_matter, staff
):
    matter = new_matter()
    bump = Matter.objects.filter(pk=matter.pk)
    seen = _interfere(monkeypatch, 1, lambda m: bump.update(version=F("version") + 1))
    counts = (MatterEvent.objects.count(), AuditEntry.objects.count(), Notification.objects.count())

    s.matter_assign(matter=matter, user=staff.village, assignee=staff.worker)

    assert seen == [0, 1]  # the first try found the row changed, the second wrote
    assert (
        MatterEvent.objects.count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    ) == (counts[0] + 1, counts[1] + 1, counts[2] + 1)
    stored = Matter.objects.get(pk=matter.pk)
    assert (stored.status, stored.assignee_id, stored.version) == (
        Status.ASSIGNED,
        staff.worker.pk,
        2,
    )
    assert audit_verify().ok
