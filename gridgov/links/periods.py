"""Periods of the visit and appraisal rules: a month or a quarter for routine visits
(``links.visit.frequency``), a fraction of the year for appraisals (``links.appraisal.*``)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.rules import rule_value

from .rules import APPRAISAL_PERIODS_PER_YEAR


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period_bounds(day: dt.date, per: str) -> tuple[dt.date, dt.date]:
    """First and last day of the month or quarter (``per``) holding ``day``."""
    if per == "month":
        return day.replace(day=1), _month_end(day.year, day.month)
    first = 3 * ((day.month - 1) // 3) + 1
    return dt.date(day.year, first, 1), _month_end(day.year, first + 2)


def _months_per_period() -> int:
    per_year = int(rule_value(APPRAISAL_PERIODS_PER_YEAR))
    if per_year not in (1, 2, 3, 4, 6, 12):
        per_year = 2
    return 12 // per_year


def appraisal_period(day: dt.date) -> str:
    """The appraisal period holding ``day``: ``2026`` (yearly), ``2026H1`` (half-years),
    ``2026Q3`` (quarters), ``2026-07`` (months), ``2026P2`` (otherwise)."""
    months = _months_per_period()
    index = (day.month - 1) // months + 1
    if months == 12:
        return f"{day.year}"
    if months == 6:
        return f"{day.year}H{index}"
    if months == 3:
        return f"{day.year}Q{index}"
    if months == 1:
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}P{index}"


_PERIOD = re.compile(r"(?P<year>\d{4})(?:(?P<sep>[HQP-])(?P<n>\d{1,2}))?")


def appraisal_period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of an appraisal period named as ``appraisal_period`` names it;
    ValidationError on ``period`` for any other name."""
    months = _months_per_period()
    match = _PERIOD.fullmatch(period.strip())
    wrong = ValidationError(
        {
            "period": _("评议期%(p)s不对，应如%(e)s")
            % {"p": period, "e": appraisal_period(timezone.localdate())}
        }
    )
    if match is None:
        raise wrong
    year = int(match["year"])
    if months == 12:
        if match["sep"]:
            raise wrong
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    expected = {6: "H", 3: "Q", 1: "-"}.get(months, "P")
    if match["sep"] != expected:
        raise wrong
    index = int(match["n"])
    if not 1 <= index <= 12 // months:
        raise wrong
    first = (index - 1) * months + 1
    return dt.date(year, first, 1), _month_end(year, first + months - 1)


def appraisal_period_label(period: str) -> str:
    """An appraisal period as a resident reads it: ``2026H2`` → 2026年下半年."""
    match = _PERIOD.fullmatch(period.strip())
    if match is None or not match["sep"]:
        return _("%(y)s年") % {"y": period} if match else period
    year, sep, n = match["year"], match["sep"], int(match["n"])
    if sep == "H":
        return (_("%(y)s年上半年") if n == 1 else _("%(y)s年下半年")) % {"y": year}
    if sep == "Q":
        return _("%(y)s年第%(n)d季度") % {"y": year, "n": n}
    if sep == "-":
        return _("%(y)s年%(n)d月") % {"y": year, "n": n}
    return _("%(y)s年第%(n)d期") % {"y": year, "n": n}
