"""Intake (受理) of a matter from any channel: text and photo checks, routing, the first clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.scope import user_may
from gridgov.cases.permissions import REPORT_MATTER
from gridgov.core.audit import audit_record
from gridgov.core.crypto import encrypt
from gridgov.core.identity import IdentifierError, validate_phone
from gridgov.core.rules import rule_value
from gridgov.core.sqlwrites import (
    WriteBatch,
    next_key,
    stands_alone,
    update_where,
    write_batch,
)
from gridgov.grid.models import GridNode

from .models import Category, Matter, MatterPhoto, NotificationKind, source_fingerprint
from .notify import handlers_of, notify
from .numbering import matter_serial
from .routing import Route, route_matter
from .rules import PHOTO_MAX_BYTES, PHOTO_MAX_COUNT
from .step_records import add_event, clean_text, set_level

# File signatures (magic numbers): the photo's content decides its type, not its name.
PHOTO_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


def photo_type(upload: UploadedFile) -> str:
    """The checked content type of an uploaded photo, or a ValidationError naming the file."""
    name = upload.name or "?"
    if upload.size > rule_value(PHOTO_MAX_BYTES):
        raise ValidationError(
            {
                "photos": _("照片%(name)s有%(mb).1fMB，超过%(max).0fMB")
                % {
                    "name": name,
                    "mb": upload.size / 1048576,
                    "max": rule_value(PHOTO_MAX_BYTES) / 1048576,
                }
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, signatures in PHOTO_SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            if content_type == "image/webp" and head[8:12] != b"WEBP":
                continue
            declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip()
            if declared not in ("", "application/octet-stream", content_type):
                raise ValidationError(
                    {
                        "photos": _("文件%(name)s声称是%(d)s，内容却是%(c)s")
                        % {"name": name, "d": declared, "c": content_type}
                    }
                )
            return content_type
    raise ValidationError({"photos": _("文件%(name)s不是JPEG、PNG或WebP图片") % {"name": name}})


class PlaceOutOfScope(PermissionDenied):
    """The place a matter is routed to is not the acting user's to report at: nothing is stored.

    Each caller answers it its own way: the API as 404 (out of scope is never told apart from
    absent), the intake page as an error on its place field."""

    def __init__(self, place: GridNode) -> None:
        super().__init__(_("该位置不在您负责的网格内，请核对坐标或选择网格"))
        self.place = place


def intake_place_check(user: Any, place: GridNode) -> None:
    """May ``user`` register a matter at ``place`` ("report_matter" there)? ``PlaceOutOfScope``
    if not. Where routing puts a matter is checked, not only the place asked for: a point or an
    address may fall in another grid."""
    if not user_may(user, REPORT_MATTER, place.code):
        raise PlaceOutOfScope(place)


def _photos_checked(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(photos) > rule_value(PHOTO_MAX_COUNT):
        raise ValidationError(
            {"photos": _("最多上传%(n)s张照片") % {"n": rule_value(PHOTO_MAX_COUNT)}}
        )
    return [(p, photo_type(p)) for p in photos]


def matter_create(
    *,
    category: Category,
    description: str,
    channel: str,
    reporter_user: Any = None,
    household: Any = None,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    place: GridNode | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    attributes: dict[str, Any] | None = None,
    media_urls: Sequence[str] = (),
    photos: Sequence[UploadedFile] = (),
    source_ip: str = "",
    acting_user: Any = None,
    now: dt.datetime | None = None,
) -> Matter:
    """受理: number the matter, route it, start its clock, tell its handlers.

    With ``acting_user`` (staff registering it, on the page or through the API), the place the
    matter is routed to must be theirs to report at (``intake_place_check``), checked before
    anything is written, photos included. Residents (public page, Open311) have no scope."""
    now = now or timezone.now()
    if not category.is_active:
        raise ValidationError({"category": _("类别“%(c)s”已停用") % {"c": category.name}})
    description = clean_text(description, field="description")
    address = clean_text(address, field="address", required=False, max_chars=200)
    reporter_name = clean_text(reporter_name, field="reporter_name", required=False, max_chars=50)
    if reporter_phone.strip():
        try:
            reporter_phone = validate_phone(reporter_phone)
        except IdentifierError as exc:
            raise ValidationError({"reporter_phone": str(exc)}) from None
    checked_photos = _photos_checked(photos)
    route = route_matter(
        category=category,
        household_microgrid=household.microgrid if household is not None else None,
        lat=lat,
        lng=lng,
        place=place,
        address=address,
    )
    if acting_user is not None:
        intake_place_check(acting_user, route.place)
    matter = Matter(
        # Unique until the row id gives the real number: a shared placeholder ("") would make
        # concurrent intakes wait on each other's unique-index entry until commit.
        number="~" + secrets.token_hex(9),
        category=category,
        description=description,
        channel=channel,
        household=household,
        lat=lat,
        lng=lng,
        address=address,
        grid_node=route.place,
        grid_path=route.place.code,
        routed_by=route.how,
        anonymous=anonymous,
        reporter_name_cipher=encrypt(reporter_name) if reporter_name and not anonymous else None,
        reporter_phone_cipher=encrypt(reporter_phone) if reporter_phone and not anonymous else None,
        reporter_user=reporter_user if getattr(reporter_user, "pk", None) else None,
        attributes=attributes or {},
        media_urls=list(media_urls),
        received_at=now,
        source_hash=source_fingerprint(source_ip),
    )
    set_level(matter, route.handler, now=now)
    handlers = handlers_of(route.handler, role=category.handler_role)
    photo_rows = []
    for upload, content_type in checked_photos:
        upload.seek(0)
        photo_rows.append((upload, content_type, hashlib.sha256(upload.read()).hexdigest()))
        upload.seek(0)
    # Plain SQL writes (sqlwrites): measured by bench/load.py (writes phase, create).
    # Everything above reads or checks; only the writes below hold the database's write lock
    # (SQLite lets one writer in at a time).
    if photo_rows or not stands_alone():
        with transaction.atomic(), write_batch() as batch:
            matter.save()
            _numbered(matter)
            update_where(Matter, values={"number": matter.number}, where={"pk": matter.pk})
            for upload, content_type, digest in photo_rows:
                MatterPhoto.objects.create(
                    matter=matter,
                    file=upload,
                    content_type=content_type,
                    size=upload.size,
                    sha256=digest,
                )
            _announce(matter, batch, handlers, reporter_user=reporter_user, route=route)
        return matter
    # PostgreSQL, no photos: the row with its key drawn first, its event, the handlers'
    # messages and the audit entry in one statement, whole without a transaction.
    matter.pk = next_key(Matter)
    _numbered(matter)
    with write_batch() as batch:
        batch.insert(matter, keyed=True)
        _announce(matter, batch, handlers, reporter_user=reporter_user, route=route)
    return matter


def _numbered(matter: Matter) -> None:
    """The number carries the day and the row id, scrambled (``numbering``): unique without a
    counter table to lock, and no count of other matters in it."""
    matter.number = f"{timezone.localtime(matter.received_at):%Y%m%d}{matter_serial(matter.pk)}"


def _announce(
    matter: Matter, batch: WriteBatch, handlers: list[int], *, reporter_user: Any, route: Route
) -> None:
    """The new matter's timeline event, its handlers' messages and its audit entry."""
    now, category = matter.received_at, matter.category
    deadline_text = f"{timezone.localtime(matter.deadline):%Y-%m-%d}"
    # The new matter's whole timeline, kept so that whoever shows it need not read it back.
    matter.timeline = [
        add_event(
            matter,
            "create",
            before="",
            user=reporter_user,
            public_note=_("已受理，由%(who)s办理，办理期限%(d)s。")
            % {"who": route.handler.name, "d": deadline_text},
            at=now,
            batch=batch,
        )
    ]
    notify(
        user_ids=handlers,
        matter=matter,
        kind=NotificationKind.ASSIGNED,
        text=_("新事项%(n)s（%(c)s）：%(d)s")
        % {"n": matter.number, "c": category.name, "d": matter.description[:60]},
        batch=batch,
    )
    # Last: the audit chain's head row stays locked until commit, so take it as late as
    # we can.
    audit_record(
        action="matter.create",
        instance=matter,
        after={
            "number": matter.number,
            "category": category.code,
            "channel": matter.channel,
            "grid_path": matter.grid_path,
            "handler_path": matter.handler_path,
            "routed_by": route.how,
            "deadline": matter.deadline,
        },
        batch=batch,
    )
