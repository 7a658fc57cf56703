import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.core import crypto
from gridgov.core.audit import audit_record, audit_verify
from gridgov.core.models import AuditEntry


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


@pytest.mark.django_db
def test_audit_chain_detects_tampering_and_deletion():
    for i in range(5):
        audit_record(action="create", object_type="t.x", object_id=str(i), after={"n": i})
    assert audit_verify().ok
    third = AuditEntry.objects.order_by("id")[2]
    AuditEntry.objects.filter(pk=third.pk).update(after={"n": 99})
    result = audit_verify()
    assert not result.ok and result.first_broken_id == third.pk
    AuditEntry.objects.filter(pk=third.pk).update(after={"n": 2})
    assert audit_verify().ok
    AuditEntry.objects.filter(pk=third.pk).delete()
    result = audit_verify()
    assert not result.ok and result.first_broken_id == third.pk + 1
