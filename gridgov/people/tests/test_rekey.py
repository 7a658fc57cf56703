"""Rotating the data key: every citizen ID and phone re-encrypted and re-hashed, nothing lost,
searches working throughout, imports refused until it is done."""

from __future__ import annotations

import secrets

import pytest
from django.core.management import call_command

from gridgov.core import crypto
from gridgov.core.models import AuditEntry
from gridgov.people.models import Person
from gridgov.people.rekey import key_ids_in_use, person_data_rekey
from gridgov.people.selectors import person_search
from gridgov.people.services import person_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings):
    """Switch the data key during a test; the cipher caches are cleared around it."""

    def use(current: str, previous: str = "") -> None:
        settings.DATA_KEY = current
        settings.DATA_KEY_PREVIOUS = previous
        crypto.cipher.cache_clear()
        crypto.previous_ciphers.cache_clear()

    old = secrets.token_hex(32)
    use(old)
    yield use, old
    crypto.cipher.cache_clear()
    crypto.previous_ciphers.cache_clear()


def test_rotation_re_encrypts_and_re_hashes_without_loss(keys, make_household, make_user):
    use, old = keys
    household = make_household()
    from gridgov.conftest import new_citizen_id

    numbers = [new_citizen_id() for _ in range(7)]
    for n, number in enumerate(numbers):
        person_create(
            household=household,
            name=f"人{n}",
            citizen_id=number,
            phone=f"1381234567{n}" if n % 2 else "",
            by=None,
        )
    old_id = crypto.cipher().key_id
    new = secrets.token_hex(32)
    use(new, previous=old)
    admin = make_user(superuser=True)
    # Before the rotation rows are under the old key, and still found and read.
    assert key_ids_in_use() == {old_id: 7}
    assert person_search(admin, numbers[3]).get().name == "人3"
    assert Person.objects.get(name="人3").reveal_phone() == "13812345673"

    result = person_data_rekey(batch=3)  # several batches
    assert (result.checked, result.rotated) == (7, 7)
    assert key_ids_in_use() == {crypto.cipher().key_id: 7}
    use(new)  # the old key is gone: everything must read with the new one alone
    for n, number in enumerate(numbers):
        person = person_search(admin, number).get()
        assert person.name == f"人{n}" and person.reveal_citizen_id() == number
        assert person.reveal_phone() == (f"1381234567{n}" if n % 2 else "")
    assert person_data_rekey().rotated == 0  # nothing left: a second run changes nothing
    assert AuditEntry.objects.filter(action="rekey").count() == 2


def test_imports_wait_for_the_rotation(keys, tmp_path):
    from gridgov.dataio.services import import_file

    use, old = keys
    use(secrets.token_hex(32), previous=old)
    path = tmp_path / "grid.csv"
    path.write_text("代码,名称\n440605,南海区\n", encoding="utf-8")
    result = import_file(kind="grid", path=path)
    assert not result.ok and "数据密钥正在轮换" in result.errors[0].reason


def test_the_command_reports_keys_and_rotates(keys, make_household, capsys):
    use, old = keys
    from gridgov.conftest import new_citizen_id

    person_create(household=make_household(), name="甲", citizen_id=new_citizen_id(), by=None)
    use(secrets.token_hex(32), previous=old)
    call_command("datakey", "status")
    assert "旧密钥" in capsys.readouterr().out
    call_command("datakey", "rotate")
    out = capsys.readouterr().out
    assert (
        "改用当前密钥 1 人" in out and "当前密钥" in out and "旧密钥" not in out.split("人。")[-1]
    )
