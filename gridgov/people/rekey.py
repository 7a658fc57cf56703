"""Rotating the data key: re-encrypt and re-hash every person's citizen ID and phone number.

The procedure (README, "Configuration"): set the new key as GRIDGOV_DATA_KEY and the old one in
GRIDGOV_DATA_KEY_PREVIOUS, restart, run ``gridgov datakey rotate``, then remove the old key.
While rows are still under the old key they decrypt with it and exact searches try both keys'
hashes (``core.crypto.lookup_hashes``); imports wait until the rotation is finished, because
they match persons by the current key's hash only.

Rows are rotated in batches, each in its own transaction, in id order: a run that stops can be
started again and goes on where it stopped (rows already under the current key are skipped,
known by the key id in the first byte of their ciphertext). The run is audited once, with its
counts; values never enter the log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

from gridgov.core.audit import audit_record
from gridgov.core.crypto import cipher, decrypt

from .models import Person

BATCH = 5000


@dataclass
class RekeyResult:
    checked: int = 0
    rotated: int = 0


def key_ids_in_use() -> dict[int, int]:
    """How many persons' citizen IDs are under each key id (the first ciphertext byte)."""
    postgres = connection.vendor == "postgresql"
    first_byte = "get_byte(id_cipher, 0)" if postgres else "hex(substr(id_cipher, 1, 1))"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {first_byte}, COUNT(*) FROM {Person._meta.db_table} GROUP BY 1 ORDER BY 1"
        )
        return {
            int(key_id) if postgres else int(key_id, 16): count
            for key_id, count in cursor.fetchall()
        }


def person_data_rekey(
    *, batch: int = BATCH, progress: Callable[[int, int], None] | None = None
) -> RekeyResult:
    """Re-encrypt and re-hash every citizen ID and phone number not under the current key."""
    current = cipher()
    total = Person.objects.count()
    result = RekeyResult()
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(
                Person.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", "id_cipher", "phone_cipher")[:batch]
            )
            if not rows:
                break
            last_id = rows[-1][0]
            result.checked += len(rows)
            changed = []
            for pk, id_blob, phone_blob in rows:
                id_blob = bytes(id_blob)
                phone_blob = bytes(phone_blob) if phone_blob is not None else None
                if id_blob[0] == current.key_id and (
                    phone_blob is None or phone_blob[0] == current.key_id
                ):
                    continue
                number = decrypt(id_blob)
                phone = decrypt(phone_blob) if phone_blob is not None else ""
                changed.append(
                    Person(
                        pk=pk,
                        id_cipher=current.encrypt(number),
                        id_hash=current.lookup_hash(number),
                        phone_cipher=current.encrypt(phone) if phone else None,
                        phone_hash=current.lookup_hash(phone) if phone else "",
                    )
                )
            if changed:
                Person.objects.bulk_update(
                    changed, ["id_cipher", "id_hash", "phone_cipher", "phone_hash"]
                )
                result.rotated += len(changed)
        if progress:
            progress(result.checked, total)
    with transaction.atomic():
        audit_record(
            action="rekey",
            object_type="people.person",
            object_repr="数据密钥轮换",
            after={"checked": result.checked, "rotated": result.rotated},
        )
    return result
