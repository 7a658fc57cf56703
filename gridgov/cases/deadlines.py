"""Deadlines of matters in working days (DOMAIN §9), per category and level."""

from __future__ import annotations

import datetime as dt

from gridgov.core.rules import rule_value
from gridgov.core.workdays import add_workdays

from .models import Category
from .rules import DEADLINE_WORKDAYS, WARNING_LEAD_HOURS


def workdays_for(category: Category, level: str) -> int:
    """The level's own limit, else the category's, else the default of its kind (2/10/15)."""
    per_level = (category.level_workdays or {}).get(level)
    if per_level is not None:
        return int(per_level)
    if category.deadline_workdays is not None:
        return category.deadline_workdays
    return int(rule_value(DEADLINE_WORKDAYS)[category.kind])


def deadline_at(
    *, start: dt.datetime, category: Category, level: str, extra_workdays: int = 0
) -> tuple[dt.datetime, dt.datetime]:
    """(deadline, warning time): ``WARNING_LEAD_HOURS`` before the deadline, never before start."""
    deadline = add_workdays(start=start, days=workdays_for(category, level) + extra_workdays)
    warn_at = max(start, deadline - dt.timedelta(hours=rule_value(WARNING_LEAD_HOURS)))
    return deadline, warn_at
