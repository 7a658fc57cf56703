"""POST requests: the Open311 parameters of a new service request, read into a matter.

What is read, from the form body first and then the query string (clients differ, see
``formats.param``):

- ``service_code``: the category; ``description``: the matter's text (the spec makes it
  optional; when absent the service name and the attributes' values stand in, because a
  matter always has a text).
- A location, one of: ``lat`` + ``long``; ``address_string``; ``address_id``, which is a grid
  node code (a micro-grid, group or village) or a household number (户编号). ``lat`` + ``long``
  are routed to the micro-grid whose boundary holds the point; an address to the village or
  group it names; a grid code to that node; a household to its micro-grid.
- ``attribute[CODE]`` and ``attribute[CODE][]``, checked against the service definition
  (``definitions.attribute_values``).
- ``first_name`` / ``last_name`` → the reporter's name (family name first with no space when
  both are Chinese, else "first last"); ``phone`` → the reporter's phone. Both are stored
  encrypted by the intake and never published.
- ``email``, ``device_id`` and ``account_id`` are read by no one and stored nowhere: the
  platform answers residents through the grid and the tracking page, not by e-mail, and keeps
  no personal data it does not use.
- ``media_url``, repeatable: kept when it is an http or https URL, others are dropped.
- Uploads (``multipart/form-data``): the ``media`` file field of the ``three`` client and file
  fields of any other name (FixMyStreet's ``upload_files``) become the matter's photos; the
  intake checks their type (by content) and size.

The checks that belong to every channel (text: core.text, coordinates outside China, photo types
and sizes, phone numbers) are the intake's (``cases.intake.matter_create``); its errors are
renamed here to the Open311 parameter they concern.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gridgov.cases.intake import matter_create
from gridgov.cases.models import Category, Channel, Matter
from gridgov.core.clientip import client_address
from gridgov.core.context import Source, actor_context
from gridgov.grid.models import GridNode
from gridgov.people.models import Household

from .definitions import attribute_summary, attribute_values
from .formats import param, param_list, parse_attributes
from .models import ApiKey

MEDIA_URL_MAX_CHARS = 500
MEDIA_URL_MAX_COUNT = 20

# The intake's field names → the Open311 parameter a client sent.
PARAMETERS = {
    "category": "service_code",
    "description": "description",
    "address": "address_string",
    "place": "address_id",
    "household": "address_id",
    "lat": "lat",
    "lng": "long",
    "location": "lat/long, address_string, address_id",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "photos": "media",
    "media_urls": "media_url",
}

_CJK = re.compile(r"^[\u3400-\u9fff\u00b7]+$")


@dataclass(frozen=True)
class ApiClient:
    """The actor of an Open311 POST in the audit log: the client system holding the key.

    Not a user (``pk`` is None), so the audit entry has no actor id and its actor name is
    ``open311:<key name>``.
    """

    key_id: int
    username: str
    pk: None = None
    is_authenticated: bool = False
    is_superuser: bool = False

    @classmethod
    def of(cls, key: ApiKey) -> ApiClient:
        return cls(key_id=key.pk, username=f"open311:{key.name}"[:150])


def reporter_name(first: str | None, last: str | None) -> str:
    first, last = (first or "").strip(), (last or "").strip()
    if first and last and _CJK.match(first) and _CJK.match(last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def media_urls(values: list[str]) -> list[str]:
    """The http(s) URLs among the ``media_url`` values, each once, in order."""
    kept: list[str] = []
    for value in values:
        parts = urlsplit(value)
        if (
            parts.scheme.lower() in ("http", "https")
            and parts.netloc
            and len(value) <= MEDIA_URL_MAX_CHARS
            and not any(ch.isspace() for ch in value)
            and value not in kept
        ):
            kept.append(value)
    return kept[:MEDIA_URL_MAX_COUNT]


def _coordinate(request: HttpRequest, name: str) -> float | None:
    raw = param(request, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValidationError({name: _("“%(v)s”不是数字") % {"v": raw[:40]}})
    return value


def _address_id(value: str) -> dict[str, Any]:
    """A grid node code or a household number → the intake's ``place`` or ``household``."""
    node = GridNode.objects.filter(code=value).first()
    if node is not None:
        return {"place": node}
    household = Household.objects.select_related("microgrid").filter(number=value).first()
    if household is not None:
        return {"household": household}
    raise ValidationError(
        {"address_id": _("未知的地址编号%(v)s（应为网格代码或户编号）") % {"v": value[:40]}}
    )


def uploaded_files(request: HttpRequest) -> list[Any]:
    """Every uploaded file: the ``media`` field first, then the others in the order sent."""
    names = sorted(request.FILES, key=lambda name: name != "media")
    return [upload for name in names for upload in request.FILES.getlist(name)]


def read_submission(request: HttpRequest, category: Category) -> dict[str, Any]:
    """The keyword arguments of ``matter_create`` for this POST; ValidationError (by Open311
    parameter) when the location is missing or unknown, a coordinate or attribute is bad."""
    errors: dict[str, list[str]] = {}
    kwargs: dict[str, Any] = {}
    for name, key in (("lat", "lat"), ("long", "lng")):
        try:
            kwargs[key] = _coordinate(request, name)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    address = param(request, "address_string") or ""
    address_id = param(request, "address_id")
    if address_id is not None:
        try:
            kwargs.update(_address_id(address_id))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if (
        kwargs.get("lat") is None
        and kwargs.get("lng") is None
        and not address
        and address_id is None
        and not errors
    ):
        errors["location"] = [
            _("请提供位置：lat 和 long（WGS84 坐标），或 address_string，或 address_id")
        ]
    try:
        submitted = {**parse_attributes(request.GET), **parse_attributes(request.POST)}
        attributes = attribute_values(category, submitted)
    except ValidationError as exc:
        attributes = {}
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    description = param(request, "description") or ""
    if not description:
        summary = attribute_summary(category, attributes)
        description = f"{category.name}\n{summary}" if summary else category.name
    return {
        **kwargs,
        "category": category,
        "description": description,
        "address": address,
        "attributes": attributes,
        "reporter_name": reporter_name(param(request, "first_name"), param(request, "last_name")),
        "reporter_phone": param(request, "phone") or "",
        "media_urls": media_urls(param_list(request, "media_url")),
        "photos": uploaded_files(request),
    }


def create_request(request: HttpRequest, *, key: ApiKey, category: Category) -> Matter:
    """Read the POST and take the matter in (受理) on the Open311 channel, as the key's client.

    The audit entries of the intake name the client (``open311:<key name>``), carry the web
    request's id and the caller's address. Raises ValidationError, renamed to the Open311
    parameters (``open311_errors``).
    """
    kwargs = read_submission(request, category)
    with actor_context(
        user=ApiClient.of(key),
        source=Source.API,
        request_id=getattr(request, "request_id", None),
        ip=client_address(request),
    ):
        return matter_create(channel=Channel.OPEN311, **kwargs)


def open311_errors(exc: ValidationError) -> list[str]:
    """One description per message, each naming the Open311 parameter it concerns."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    described = []
    for field, messages in exc.message_dict.items():
        name = "" if field == NON_FIELD_ERRORS else PARAMETERS.get(field, field)
        described += [f"{name}: {message}" if name else message for message in messages]
    return described
