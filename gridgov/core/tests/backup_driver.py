"""What the backup tests run in a process of its own, as a deployment would run it:
``python -m gridgov.core.tests.backup_driver seed|write|facts`` with GRIDGOV_DATABASE_URL set.

- ``seed``: a small installation made through the services: a grid, users, households, persons
  with citizen IDs and phones, matters with encrypted reporter details and a photo each.
- ``write STOP_FILE COUNT_FILE [LIMIT]``: create matters one after the other (each with its
  audit entry) until STOP_FILE exists (or LIMIT are made), writing the number made so far to
  COUNT_FILE.
- ``facts`` (and after each of the others): print, as JSON, what a restore must keep: row counts, every decrypted citizen ID
  and phone, the matters' decrypted reporter details and each matter's creation entry, the
  photos' SHA-256, whether the audit chain verifies.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
from pathlib import Path

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()


def _square(lng: float, lat: float, size: float = 0.01) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def seed() -> None:
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from gridgov.accounts.services import assignment_create, user_create
    from gridgov.cases.intake import matter_create
    from gridgov.cases.models import Category, Channel
    from gridgov.core.context import Source, actor_context
    from gridgov.core.identity import make_citizen_id
    from gridgov.grid.services import grid_node_create
    from gridgov.people.services import household_create, person_create

    with actor_context(source=Source.CLI):
        county = grid_node_create(code="440605", name="南海区", by=None)
        town = grid_node_create(code="440605001", name="桂城街道", parent=county, by=None)
        village = grid_node_create(code="440605001201", name="平东村", parent=town, by=None)
        group = grid_node_create(
            code="440605001201001", name="第一村民小组", parent=village, by=None
        )
        microgrid = grid_node_create(
            code="440605001201001001",
            name="一组1号微网格",
            parent=group,
            boundary=_square(113.15, 23.03),
            by=None,
        )
        worker = user_create(username="worker", password="pw-Backup-123")
        assignment_create(user=worker, node=microgrid, role="grid_worker")
        numbers = itertools.count(1)
        for h in range(4):
            household = household_create(
                number=f"{microgrid.code}{h + 1:04d}",
                microgrid=microgrid,
                address=f"平东路{h}号",
                by=None,
            )
            for _ in range(2):
                n = next(numbers)
                person_create(
                    household=household,
                    name=f"居民{n}",
                    citizen_id=make_citizen_id("440605", dt.date(1970 + n, 3, 9), n * 2 + 1),
                    phone=f"1381234{n:04d}",
                    by=None,
                )
        category = Category.objects.get(code="dispute")
        for n in range(3):
            matter_create(
                category=category,
                description=f"邻居占用通道 {n}",
                channel=Channel.STAFF,
                reporter_user=worker,
                lat=23.035,
                lng=113.155,
                reporter_name=f"报告人{n}",
                reporter_phone=f"1390000{n:04d}",
                photos=[SimpleUploadedFile(f"p{n}.jpg", JPEG + bytes([n]), "image/jpeg")],
            )


def write(stop_file: str, count_file: str, limit: str = "0") -> None:
    from django.contrib.auth import get_user_model

    from gridgov.cases.intake import matter_create
    from gridgov.cases.models import Category, Channel
    from gridgov.core.context import Source, actor_context

    worker = get_user_model().objects.get(username="worker")
    category = Category.objects.get(code="dispute")
    made = 0
    with actor_context(source=Source.CLI, user=worker):
        while not Path(stop_file).exists() and not (int(limit) and made >= int(limit)):
            matter_create(
                category=category,
                description=f"并发写入 {made}",
                channel=Channel.STAFF,
                reporter_user=worker,
                lat=23.035,
                lng=113.155,
                reporter_phone="13900001111",
            )
            made += 1
            Path(count_file).write_text(str(made))


def facts() -> dict:
    from django.core.files.storage import default_storage

    from gridgov.cases.models import Matter, MatterPhoto
    from gridgov.core.audit import audit_verify
    from gridgov.core.backup.format import carried_models
    from gridgov.core.crypto import decrypt
    from gridgov.core.models import AuditEntry
    from gridgov.people.models import Person

    persons = {
        str(pk): [decrypt(cid), decrypt(phone) if phone is not None else None]
        for pk, cid, phone in Person.objects.values_list("pk", "id_cipher", "phone_cipher")
    }
    matters = {
        str(m.pk): [
            m.number,
            decrypt(m.reporter_name_cipher) if m.reporter_name_cipher else None,
            decrypt(m.reporter_phone_cipher) if m.reporter_phone_cipher else None,
        ]
        for m in Matter.objects.order_by("pk")
    }
    created = sorted(
        AuditEntry.objects.filter(action="matter.create").values_list("object_id", flat=True)
    )
    photos = {}
    for photo in MatterPhoto.objects.order_by("pk"):
        with default_storage.open(photo.file.name, "rb") as handle:
            photos[photo.file.name] = hashlib.sha256(handle.read()).hexdigest()
    verified = audit_verify()
    return {
        "counts": {m._meta.label_lower: m._base_manager.count() for m in carried_models()},
        "persons": persons,
        "matters": matters,
        "matters_created": created,
        "photos": photos,
        "audit_ok": verified.ok,
        "audit_checked": verified.checked,
    }


if __name__ == "__main__":
    _setup()
    command, *args = sys.argv[1:]
    if command == "seed":
        seed()
    elif command == "write":
        write(*args)
    elif command != "facts":
        raise SystemExit(f"unknown command {command}")
    # What the database holds afterwards, for the test to compare (one process less).
    print(json.dumps(facts(), ensure_ascii=False))
