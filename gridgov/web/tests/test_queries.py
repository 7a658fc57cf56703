"""Query counts of the main pages are bounded and do not grow with the rows shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.orgs.models import MemberStatus
from gridgov.orgs.services import party_member_create
from gridgov.people.models import Relation

# Session, user and the user's assignments: every signed-in page starts with these.
BASE = 3


@pytest.fixture
def grow(world, make_household, make_person):
    """Add ``n`` households of two persons each, the heads party members of the party group."""

    def grow(n: int) -> None:
        for i in range(n):
            household = make_household(address=f"东街{i + 10}号", is_tuopin=i % 2 == 0)
            head = make_person(household, name=f"户主{i}", relation=Relation.HEAD)
            make_person(household, name=f"配偶{i}", sex="F", relation=Relation.SPOUSE)
            party_member_create(
                person=head,
                organization=world.party_group,
                status=MemberStatus.PROBATIONARY,
                joined_on=dt.date(2024, 7, 1),
                by=None,
            )

    return grow


def urls(world) -> dict[str, str]:
    t = world.tree
    return {
        "node_village": f"/grid/{t.village.code}/",
        "node_microgrid": f"/grid/{t.microgrid.code}/",
        "home": "/",
        "households": "/households/",
        "households_under": f"/households/?under={t.village.code}",
        "households_q": "/households/?q=东街&tag=tuopin",
        "persons": "/persons/",
        "persons_under": f"/persons/?under={t.group.code}",
        "persons_q": "/persons/?q=户主",
        "orgs": "/orgs/",
        "members": f"/members/?under={t.village.code}",
        "household": f"/households/{world.household.number}/",
        "person": f"/persons/{world.head.pk}/",
        "org": f"/orgs/{world.party_group.code}/",
        "org_report": "/orgs/report/",
        "search_name": "/search/?q=户主",
        # By citizen ID: a POST (the ID never goes into a URL), see count_queries.
        "search_id": f"POST /search/ {world.head_id_number}",
    }


# Upper bounds, each a few above what the page needs today (measured in the report).
BOUNDS = {
    "node_village": BASE + 9,
    "node_microgrid": BASE + 9,
    "home": BASE + 3,
    "households": BASE + 4,
    "households_under": BASE + 4,
    "households_q": BASE + 3,
    "persons": BASE + 4,
    "persons_under": BASE + 4,
    "persons_q": BASE + 3,
    "orgs": BASE + 3,
    "members": BASE + 4,
    "household": BASE + 5,  # + the links part (the linker in force and the history)
    "person": BASE + 7,
    "org": BASE + 6,
    "org_report": BASE + 4,
    "search_name": BASE + 5,
    "search_id": BASE + 4,
}


def fetch(client, url: str):
    """GET the URL, or for ``POST <path> <q>`` post the search form."""
    if url.startswith("POST "):
        _method, path, q = url.split(" ", 2)
        return client.post(path, {"q": q})
    return client.get(url)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fetch(client, url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_page_queries_are_bounded_and_do_not_grow_with_rows(
    cadre_client, world, grow, django_assert_max_num_queries, name
):
    url = urls(world)[name]
    grow(3)
    few = count_queries(cadre_client, url)
    grow(32)  # 35 households, 70 persons, 35 members: more than fit a page of the org's list
    with django_assert_max_num_queries(BOUNDS[name]):
        response = fetch(cadre_client, url)
    assert response.status_code == 200
    many = count_queries(cadre_client, url)
    assert many == few, (name, few, many)


def test_unfiltered_lists_take_their_total_from_the_grid_counters(cadre_client, world, grow):
    grow(5)
    for url in ["/households/", f"/households/?under={world.tree.village.code}", "/persons/"]:
        with CaptureQueriesContext(connection) as ctx:
            html = cadre_client.get(url).content.decode()
        sqls = [q["sql"].upper() for q in ctx.captured_queries]
        assert not any("COUNT(" in s for s in sqls), url
        assert "共 6 条" in html or "共 13 条" in html, url
    # A text or tag filter needs the database's count.
    with CaptureQueriesContext(connection) as ctx:
        html = cadre_client.get("/households/", {"tag": "tuopin"}).content.decode()
    assert any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    assert "共 3 条" in html


def test_pages_hold_fifty_rows(cadre_client, world, grow):
    grow(60)
    html = cadre_client.get("/households/").content.decode()
    assert html.count('data-label="户主"') == 50 and "共 61 条" in html
    assert "下一页" in html
    html = cadre_client.get("/households/", {"page": 2}).content.decode()
    assert html.count('data-label="户主"') == 11
    html = cadre_client.get("/households/", {"page": "999"}).content.decode()
    assert html.count('data-label="户主"') == 11  # past the end: the last page
