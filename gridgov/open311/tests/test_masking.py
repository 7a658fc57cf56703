"""Personal numbers typed into a public matter's free text are masked wherever it is published
(Open311 in both formats, its notes, the residents' tracking page) and kept whole on the staff
pages of those who may see the matter."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from gridgov.cases import services as s
from gridgov.cases.models import Category

from .conftest import BASE

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
MOBILE = "13812345678"
CARD = "6222021234567890128"
WHOLE = (ID, MOBILE, "138 1234 5678", "１３９１２３４５６７８", "13912345678", CARD, "6222 0212")
MASKED = ("110105********002X", "138****5678", "139****5678", "6222***********0128")


@pytest.fixture
def worker(make_user, grid):
    return make_user("village_cadre", grid.village)


@pytest.fixture
def matter(make_matter, worker):
    matter = make_matter(
        category=Category.objects.get(code="environment"),
        description=f"垃圾堆在门口，我是张三，身份证{ID}，电话138 1234 5678。",
        address="平东村3巷12号（电话１３９１２３４５６７８）",
    )
    matter = s.matter_sign(matter=matter, user=worker)
    matter = s.matter_note(matter=matter, user=worker, public_note=f"已联系，回电{MOBILE}。")
    return s.matter_settle(
        matter=matter, user=worker, answer=f"已清运；补贴打到卡号{CARD}，2024年3月5日到账。"
    )


def assert_masked(text: str) -> None:
    for whole in WHOLE:
        assert whole not in text, whole
    for masked in MASKED:
        assert masked in text, masked
    # the rest of the text is published as it was written
    for kept in ("垃圾堆在门口", "平东村3巷12号", "2024年3月5日到账", "已联系"):
        assert kept in text


@pytest.mark.parametrize(
    "path", ["requests.json", "requests/{n}.json", "requests.json?service_request_id={n}"]
)
def test_open311_json_masks_description_address_answer_and_notes(client, matter, path):
    url = BASE + path.format(n=matter.number)
    text = client.get(url + ("&" if "?" in url else "?") + "extensions=true").content.decode()
    (item,) = json.loads(text)
    assert item["description"].endswith("身份证110105********002X，电话138****5678。")
    assert item["address"] == "平东村3巷12号（电话139****5678）"
    assert item["status_notes"].startswith("已清运；补贴打到卡号6222***********0128")
    assert "回电138****5678" in " ".join(n["description"] for n in item["notes"])
    assert_masked(text)


def test_open311_xml_masks_the_same(client, matter):
    text = client.get(f"{BASE}requests/{matter.number}.xml?extensions=true").content.decode()
    request = ET.fromstring(text.split("\n", 1)[1]).find("request")
    assert request.findtext("address") == "平东村3巷12号（电话139****5678）"
    assert_masked(text)


def test_the_tracking_page_masks_the_same(client, matter):
    text = client.get(f"/p/m/{matter.tracking_token}/").content.decode()
    assert "110105********002X" in text and "回电138****5678" in text
    assert "6222***********0128" in text
    for whole in (ID, MOBILE, "138 1234 5678", CARD):
        assert whole not in text


def test_staff_who_may_see_the_matter_read_the_full_text(client, matter, worker):
    client.force_login(worker)
    text = client.get(f"/matters/{matter.number}/").content.decode()
    assert ID in text and "138 1234 5678" in text and CARD in text and MOBILE in text
