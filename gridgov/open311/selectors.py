"""Reads behind the Open311 GET endpoints: services, the changeset, service requests.

Open311 is public: anyone may GET services and requests, with no key (spec §"GET Service
Requests"). So these reads are not scoped to a user (``restrict``); instead they load and
return only what the resident's tracking page shows: the number, category, text, place,
times, the level or department that holds the matter, its public answer and public timeline.
Reporter names and phones, the tracking token, assignees and staff notes are never loaded
(``only``). The description of an anonymous matter is still shown: anonymity hides who, not
what.

- Only matters of categories whose content is public (``Category.is_public``) exist here. A
  matter about a family is not listed, not counted and not found by its number: asked for,
  its number answers exactly as a number that was never given (docs/security.md, "Private
  matters are not enumerable"). Its reporter follows it by the tracking link.
- Free text (description, address, answer, public notes) is published through
  ``core.freetext.mask_free_text``: citizen IDs, mobile and bank card numbers typed into it
  are masked; staff pages keep the full text.

Rows map to the spec's ``request`` shape:

- ``status``: ``open`` for received, assigned and in progress; ``closed`` for settled,
  reviewed, archived and merged. The internal status goes into ``status_notes`` while open;
  when closed, ``status_notes`` is the answer; a merged matter points at the matter it joined.
- ``agency_responsible``: the department it was transferred to, else the grid level that holds
  it (e.g. "平东村"), never a person.
- ``expected_datetime``: the working-day deadline of the level that holds it.
- ``updated_datetime``: for a closed matter the date it was closed, else the last change.
- ``address_id``: the code of the grid node the matter is on (never a household number).
- ``media_url``: the first external media URL posted with it (uploaded photos stay internal).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Max, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.cases.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Matter,
    MatterEvent,
    Status,
)
from gridgov.cases.transitions import action_label
from gridgov.core.freetext import mask_free_text
from gridgov.core.models import AuditEntry

from .formats import SHANGHAI

# The changeset when no category change is on record: the date the Open311 interface opened.
BASE_CHANGESET = dt.datetime(2026, 1, 1, tzinfo=SHANGHAI)

REQUEST_FIELDS = (
    "number",
    "status",
    "description",
    "lat",
    "lng",
    "address",
    "grid_path",
    "received_at",
    "updated_at",
    "deadline",
    "answer",
    "settled_at",
    "archived_at",
    "media_urls",
    "category__code",
    "category__name",
    "category__is_public",
    "handler_node__name",
    "department__name",
)
NOTE_FIELDS = ("matter_id", "action", "public_note", "at")


def active_services() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("order", "code")


def active_service(code: str) -> Category | None:
    return active_services().filter(code=code).first()


def changeset() -> dt.datetime:
    """The latest change of a category (audit log or admin log), else ``BASE_CHANGESET``."""
    audited = AuditEntry.objects.filter(object_type="cases.category").aggregate(at=Max("at"))["at"]
    admin = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Category)
    ).aggregate(at=Max("action_time"))["at"]
    return max([BASE_CHANGESET, *(at for at in (audited, admin) if at is not None)])


def service_requests(*, notes: bool = False) -> QuerySet[Matter]:
    """Matters of public categories, with only their public columns, in one query (plus one
    for the notes).

    The one condition on the category is part of every read here (list, filters, numbers, one
    request): a matter of another category is absent from the same query, at the same cost,
    as a number never given.
    """
    qs = (
        Matter.objects.filter(category__is_public=True)
        .select_related("category", "handler_node", "department")
        .only(*REQUEST_FIELDS)
        .annotate(
            merged_number=F("merged_into__number"),
            merged_public=F("merged_into__category__is_public"),
        )
        .order_by("-received_at", "-id")
    )
    if notes:
        qs = qs.prefetch_related(
            Prefetch(
                "events",
                queryset=MatterEvent.objects.only(*NOTE_FIELDS).order_by("at", "id"),
                to_attr="public_events",
            )
        )
    return qs


def filter_requests(
    qs: QuerySet[Matter],
    *,
    numbers: list[str] | None = None,
    service_codes: list[str] | None = None,
    statuses: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[Matter]:
    """The spec's filters; ``numbers`` (``service_request_id``) overrides all the others."""
    if numbers:
        return qs.filter(number__in=numbers)
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
    if statuses and set(statuses) != {"open", "closed"}:
        qs = qs.filter(status__in=OPEN_STATUSES if statuses == ["open"] else CLOSED_STATUSES)
    if start is not None:
        qs = qs.filter(received_at__gte=start)
    if end is not None:
        qs = qs.filter(received_at__lte=end)
    return qs


def agency_of(matter: Matter) -> str:
    return matter.department.name if matter.department_id else matter.handler_node.name


def service_notice(matter: Matter) -> str:
    """Who handles it and by when, as the intake's first public note says it."""
    return _("由%(who)s办理，办理期限%(d)s。") % {
        "who": agency_of(matter),
        "d": f"{timezone.localtime(matter.deadline, SHANGHAI):%Y-%m-%d}",
    }


def _merged_into_private(matter: Matter) -> bool:
    """Merged into a matter about a family: its number and answer are not this one's to show."""
    return matter.status == Status.MERGED and getattr(matter, "merged_public", None) is False


def _status_notes(matter: Matter) -> str:
    if _merged_into_private(matter):
        return _("与另一事项为同一问题，合并办理。")
    if matter.status == Status.MERGED:
        merged = getattr(matter, "merged_number", None) or ""
        text = _("与事项%(n)s为同一问题，合并办理。") % {"n": merged}
        return f"{text}{matter.answer}" if matter.answer else text
    if matter.status in CLOSED_STATUSES and matter.answer:
        return matter.answer
    return str(Status(matter.status).label)


# Steps whose public note speaks of the matter merged into (its number, its answer).
MERGE_ACTIONS = frozenset({"merge", "merged_answer"})


def _closed_at(matter: Matter) -> dt.datetime:
    return matter.settled_at or matter.archived_at or matter.updated_at


def request_document(matter: Matter, *, notes: bool = False) -> dict[str, Any]:
    """One ``request`` of ``service_requests``: public fields only (see the module docstring),
    free text masked."""
    is_open = matter.status in OPEN_STATUSES
    document: dict[str, Any] = {
        "service_request_id": matter.number,
        "status": "open" if is_open else "closed",
        "status_notes": mask_free_text(_status_notes(matter)),
        "service_name": matter.category.name,
        "service_code": matter.category.code,
        "description": mask_free_text(matter.description),
        "agency_responsible": agency_of(matter),
        "service_notice": service_notice(matter) if is_open else None,
        "requested_datetime": matter.received_at,
        "updated_datetime": matter.updated_at if is_open else _closed_at(matter),
        "expected_datetime": matter.deadline,
        "address": mask_free_text(matter.address) or None,
        "address_id": matter.grid_path or None,
        "zipcode": None,
        "lat": matter.lat,
        "long": matter.lng,
        "media_url": matter.media_urls[0] if matter.media_urls else None,
    }
    if notes:
        withheld = MERGE_ACTIONS if _merged_into_private(matter) else frozenset()
        document["notes"] = [
            {
                "datetime": event.at,
                "description": (
                    mask_free_text(event.public_note) if event.action not in withheld else ""
                )
                or action_label(event.action),
                "type": event.action,
            }
            for event in getattr(matter, "public_events", [])
        ]
    return document
