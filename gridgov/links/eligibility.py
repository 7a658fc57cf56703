"""Who may link, how many, and which households come first: the rules of ``rules.py`` read
in one place, for the services, the plan, the import and the coverage figures alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from gridgov.core.rules import rule_value
from gridgov.orgs.models import PartyMember
from gridgov.people.models import Household, Person

from .models import Linker, LinkerKind
from .rules import (
    CAPACITY,
    ELDERLY_AGE,
    EXEMPT_AGE,
    EXEMPT_MOBILE_MEMBERS,
    PRIORITY_TAGS,
)


@dataclass(frozen=True)
class Capacity:
    low: int
    high: int


def capacity_of(kind: str) -> Capacity:
    """The [least, most] households a linker of ``kind`` links (``links.capacity``)."""
    table: dict[str, list[int]] = rule_value(CAPACITY)
    low, high = table.get(kind, table.get("other", [0, 0]))
    return Capacity(int(low), int(high))


def birthday_cutoff(age: int, on: dt.date) -> dt.date:
    """Born on or before this date: aged ``age`` or more on ``on`` (29 February counts from
    1 March in a common year, as a birthday does)."""
    try:
        return on.replace(year=on.year - age)
    except ValueError:  # 29 February, ``age`` years back is a common year
        return dt.date(on.year - age, 2, 28)


def exemption_of(linker: Linker, *, on: dt.date) -> str:
    """Why ``linker`` is not asked to link on ``on`` (empty: they are eligible).

    Reads ``linker.person`` and its ``party_member`` (select them with the linker)."""
    if linker.cannot_link:
        return _("不能联户：%(r)s") % {"r": linker.cannot_link_reason}
    person = linker.person
    member = getattr(person, "party_member", None) if person.is_party_member else None
    if member is not None:
        age = int(rule_value(EXEMPT_AGE))
        if person.birth_date <= birthday_cutoff(age, on):
            return _("年满%(n)d周岁") % {"n": age}
        if rule_value(EXEMPT_MOBILE_MEMBERS) and (member.is_mobile or member.lost_contact):
            return _("流动党员") if member.is_mobile else _("失联党员")
    return ""


def eligible_linkers_q(*, on: dt.date) -> Q:
    """The same test as ``exemption_of`` as a filter on Linker rows, for set-based reads."""
    q = Q(cannot_link=False)
    member = Q(person__is_party_member=True)
    age = int(rule_value(EXEMPT_AGE))
    q &= ~(member & Q(person__birth_date__lte=birthday_cutoff(age, on)))
    if rule_value(EXEMPT_MOBILE_MEMBERS):
        q &= ~(member & (Q(person__party_member__is_mobile=True)))
        q &= ~(member & (Q(person__party_member__lost_contact=True)))
    return q


def priority_q(*, on: dt.date, tags: Iterable[str] | None = None) -> Q:
    """Households that come first (重点户, ``links.priority_tags``), as a filter on Household."""
    wanted = set(rule_value(PRIORITY_TAGS) if tags is None else tags)
    q = Q(pk__in=[])
    if "dibao" in wanted:
        q |= Q(is_dibao=True)
    if "tekun" in wanted:
        q |= Q(is_tekun=True)
    if "monitoring" in wanted:
        q |= ~Q(monitoring_type="")
    if "military_family" in wanted:
        q |= Q(is_military_family=True)
    if "elderly_alone" in wanted:
        cutoff = birthday_cutoff(int(rule_value(ELDERLY_AGE)), on)
        q |= Q(
            Exists(
                Person.objects.filter(
                    household=OuterRef("pk"), lives_alone=True, birth_date__lte=cutoff
                )
            )
        )
    return q


def priority_households(queryset: QuerySet[Household], *, on: dt.date) -> QuerySet[Household]:
    return queryset.filter(priority_q(on=on))


def is_priority(household: Household, *, on: dt.date) -> bool:
    return Household.objects.filter(pk=household.pk).filter(priority_q(on=on)).exists()


MEMBER_KINDS = frozenset({"center", "member"})


def kind_refusal(person: Person, kind: str) -> str:
    """Why ``person`` cannot be a linker of ``kind`` (empty: they can): 党员中心户 and 联户党员
    are party members by definition; the other kinds are the people a village names where
    members are too few."""
    # Read from the database: the flag is kept by the orgs services, and a Person loaded before
    # the member record was made would still say no.
    is_member = PartyMember.objects.filter(person_id=person.pk).exists()
    if kind in MEMBER_KINDS and not is_member:
        return _("%(name)s不是党员，不能作为%(kind)s") % {
            "name": person.name,
            "kind": LinkerKind(kind).label,
        }
    return ""
