"""The matters ledger (台账) travels by e-mail and chat groups: personal numbers written into a
matter's content or answer are masked in it, as the reporter's name and phone are."""

from __future__ import annotations

import pytest

from gridgov.cases import services as s

pytestmark = pytest.mark.django_db


def test_the_ledger_masks_numbers_written_into_content_and_answer(client, staff, new_matter):
    matter = new_matter(description="李四身份证11010519491231002X，电话138 1234 5678")
    matter = s.matter_sign(matter=matter, user=staff.village)
    s.matter_settle(matter=matter, user=staff.village, answer="补贴已打到6222021234567890128")
    client.force_login(staff.village)
    response = client.get("/matters/", {"format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert matter.number in text and "李四身份证110105********002X" in text
    assert "138****5678" in text and "6222***********0128" in text
    for whole in ("11010519491231002X", "138 1234 5678", "6222021234567890128"):
        assert whole not in text
    # the matter's own page keeps the full text for who may see it
    page = client.get(f"/matters/{matter.number}/").content.decode()
    assert "11010519491231002X" in page and "6222021234567890128" in page
