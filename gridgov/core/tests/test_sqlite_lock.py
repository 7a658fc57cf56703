"""SQLite writers queue on a file lock: a second write transaction waits for the first to end
(commit or rollback) instead of sleeping in SQLite's retry loop or failing."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from gridgov.core.models import CalendarDay

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the lock is the SQLite backend's"),
]


def _second_writer(started: threading.Event, done: list) -> None:
    started.set()
    try:
        with transaction.atomic():
            CalendarDay.objects.create(date="2027-01-02", is_workday=False, name="second")
        done.append(time.monotonic())
    finally:
        connection.close()


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_second_writer_waits_for_the_first_to_end(ending):
    started, done = threading.Event(), []
    with transaction.atomic():
        CalendarDay.objects.create(date="2027-01-01", is_workday=False, name="first")
        assert connection._lock_fd is not None
        other = threading.Thread(target=_second_writer, args=(started, done))
        other.start()
        started.wait()
        time.sleep(0.3)
        assert done == []  # still waiting: the first holds the lock
        ended = time.monotonic()
        if ending == "rollback":
            transaction.set_rollback(True)
    other.join(timeout=10)
    assert connection._lock_fd is None
    assert done and done[0] >= ended
    names = set(CalendarDay.objects.values_list("name", flat=True))
    assert names == ({"first", "second"} if ending == "commit" else {"second"})
    CalendarDay.objects.all().delete()
