"""Matters about a family (categories not ``is_public``): never listed, and found by number
with their text, place and answer withheld."""

from __future__ import annotations

import json

import pytest

from gridgov.cases import services as s
from gridgov.cases.models import Category
from gridgov.open311.selectors import WITHHELD

from .conftest import BASE, INSIDE_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(make_matter, make_user, grid):
    cadre = make_user("village_cadre", grid.village)
    matter = make_matter(
        category=Category.objects.get(code="poverty_risk"),
        description="陈伯重病住院，医疗费用负担重",
        address="平东村三巷5号",
    )
    matter = s.matter_sign(matter=matter, user=cadre)
    return s.matter_settle(matter=matter, user=cadre, answer="已为陈伯申请临时救助")


def test_defaults_publish_only_public_places():
    public = set(Category.objects.filter(is_public=True).values_list("code", flat=True))
    assert public == {"safety", "environment", "suggestion"}


def test_private_matters_are_not_listed(client, private, make_matter):
    shown = make_matter(category=Category.objects.get(code="environment"), description="垃圾未清")
    body = client.get(BASE + "requests.json").json()
    assert [r["service_request_id"] for r in body] == [shown.number]


def test_by_number_the_content_is_withheld(client, private):
    for url in (
        f"{BASE}requests/{private.number}.json",
        f"{BASE}requests.json?service_request_id={private.number}&extensions=true",
    ):
        response = client.get(url)
        text = response.content.decode()
        (request,) = json.loads(text)
        assert request["status"] == "closed" and request["description"] == WITHHELD
        for secret in ("陈伯", "三巷", "临时救助", str(INSIDE_A[0])):
            assert secret not in text
        assert "lat" not in request and "address" not in request
