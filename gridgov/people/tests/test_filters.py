"""The households and persons lists have one set of filters, used by the page, its export and
the API (issue 13: the person filters by tag and by household existed in the API only)."""

from __future__ import annotations

import csv
import io

import pytest

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.people.forms import (
    HOUSEHOLD_TAG_CHOICES,
    PERSON_TAG_CHOICES,
    HouseholdFilterForm,
    PersonFilterForm,
)
from gridgov.people.schemas import HouseholdTag, PersonTag
from gridgov.people.selectors import HOUSEHOLD_TAGS, PERSON_TAGS


@pytest.fixture
def people(tree, make_household, make_person):
    first, second = make_household(), make_household()
    return {
        "first": first.number,
        "second": second.number,
        "alone": make_person(first, name="独居甲", lives_alone=True),
        "behind": make_person(first, name="留守乙", left_behind="child"),
        "plain": make_person(second, name="平常丙"),
    }


# Each filter and the names it keeps.
FILTERS = [
    ({"tag": "lives_alone"}, {"独居甲"}),
    ({"tag": "left_behind"}, {"留守乙"}),
    ({"tag": "party_member"}, set()),
    ({"household": "second"}, {"平常丙"}),
    ({"household": "first", "tag": "left_behind"}, {"留守乙"}),
]
NAMES = {"独居甲", "留守乙", "平常丙"}


def _page_names(client, params) -> set[str]:
    html = client.get("/persons/", params).content.decode()
    return {name for name in NAMES if name in html}


def _export_names(client, params) -> set[str]:
    response = client.get("/persons/", {**params, "format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    text = str(list(csv.reader(io.StringIO(body))))
    return {name for name in NAMES if name in text}


@pytest.mark.parametrize(("params", "names"), FILTERS)
def test_page_export_and_api_filter_persons_alike(
    client, tree, make_user, api_as, people, params, names
):
    if "household" in params:  # which of the fixture's two households
        params = {**params, "household": people[params["household"]]}
    cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    client.force_login(cadre)
    assert _page_names(client, params) == names
    assert _export_names(client, params) == names
    items = api_as(cadre).get("/persons/", **params).json()["items"]
    assert {item["name"] for item in items} == names


def test_tag_filters_need_view_only_and_write_no_audit_entry(
    client, tree, make_user, api_as, people
):
    """Person tags are columns every list shows; the API asks nothing more to filter by them,
    and neither does the page."""
    viewer = make_user(Role.VIEWER, tree.village)
    client.force_login(viewer)
    api = api_as(viewer)  # issuing the token is audited: before counting
    before = AuditEntry.objects.count()
    assert _page_names(client, {"tag": "lives_alone"}) == {"独居甲"}
    items = api.get("/persons/", tag="lives_alone").json()["items"]
    assert [item["name"] for item in items] == ["独居甲"]
    assert AuditEntry.objects.count() == before


def test_an_unknown_tag_is_ignored_on_the_page_and_refused_by_the_api(
    client, tree, make_user, api_as, people
):
    cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    client.force_login(cadre)
    assert _page_names(client, {"tag": "nonsense"}) == NAMES
    assert api_as(cadre).get("/persons/", tag="nonsense").status_code == 422


def test_the_forms_and_the_api_offer_the_tags_the_selectors_define():
    assert [key for key, _label in HOUSEHOLD_TAG_CHOICES if key] == list(HOUSEHOLD_TAGS)
    assert [key for key, _label in PERSON_TAG_CHOICES if key] == list(PERSON_TAGS)
    assert [tag.value for tag in HouseholdTag] == list(HOUSEHOLD_TAGS)
    assert [tag.value for tag in PersonTag] == list(PERSON_TAGS)
    assert set(PersonFilterForm.base_fields) >= {"under", "q", "residence_type", "household", "tag"}
    assert set(HouseholdFilterForm.base_fields) >= {"under", "q", "tag"}
