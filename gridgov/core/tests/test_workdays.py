"""The working-day calendar: exact deadlines around the 2026 holidays and into 2027.

Expected dates are written out by hand from the 国务院办公厅 notice for 2026 as carried by
chinesecalendar 1.11 (checked in a shell): Spring Festival Feb 15–23 off, make-up workdays
Sat Feb 14 and Sat Feb 28; Mid-autumn Fri Sep 25 off; National Day Oct 1–7 off, make-up
workdays Sun Sep 20 and Sat Oct 10 (Thu Oct 8 is a working day). 2027 is not in the package.
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.core import workdays
from gridgov.core.models import CalendarDay
from gridgov.core.workdays import (
    add_workdays,
    calendar_warning,
    is_workday,
    unofficial_years,
    workdays_between,
    year_is_official,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
D = dt.date


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Rolled-back test rows send no post_delete: forget what the previous test cached.
    workdays.clear_cache()
    workdays._warned_years.clear()
    yield
    workdays.clear_cache()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SH)


def due(start: dt.date, days: int) -> dt.date:
    deadline = add_workdays(start=at(start), days=days)
    assert (deadline.hour, deadline.minute, deadline.second) == (23, 59, 59)
    assert deadline.microsecond == 999999
    assert deadline.utcoffset() == dt.timedelta(hours=8)
    return deadline.date()


def test_package_facts_the_expectations_rely_on():
    assert not is_workday(D(2026, 10, 1)) and not is_workday(D(2026, 10, 7))
    assert is_workday(D(2026, 10, 8)) and is_workday(D(2026, 10, 10))
    assert is_workday(D(2026, 2, 14)) and is_workday(D(2026, 2, 28))
    assert not is_workday(D(2026, 2, 23))


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, D(2026, 9, 30)), (1, D(2026, 10, 8)), (2, D(2026, 10, 9)), (3, D(2026, 10, 10)),
     (4, D(2026, 10, 12)), (8, D(2026, 10, 16)), (10, D(2026, 10, 20))],
)  # fmt: skip
def test_national_day_2026(days, expected):
    assert due(D(2026, 9, 30), days) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(1, D(2026, 2, 14)), (2, D(2026, 2, 24)), (6, D(2026, 2, 28)), (7, D(2026, 3, 2)),
     (10, D(2026, 3, 5)), (15, D(2026, 3, 12))],
)  # fmt: skip
def test_spring_festival_2026_with_make_up_saturdays(days, expected):
    assert due(D(2026, 2, 13), days) == expected


def test_friday_start():
    assert due(D(2026, 3, 6), 1) == D(2026, 3, 9)  # ordinary weekend
    assert due(D(2026, 3, 6), 2) == D(2026, 3, 10)
    # Fri Sep 18: Sun Sep 20 is a make-up workday, Fri Sep 25 is Mid-autumn.
    assert due(D(2026, 9, 18), 1) == D(2026, 9, 20)
    assert due(D(2026, 9, 18), 6) == D(2026, 9, 28)


def test_start_on_a_holiday_does_not_count_the_start_day():
    assert due(D(2026, 10, 3), 0) == D(2026, 10, 3)
    assert due(D(2026, 10, 3), 1) == D(2026, 10, 8)
    assert due(D(2026, 10, 10), 1) == D(2026, 10, 12)  # start on a make-up Saturday


def test_start_is_read_in_local_time():
    # 17:30 UTC on Sep 30 is already Oct 1 in Shanghai, a holiday.
    start = dt.datetime(2026, 9, 30, 17, 30, tzinfo=dt.UTC)
    assert add_workdays(start=start, days=0) == dt.datetime(2026, 10, 1, 23, 59, 59, 999999, SH)
    assert add_workdays(start=start, days=1).date() == D(2026, 10, 8)


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        add_workdays(start=dt.datetime(2026, 3, 2, 9), days=1)  # noqa: DTZ001 (naive on purpose)
    with pytest.raises(ValueError):
        add_workdays(start=at(D(2026, 3, 2)), days=-1)
    with pytest.raises(TypeError):
        is_workday(at(D(2026, 3, 2)))


def test_into_2027_falls_back_to_weekends_without_raising(caplog):
    assert year_is_official(2026) and not year_is_official(2027)
    with caplog.at_level(logging.WARNING, logger="gridgov.core.workdays"):
        # Tue Dec 29: Dec 30, 31, Fri Jan 1 (no holiday entered yet), Jan 4–8, 11, 12.
        assert due(D(2026, 12, 29), 10) == D(2027, 1, 12)
        assert due(D(2026, 12, 31), 15) == D(2027, 1, 21)
        assert not is_workday(D(2027, 1, 2))
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "No official holiday data for 2027" in messages[0]


def test_entered_holiday_in_2027_is_honoured():
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    assert not is_workday(D(2027, 1, 1))
    assert due(D(2026, 12, 29), 10) == D(2027, 1, 13)


def test_entered_make_up_workday_on_a_2027_saturday_is_honoured():
    CalendarDay.objects.create(date=D(2027, 2, 20), is_workday=True, name="春节")
    assert due(D(2027, 2, 19), 1) == D(2027, 2, 20)
    assert workdays_between(start=D(2027, 2, 19), end=D(2027, 2, 22)) == 2


def test_entered_day_overrides_the_package_in_2026():
    assert due(D(2026, 9, 30), 1) == D(2026, 10, 8)
    CalendarDay.objects.create(date=D(2026, 10, 8), is_workday=False, name="国庆节（本县）")
    CalendarDay.objects.create(date=D(2026, 10, 10), is_workday=False, name="本县不调休")
    assert due(D(2026, 9, 30), 1) == D(2026, 10, 9)  # the save signal emptied the cache
    assert due(D(2026, 9, 30), 2) == D(2026, 10, 12)
    CalendarDay.objects.filter(date=D(2026, 10, 8)).get().delete()
    assert due(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_workdays_between_is_half_open():
    assert workdays_between(start=D(2026, 9, 30), end=D(2026, 9, 30)) == 0
    assert workdays_between(start=D(2026, 9, 30), end=D(2026, 10, 8)) == 1
    assert workdays_between(start=D(2026, 10, 1), end=D(2026, 10, 7)) == 0
    assert workdays_between(start=D(2026, 10, 8), end=D(2026, 9, 30)) == -1
    assert workdays_between(start=D(2026, 2, 13), end=D(2026, 3, 5)) == 10


def test_warning_names_only_fallback_years():
    assert calendar_warning(start=D(2026, 1, 1), end=D(2026, 12, 31)) is None
    assert unofficial_years(start=D(2027, 3, 1), end=D(2026, 12, 1)) == [2027]
    message = calendar_warning(start=D(2026, 12, 1), end=D(2028, 1, 31))
    assert message is not None and "2027、2028年" in message and "2026" not in message


def test_deadline_arithmetic_does_not_query_per_day(django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # fingerprint, then one query per year (2026, 2027)
        assert due(D(2026, 12, 1), 30) == D(2027, 1, 12)
    with django_assert_max_num_queries(0):
        assert due(D(2026, 11, 2), 60) == D(2027, 1, 25)
        assert workdays_between(start=D(2026, 1, 1), end=D(2027, 12, 31)) > 400


def test_change_from_another_process_is_seen_after_the_refresh_interval(monkeypatch):
    assert due(D(2026, 12, 29), 10) == D(2027, 1, 12)
    # bulk_create sends no signal, as a save in another worker process would not reach here.
    CalendarDay.objects.bulk_create([CalendarDay(date=D(2027, 1, 1), name="元旦")])
    assert due(D(2026, 12, 29), 10) == D(2027, 1, 12)  # still cached
    monkeypatch.setattr(workdays, "_REFRESH_SECONDS", 0.0)
    assert due(D(2026, 12, 29), 10) == D(2027, 1, 13)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # Hypothesis takes naive bounds and attaches the zone itself.
    start=st.datetimes(
        dt.datetime(2025, 1, 1),  # noqa: DTZ001
        dt.datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(SH),
    ),
    days=st.integers(min_value=1, max_value=40),
)
def test_deadline_is_the_nth_working_day(start, days):
    deadline = add_workdays(start=start, days=days)
    day = deadline.date()
    assert is_workday(day)
    assert workdays_between(start=start.date(), end=day) == days
    assert workdays_between(start=start.date(), end=day - dt.timedelta(days=1)) == days - 1


def test_admin_entry_is_audited_and_takes_effect(client, make_user):
    from gridgov.core.models import AuditEntry

    admin = make_user(superuser=True)
    client.force_login(admin)
    assert due(D(2026, 12, 29), 10) == D(2027, 1, 12)
    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": "2027-01-01", "name": "元旦", "note": "按国务院办公厅通知录入"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert due(D(2026, 12, 29), 10) == D(2027, 1, 13)
    entry = AuditEntry.objects.get(object_type="core.calendarday", action="create")
    assert entry.after["date"] == "2027-01-01" and entry.after["is_workday"] is False
