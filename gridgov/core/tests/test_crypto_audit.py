import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from gridgov.core import crypto
from gridgov.core.audit import audit_record, audit_verify
from gridgov.core.models import AuditEntry, AuditHead


@given(st.text(alphabet="0123456789X", min_size=18, max_size=18))
def test_citizen_id_mask_hides_birth_date_and_sequence(value):
    masked = crypto.mask_citizen_id(value)
    assert len(masked) == 18
    assert masked[:6] == value[:6] and masked[-4:] == value[-4:]
    assert masked[6:14] == "*" * 8


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_phone_mask(value):
    masked = crypto.mask_phone(value)
    assert masked == value[:3] + "****" + value[-4:]


def test_encryption_round_trip_random_nonce_and_keyed_hash():
    a, b = crypto.encrypt("440605199001011236"), crypto.encrypt("440605199001011236")
    assert a != b and b"440605" not in a
    assert crypto.decrypt(a) == "440605199001011236"
    assert crypto.lookup_hash("x") == crypto.lookup_hash("x") != crypto.lookup_hash("y")


def test_other_key_cannot_decrypt():
    other = crypto.DataCipher(b"k" * 32)
    with pytest.raises(crypto.DataKeyError):
        other.decrypt(crypto.encrypt("13812345678"))


@contextmanager
def edits_allowed():
    """Take the no-update trigger away, as someone with the rights to do so could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_no_update"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
                    "BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END"
                )


def _chain(n: int = 5) -> list[AuditEntry]:
    for i in range(n):
        audit_record(
            action="update",
            object_type="people.person",
            object_id=str(i),
            object_repr=f"人{i}",
            grid_path="440605001201",
            before={"name": f"旧{i}"},
            after={"name": f"新{i}"},
        )
    return list(AuditEntry.objects.order_by("id"))


@pytest.mark.django_db
def test_the_database_refuses_to_change_an_entry():
    entry = _chain(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(after={"name": "篡改"})
    assert audit_verify().ok


@pytest.mark.django_db
def test_each_entry_is_stored_as_returned_and_linked_to_the_one_before():
    """On PostgreSQL the database links and hashes the entry (one statement); on SQLite Python
    does: either way the entry returned is the row stored, and the chain verifies."""
    AuditHead.objects.all().delete()  # from the very first entry, when no head row exists yet
    entries = [
        audit_record(action="create", object_type="t", object_id="1", after={"名": "张三 🌾"}),
        audit_record(action="update", object_type="t", object_id="1", before=None, after=None),
        _chain(1)[-1],
    ]
    stored = {e.pk: e for e in AuditEntry.objects.all()}
    previous = "0" * 64
    for entry in entries:
        row = stored[entry.pk]
        assert (entry.prev_hash, entry.entry_hash) == (row.prev_hash, row.entry_hash)
        assert row.prev_hash == previous and len(row.entry_hash) == 64
        previous = row.entry_hash
    head = AuditHead.objects.get(pk=1)
    assert (head.last_hash, head.count) == (previous, 3)
    assert audit_verify().ok


TAMPERED = {
    "at": lambda e: e.at + dt.timedelta(seconds=1),
    "actor_id": lambda e: 999,
    "actor_name": lambda e: "someone",
    "source": lambda e: "cli",
    "request_id": lambda e: "0" * 32,
    "action": lambda e: "delete",
    "object_type": lambda e: "people.household",
    "object_id": lambda e: "77",
    "object_repr": lambda e: "别人",
    "grid_path": lambda e: "440605001202",
    "before": lambda e: {"name": "改过"},
    "after": lambda e: {"name": "改过"},
    "prev_hash": lambda e: "f" * 64,
    "entry_hash": lambda e: "e" * 64,
}


@pytest.mark.django_db
@pytest.mark.parametrize("position", [0, 2, 4])
@pytest.mark.parametrize("field", sorted(TAMPERED))
def test_changing_any_field_of_any_entry_is_detected_and_named(field, position):
    entries = _chain()
    target = entries[position]
    original = getattr(target, field)
    with edits_allowed():
        AuditEntry.objects.filter(pk=target.pk).update(**{field: TAMPERED[field](target)})
        result = audit_verify()
        assert not result.ok and result.first_broken_id == target.pk, (field, position, result)
        AuditEntry.objects.filter(pk=target.pk).update(**{field: original})
    assert audit_verify().ok


@pytest.mark.django_db
def test_deleting_an_entry_or_the_tail_is_detected():
    entries = _chain()
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    result = audit_verify()
    assert not result.ok and result.first_broken_id == entries[3].pk
    AuditEntry.objects.filter(pk__gte=entries[2].pk).delete()  # cut the tail
    result = audit_verify()
    assert not result.ok and result.first_broken_id is None and "链尾" in result.reason


def test_a_new_secret_never_begins_its_prefix_with_a_dash(monkeypatch):
    """A command line would read the prefix "-abc…" as an option (one secret in 64)."""
    drawn = iter(["-" + "a" * 42, "_" + "b" * 42])
    monkeypatch.setattr(crypto.secrets, "token_urlsafe", lambda n: next(drawn))
    assert crypto.new_secret("gg_") == "gg__" + "b" * 42
