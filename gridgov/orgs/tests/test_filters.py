"""The lists of party organizations and party members filter alike on the page, its export and
the API: one selector per list (``selectors.org_list``, ``selectors.member_list``) holds them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from gridgov.orgs.models import MemberStatus
from gridgov.orgs.services import party_member_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def mobile_member(world, make_person):
    """A mobile member directly in the village branch (the world's other member is in a group)."""
    return party_member_create(
        person=make_person(world.household, name="陈流动"),
        organization=world.branch,
        status=MemberStatus.FULL,
        joined_on=dt.date(2005, 7, 1),
        full_member_on=dt.date(2006, 7, 1),
        is_mobile=True,
        by=None,
    )


def member_names(client, **params) -> set[str]:
    response = client.get("/members/", params)
    assert response.status_code == 200
    return {m.person.name for m in response.context["page"].object_list}


def org_codes(client, **params) -> set[str]:
    response = client.get("/orgs/", params)
    assert response.status_code == 200
    return {o.code for o in response.context["page"].object_list}


MEMBER_FILTERS = [
    {},
    {"organization": "P440605001201"},
    {"organization": "P440605001201001"},
    {"tag": "mobile"},
    {"tag": "center_household"},
    {"tag": "lost_contact"},
    {"status": "full", "tag": "mobile"},
    {"q": "流动"},
]


@pytest.mark.parametrize("params", MEMBER_FILTERS)
def test_member_page_filters_as_the_api(world, mobile_member, cadre_client, api_as, params):
    api = api_as(world.cadre)
    listed = api.get("/party-members/", **params).json()["items"]
    expected = {m["person"]["name"] for m in listed}
    assert member_names(cadre_client, **params) == expected


def test_member_list_takes_no_citizen_id_in_the_url(world, cadre_client, api_as):
    """So ``q`` filters by name only, on the page and in the API (docs/security.md)."""
    response = api_as(world.cadre).get("/party-members/", q=world.head_id_number)
    assert response.status_code == 422
    assert cadre_client.get("/members/", {"q": world.head_id_number}).status_code == 400


def test_member_page_filters_by_organization_and_tag(world, mobile_member, cadre_client):
    assert member_names(cadre_client) == {"陈大明", "陈流动"}
    # Only the members directly in the organization, as in the API.
    assert member_names(cadre_client, organization=world.branch.code) == {"陈流动"}
    assert member_names(cadre_client, organization=world.party_group.code) == {"陈大明"}
    assert member_names(cadre_client, tag="mobile") == {"陈流动"}
    assert member_names(cadre_client, tag="center_household") == {"陈大明"}
    assert member_names(cadre_client, tag="lost_contact") == set()


def test_member_export_follows_the_page_filters(world, mobile_member, cadre_client):
    response = cadre_client.get("/members/", {"tag": "mobile", "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    # One row: the mobile member's (the export shows the organization, not the name).
    codes = [row[1] for row in rows if len(row) > 1 and row[1].startswith("P44")]
    assert codes == [world.branch.code]


ORG_FILTERS = [
    {},
    {"q": "党小组"},
    {"q": "P440605001201"},
    {"q": "P4406"},
    {"parent": "P440605001201"},
    {"kind": "branch"},
    {"kind": "group", "parent": "P440605001201"},
]


@pytest.mark.parametrize("params", ORG_FILTERS)
def test_org_page_filters_as_the_api(world, cadre_client, api_as, params):
    api = api_as(world.cadre)
    expected = {o["code"] for o in api.get("/party-orgs/", **params).json()["items"]}
    assert org_codes(cadre_client, **params) == expected


def test_org_page_filters_by_code_name_and_parent(world, cadre_client):
    both = {world.branch.code, world.party_group.code}
    assert org_codes(cadre_client) == both
    # The code exactly, or part of the name.
    assert org_codes(cadre_client, q=world.branch.code) == {world.branch.code}
    assert org_codes(cadre_client, q="P4406") == set()
    assert org_codes(cadre_client, q="党小组") == {world.party_group.code}
    assert org_codes(cadre_client, parent=world.branch.code) == {world.party_group.code}


def test_member_tags_are_defined_once():
    from gridgov.orgs.forms import MEMBER_TAG_CHOICES
    from gridgov.orgs.schemas import MemberTag
    from gridgov.orgs.selectors import MEMBER_TAGS

    assert {t.value for t in MemberTag} == set(MEMBER_TAGS)
    assert {key for key, _label in MEMBER_TAG_CHOICES if key} == set(MEMBER_TAGS)
