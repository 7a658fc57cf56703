"""The working-day calendar (工作日历) behind the deadlines of residents' matters (DOMAIN §9).

Deadlines are counted in working days (Guangdong 12345 defaults: enquiry 2, help or suggestion
10, complaint or report 15). Whether a date is a working day is decided, first match wins, by:

1. ``CalendarDay`` (日历调整), entered by an administrator: a county may differ, and the next
   year's notice is often out before the package below is updated;
2. the 国务院办公厅 annual notice on holiday arrangements (《关于××××年部分节假日安排的通知》,
   holidays and make-up working days 调休上班), as carried by the ``chinesecalendar`` package;
3. for a year the package has no data for, the weekly rest days of 《国务院关于职工工作时间的
   规定》 (Saturday and Sunday). This fallback never raises, but it is shown
   (``calendar_warning``) and logged once per year per process, because its deadlines may be
   wrong by the holidays nobody entered.

Deadline convention (``add_workdays``): a matter received at any moment of local day D
(settings.TIME_ZONE, Asia/Shanghai) is due at 23:59:59.999999 local time of the N-th working day
after D. D itself never counts, whether or not it is a working day; N = 0 means the end of D.
The deadline is inclusive: a matter is overdue when ``now > deadline``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time

import chinese_calendar
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.rules import define, rule_value

from .models import CalendarDay

logger = logging.getLogger(__name__)

FALLBACK_REST_WEEKDAYS = define(
    "core.workdays_fallback_rest_weekdays",
    [5, 6],
    source="《国务院关于职工工作时间的规定》（1995年修订）第七条：国家机关、事业单位实行统一的工作时间，星期六和星期日为周休息日",
    description="节假日数据包尚无某年数据时，按这些星期几休息（0=周一…6=周日），另加管理员录入的日历调整",
)

# Other worker processes change CalendarDay too and their signals never reach this one: at most
# this often, one aggregate query checks whether the table changed since it was cached.
_REFRESH_SECONDS = 30.0

_entered: dict[int, dict[dt.date, bool]] = {}  # year → {date: is_workday}, one query per year
_fingerprint: tuple[int, dt.datetime | None] | None = None
_checked_at = 0.0
_warned_years: set[int] = set()


def clear_cache() -> None:
    """Forget the administrator-entered days (done on every save and delete; tests call it too)."""
    global _fingerprint
    _entered.clear()
    _fingerprint = None


@receiver(post_save, sender=CalendarDay, dispatch_uid="core.workdays.calendar_saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="core.workdays.calendar_deleted")
def _calendar_changed(**kwargs: object) -> None:
    clear_cache()


def _revalidate() -> None:
    global _fingerprint, _checked_at
    now = time.monotonic()
    if _fingerprint is not None and now - _checked_at < _REFRESH_SECONDS:
        return
    agg = CalendarDay.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    fingerprint = (agg["n"], agg["last"])
    if fingerprint != _fingerprint:
        _entered.clear()
        _fingerprint = fingerprint
    _checked_at = now


def _entered_days(year: int) -> dict[dt.date, bool]:
    days = _entered.get(year)
    if days is None:
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
        days = _entered[year] = dict(rows)
    return days


def _rest_weekdays() -> frozenset[int]:
    value = frozenset(rule_value(FALLBACK_REST_WEEKDAYS))
    # Seven rest days would make add_workdays loop for ever in a fallback year.
    if not value < frozenset(range(7)):
        raise ImproperlyConfigured(f"{FALLBACK_REST_WEEKDAYS.key}: {sorted(value)}")
    return value


def _as_date(value: dt.date) -> dt.date:
    # A datetime is a date too, but never equal to one: it would silently miss entered days.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


@functools.cache
def year_is_official(year: int) -> bool:
    """Whether the installed ``chinesecalendar`` carries the State Council notice for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def unofficial_years(*, start: dt.date, end: dt.date) -> list[int]:
    """The years from ``start`` to ``end`` (either order, inclusive) that use the fallback."""
    first, last = sorted((_as_date(start).year, _as_date(end).year))
    return [year for year in range(first, last + 1) if not year_is_official(year)]


def calendar_warning(*, start: dt.date, end: dt.date) -> str | None:
    """A message for pages whose deadlines fall in a fallback year; None when all is official."""
    years = unofficial_years(start=start, end=end)
    if not years:
        return None
    return gettext(
        "%(years)s年的国务院办公厅节假日安排尚未收入工作日历，"
        "期限暂按周末及管理员录入的日历调整计算，可能不准确。"
    ) % {"years": "、".join(str(year) for year in years)}


@functools.lru_cache(maxsize=4096)
def _official_is_workday(day: dt.date) -> bool:
    """The package's answer, kept: it checks the date against its whole table on every call
    (0.4 ms of each new matter's deadline), and its table never changes while we run."""
    workday: bool = chinese_calendar.is_workday(day)
    return workday


def _is_workday(day: dt.date, rest_weekdays: frozenset[int]) -> bool:
    entered = _entered_days(day.year).get(day)
    if entered is not None:
        return entered
    if year_is_official(day.year):
        return _official_is_workday(day)
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "No official holiday data for %s (chinesecalendar %s): working days fall back to "
            "weekends plus administrator-entered calendar days.",
            day.year,
            getattr(chinese_calendar, "__version__", "?"),
        )
    return day.weekday() not in rest_weekdays


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day (entered day, else the official notice, else weekdays)."""
    day = _as_date(day)
    _revalidate()
    return _is_workday(day, _rest_weekdays())


def add_workdays(*, start: dt.datetime, days: int) -> dt.datetime:
    """The deadline ``days`` working days after ``start`` (see the module docstring).

    ``start`` must be aware; it is read in settings.TIME_ZONE. The result is aware, at
    23:59:59.999999 local time of the ``days``-th working day after the local date of ``start``.
    """
    if timezone.is_naive(start):
        raise ValueError("add_workdays needs an aware datetime")
    if days < 0:
        raise ValueError("days must be 0 or more")
    tz = timezone.get_default_timezone()
    _revalidate()
    rest = _rest_weekdays()
    day = timezone.localtime(start, tz).date()
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if _is_workday(day, rest):
            remaining -= 1
    return dt.datetime.combine(day, dt.time.max, tzinfo=tz)


def workdays_between(*, start: dt.date, end: dt.date) -> int:
    """The number of working days in (start, end]; negative when ``end`` is before ``start``.

    So ``workdays_between(start=D, end=add_workdays(start=D', days=n).date()) == n`` for n >= 1
    where D is the local date of D'.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -workdays_between(start=end, end=start)
    _revalidate()
    rest = _rest_weekdays()
    span = (end - start).days
    return sum(_is_workday(start + dt.timedelta(days=i), rest) for i in range(1, span + 1))
