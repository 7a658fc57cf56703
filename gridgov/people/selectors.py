"""Reads of households and persons that users see; all through the scoped queryset."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from gridgov.core.crypto import lookup_hashes
from gridgov.core.identity import IdentifierError, parse_citizen_id
from gridgov.core.scoping import ScopedQuerySet

from .models import Household, Person


def household_list(user: Any, *, under: str = "", q: str = "", tag: str = "") -> QuerySet:
    """The households list with its filters, the one read of the page, its export and the API."""
    qs = Household.objects.restrict(user, "view").with_head().select_related("microgrid")
    if under:
        qs = qs.within(under)
    if q:
        qs = qs.filter(Q(number=q.strip()) | Q(address__contains=q.strip()))
    if tag:
        qs = qs.filter(**household_tag_filter(tag))
    # By place first: the grid_path index yields rows in this order, so a county's first page
    # needs no sort of all its households.
    return qs.order_by("grid_path", "number")


HOUSEHOLD_TAGS: dict[str, dict[str, Any]] = {
    "dibao": {"is_dibao": True},
    "tekun": {"is_tekun": True},
    "tuopin": {"is_tuopin": True},
    "monitoring": {"monitoring_type__gt": ""},
    "military": {"is_military_family": True},
    "party": {"is_party_household": True},
}


def household_tag_filter(tag: str) -> dict[str, Any]:
    return HOUSEHOLD_TAGS.get(tag, {})


def person_search(user: Any, q: str, *, under: str = "") -> ScopedQuerySet[Person]:
    """By exact citizen ID (through the keyed hash, no column decrypted) or by name."""
    qs = Person.objects.restrict(user, "view").select_related("household")
    if under:
        qs = qs.within(under)
    q = q.strip()
    if not q:
        return qs.none()
    try:
        number = parse_citizen_id(q).number
    except IdentifierError:
        number = ""
    if number:
        return qs.filter(id_hash__in=lookup_hashes(number))
    return qs.filter(name__startswith=q) if len(q) < 2 else qs.filter(name__contains=q)


# Person tags (人员标签): columns of Person shown in every list, so filtering by them needs only
# "view", as any other column.
PERSON_TAGS = {
    "party_member": {"is_party_member": True},
    "lives_alone": {"lives_alone": True},
    "left_behind": {"left_behind__gt": ""},
}


def person_list(
    user: Any,
    *,
    under: str = "",
    q: str = "",
    residence_type: str = "",
    household: str = "",
    tag: str = "",
) -> QuerySet:
    """The persons list with its filters, the one read of the page, its export and the API."""
    qs = person_search(user, q, under=under) if q else Person.objects.restrict(user, "view")
    if under and not q:
        qs = qs.within(under)
    if residence_type:
        qs = qs.filter(residence_type=residence_type)
    if household:
        qs = qs.filter(household__number=household)
    if tag:
        qs = qs.filter(**PERSON_TAGS.get(tag, {}))
    return qs.select_related("household").order_by("grid_path", "household_id", "id")
