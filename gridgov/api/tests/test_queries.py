"""Every list endpoint answers in a fixed number of queries, however many rows it returns."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.grid.services import grid_node_create
from gridgov.orgs.services import (
    body_create,
    grid_post_create,
    membership_create,
    party_member_create,
    party_org_create,
)

pytestmark = pytest.mark.django_db

ROWS = 35


@pytest.fixture
def many(tree, make_household, make_person):
    for i in range(ROWS):
        grid_node_create(
            code=f"{tree.group.code}{i + 2:03d}", name=f"微网格{i}", parent=tree.group, by=None
        )
    branch = party_org_create(
        code="P-A", name="平东村党支部", kind="branch", node=tree.village, by=None
    )
    committee = body_create(
        code="B-A", name="村委会", kind="village_committee", node=tree.village, by=None
    )
    for i in range(ROWS):
        person = make_person(make_household(), name=f"人{i}")
        org = party_org_create(
            code=f"P-A-{i}",
            name=f"党小组{i}",
            kind="group",
            node=tree.group,
            parent=branch,
            by=None,
        )
        party_member_create(
            person=person,
            organization=org,
            status="probationary",
            joined_on=dt.date(2020, 1, 1),
            by=None,
        )
        body_create(
            code=f"B-{i}", name=f"组委会{i}", kind="group_committee", node=tree.group, by=None
        )
        membership_create(
            body=committee, person=person, role="member", term_start=dt.date(2021, 1, 1), by=None
        )
        grid_post_create(
            node=tree.group, person=person, kind="worker", start_on=dt.date(2022, 1, 1), by=None
        )


# Queries of a token request: token lookup, its last-use stamp, the user's assignments, the
# count, the page; the grid list adds one grouped count per code length on the page (≤ 5).
LISTS = [
    ("/grid-nodes/", 10),
    ("/households/", 5),
    ("/persons/", 5),
    ("/party-orgs/", 5),
    ("/party-members/", 5),
    ("/bodies/", 5),
    ("/bodies/B-A/memberships", 6),
    ("/grid-posts/", 5),
]


def test_list_queries_are_bounded(admin, many, django_assert_max_num_queries):
    # One data set for every list (building it is the slow part).
    for path, max_queries in LISTS:
        with django_assert_max_num_queries(max_queries):
            response = admin.get(path, limit=100)
        assert response.status_code == 200, (path, response.content)
        assert len(response.json()["items"]) >= 30, path
