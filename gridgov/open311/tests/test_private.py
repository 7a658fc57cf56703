"""Matters about a family (categories not ``is_public``) do not exist for Open311 nor for the
public pages: not listed, not counted, and their numbers answer exactly as numbers never given
(same status, body, headers and queries), however they are asked for."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.cases import services as s
from gridgov.cases.models import Category, Matter

from .conftest import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre(make_user, grid):
    return make_user("village_cadre", grid.village)


@pytest.fixture
def private(make_matter, cadre):
    matter = make_matter(
        category=Category.objects.get(code="poverty_risk"),
        description="陈伯重病住院，医疗费用负担重",
        address="平东村三巷5号",
    )
    matter = s.matter_sign(matter=matter, user=cadre)
    return s.matter_settle(matter=matter, user=cadre, answer="已为陈伯申请临时救助")


@pytest.fixture
def shown(make_matter):
    return make_matter(category=Category.objects.get(code="environment"), description="垃圾未清")


def never_given(number: str) -> str:
    """A number of the same shape (day, length) that no matter has."""
    candidate = number[:8] + "9" * (len(number) - 8)
    assert not Matter.objects.filter(number=candidate).exists()
    return candidate


def answer(client, path: str, **params):
    """Status, headers, body and the SQL it ran, to compare two answers."""
    url = f"{BASE}{path}" + (f"?{urlencode(params)}" if params else "")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries]


RANDOM_HEADER = "X-Request-ID"


def assert_same(first, second, *, numbers: tuple[str, str]):
    """Two answers alike but for the number asked for."""
    (one, sql_one), (two, sql_two) = first, second
    swap = (numbers[0].encode(), numbers[1].encode())
    assert one.status_code == two.status_code
    assert one.content.replace(*swap) == two.content
    # the same headers, with the same values but the request's own random id
    assert one.headers.keys() == two.headers.keys()
    assert {k: v for k, v in one.headers.items() if k != RANDOM_HEADER} == {
        k: v for k, v in two.headers.items() if k != RANDOM_HEADER
    }
    assert [q.replace(*numbers) for q in sql_one] == sql_two


def test_defaults_publish_only_public_places():
    public = set(Category.objects.filter(is_public=True).values_list("code", flat=True))
    assert public == {"safety", "environment", "suggestion"}


def test_private_matters_are_not_listed(client, private, shown):
    body = client.get(BASE + "requests.json").json()
    assert [r["service_request_id"] for r in body] == [shown.number]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("extensions", [{}, {"extensions": "true"}])
def test_a_private_number_answers_as_a_number_never_given(client, private, fmt, extensions):
    absent = never_given(private.number)
    mine = answer(client, f"requests/{private.number}.{fmt}", **extensions)
    none = answer(client, f"requests/{absent}.{fmt}", **extensions)
    assert mine[0].status_code == 404
    assert_same(mine, none, numbers=(private.number, absent))
    text = mine[0].content.decode()
    for secret in ("陈伯", "三巷", "救助", "poverty_risk", private.category.name):
        assert secret not in text


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_asking_for_many_numbers_reveals_none_of_the_private_ones(client, private, shown, fmt):
    absent = never_given(private.number)
    mine = answer(
        client,
        f"requests.{fmt}",
        service_request_id=f"{private.number},{shown.number}",
        extensions="true",
    )
    none = answer(
        client,
        f"requests.{fmt}",
        service_request_id=f"{absent},{shown.number}",
        extensions="true",
    )
    assert mine[0].status_code == 200
    assert_same(mine, none, numbers=(private.number, absent))
    assert private.number not in mine[0].content.decode()
    assert shown.number in mine[0].content.decode()


def test_only_private_numbers_give_an_empty_list(client, private):
    absent = never_given(private.number)
    mine = answer(client, "requests.json", service_request_id=private.number)
    none = answer(client, "requests.json", service_request_id=absent)
    assert mine[0].json() == [] and none[0].json() == []
    assert_same(mine, none, numbers=(private.number, absent))


# The filters, and what they answer (P the private matter, S the public one) while P is private
# and once its category is published: the second column shows each filter would count P.
FILTERS = [
    ({}, "S", "S P"),
    ({"service_code": "poverty_risk"}, "", "P"),
    ({"service_code": "poverty_risk,environment"}, "S", "S P"),
    ({"status": "closed"}, "", "P"),
    ({"status": "open,closed"}, "S", "S P"),
    ({"page_size": "1", "page": "1"}, "S", "S"),
    ({"page_size": "1", "page": "2"}, "", "P"),
]


@pytest.mark.parametrize("params,hidden,published", FILTERS)
def test_filters_and_pages_count_no_private_matter(
    client, private, shown, params, hidden, published
):
    """No count, no page, no gap: a private matter takes no place in any list."""
    names = {"S": shown.number, "P": private.number}

    def listed() -> list[str]:
        body = client.get(BASE + "requests.json?" + urlencode(params)).json()
        return [item["service_request_id"] for item in body]

    assert listed() == [names[n] for n in hidden.split()]
    Category.objects.filter(code="poverty_risk").update(is_public=True)
    assert listed() == [names[n] for n in published.split()]


def test_a_private_category_made_public_is_listed(client, private):
    """The rule follows the category's flag at the time of the read, both ways."""
    Category.objects.filter(code="poverty_risk").update(is_public=True)
    body = client.get(f"{BASE}requests/{private.number}.json").json()
    assert body[0]["service_request_id"] == private.number


def test_a_matter_merged_into_a_private_one_names_neither_its_number_nor_its_answer(
    client, make_matter, make_user, grid, cadre
):
    worker = make_user("grid_worker", grid.microgrid)
    target = make_matter(
        category=Category.objects.get(code="poverty_risk"), description="王婆独居无人照看"
    )
    duplicate = make_matter(
        category=Category.objects.get(code="environment"), description="三巷门口堆了杂物"
    )
    s.matter_merge(matter=duplicate, user=worker, into=target)
    target = s.matter_sign(matter=Matter.objects.get(pk=target.pk), user=cadre)
    s.matter_settle(matter=target, user=cadre, answer="已安排王婆入住敬老院")
    text = client.get(f"{BASE}requests/{duplicate.number}.json?extensions=true").content.decode()
    item = json.loads(text)[0]
    assert item["status"] == "closed"
    assert target.number not in text and "王婆" not in text and "敬老院" not in text
    assert [n["type"] for n in item["notes"]][-2:] == ["merge", "merged_answer"]


CSRF = re.compile(rb'value="[A-Za-z0-9]{64}"')


def test_public_pages_do_not_find_a_matter_by_its_number(client, private):
    """/p/ finds a matter by its tracking code only: a number, private or never given, is not
    one."""
    absent = never_given(private.number)
    mine = client.get("/p/", {"t": private.number})
    none = client.get("/p/", {"t": absent})
    assert mine.status_code == none.status_code == 200
    # alike but for the number echoed in the field (and a form's CSRF token, if any)
    swapped = mine.content.replace(private.number.encode(), absent.encode())
    assert CSRF.sub(b"", swapped) == CSRF.sub(b"", none.content)
    for path in (f"/p/m/{private.number}/", f"/p/m/{absent}/"):
        assert client.get(path).status_code == 404
    # the reporter's own link still opens it
    assert client.get(f"/p/m/{private.tracking_token}/").status_code == 200
