"""Scope: a user of village A never learns anything of village B, and out-of-scope writes leave
nothing behind.

Choice documented here and in the API description: a write naming a row the user may not see
(e.g. a household in B's micro-grid) answers 404 with the same body as a row that does not exist,
never 403 or 422, so a 404 does not tell whether the row exists.
"""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode
from gridgov.orgs.models import PartyMember
from gridgov.orgs.services import (
    body_create,
    grid_post_create,
    party_member_create,
    party_org_create,
)
from gridgov.people.models import Household, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def village_b(tree, make_household, make_person):
    """Rows of village B (平西村)."""
    household = make_household(tree.other_microgrid)
    person = make_person(household, name="平西人")
    org = party_org_create(
        code="P-B", name="平西村党支部", kind="branch", node=tree.other_village, by=None
    )
    body = body_create(
        code="B-B", name="平西村委会", kind="village_committee", node=tree.other_village, by=None
    )
    member = party_member_create(
        person=person,
        organization=org,
        status="full",
        joined_on=dt.date(2010, 1, 1),
        full_member_on=dt.date(2011, 1, 1),
        by=None,
    )
    post = grid_post_create(
        node=tree.other_village, person=person, kind="head", start_on=dt.date(2022, 1, 1), by=None
    )
    return {
        "household": household,
        "person": person,
        "org": org,
        "body": body,
        "member": member,
        "post": post,
    }


def detail_paths(rows):
    return [
        f"/households/{rows['household'].number}",
        f"/persons/{rows['person'].pk}",
        f"/party-orgs/{rows['org'].code}",
        f"/bodies/{rows['body'].code}",
        f"/bodies/{rows['body'].code}/memberships",
        f"/party-members/{rows['member'].pk}",
        f"/grid-posts/{rows['post'].pk}",
        f"/grid-nodes/{rows['household'].microgrid.code}",
    ]


def test_details_of_another_village_are_404_like_absent_rows(cadre_a, village_b):
    for path in detail_paths(village_b):
        response = cadre_a.get(path)
        assert response.status_code == 404, path
        assert "不存在，或不在您的权限范围内" in response.json()["detail"]
    absent = cadre_a.get("/households/NOPE").json()["detail"]
    present = cadre_a.get(f"/households/{village_b['household'].number}").json()["detail"]
    assert absent.replace("NOPE", "") == present.replace(village_b["household"].number, "")


LISTS = ["/households/", "/persons/", "/party-orgs/", "/bodies/", "/party-members/", "/grid-posts/"]


def test_lists_show_none_of_another_villages_rows(
    cadre_a, tree, village_b, make_household, make_person
):
    make_person(make_household(), name="平东人")
    party_org_create(code="P-A", name="平东村党支部", kind="branch", node=tree.village, by=None)
    for path in LISTS:
        for params in ({}, {"under": tree.other_village.code}, {"under": tree.town.code}):
            body = cadre_a.get(path, **params).json()
            names = str(body["items"])
            assert "平西" not in names, (path, params)
            if params.get("under") == tree.other_village.code:
                assert body == {"count": 0, "items": []}, path
    nodes = cadre_a.get("/grid-nodes/").json()
    assert {n["code"] for n in nodes["items"]} == {
        tree.village.code,
        tree.group.code,
        tree.microgrid.code,
    }
    assert cadre_a.get("/grid-nodes/", under=tree.other_village.code).json()["count"] == 0


def test_cannot_create_in_another_villages_microgrid(cadre_a, tree, village_b):
    before = AuditEntry.objects.count()
    response = cadre_a.post(
        "/households/", {"number": "SNEAK", "microgrid": tree.other_microgrid.code}
    )
    assert response.status_code == 404
    absent = cadre_a.post("/households/", {"number": "SNEAK", "microgrid": "440605001299001001"})
    assert absent.status_code == 404
    assert not Household.objects.filter(number="SNEAK").exists()
    assert GridNode.objects.get(pk=tree.other_microgrid.pk).households_count == 1
    assert AuditEntry.objects.count() == before


def test_writes_on_another_villages_rows_are_404_and_change_nothing(
    cadre_a, tree, village_b, make_household, make_person
):
    household_b, person_b = village_b["household"], village_b["person"]
    assert cadre_a.patch(f"/households/{household_b.number}", {"address": "x"}).status_code == 404
    assert cadre_a.patch(f"/persons/{person_b.pk}", {"name": "x"}).status_code == 404
    assert (
        cadre_a.patch(f"/party-members/{village_b['member'].pk}", {"is_mobile": True}).status_code
        == 404
    )
    assert (
        cadre_a.post(
            f"/persons/{person_b.pk}/move", {"to_household": household_b.number}
        ).status_code
        == 404
    )

    # Moving own rows into B is refused too.
    mine = make_household()
    me = make_person(mine)
    response = cadre_a.post(
        f"/households/{mine.number}/move", {"to_microgrid": tree.other_microgrid.code}
    )
    assert response.status_code == 404
    response = cadre_a.post(f"/persons/{me.pk}/move", {"to_household": household_b.number})
    assert response.status_code == 404
    mine.refresh_from_db()
    me.refresh_from_db()
    assert mine.microgrid == tree.microgrid and me.household == mine
    household_b.refresh_from_db()
    person_b.refresh_from_db()
    assert household_b.address == "" and person_b.name == "平西人"


def test_view_only_write_fails_the_recheck_and_leaves_nothing(tree, make_user, api_as):
    viewer = api_as(make_user(Role.VIEWER, tree.village))
    before = AuditEntry.objects.count()
    response = viewer.post("/households/", {"number": "VIEWER-1", "microgrid": tree.microgrid.code})
    assert response.status_code == 404
    assert not Household.objects.filter(number="VIEWER-1").exists()
    assert GridNode.objects.get(pk=tree.microgrid.pk).households_count == 0
    assert AuditEntry.objects.count() == before


def test_recheck_catches_a_service_that_lands_outside_the_scope(cadre_a, tree, monkeypatch):
    """The check reads the stored row: wherever the service put it, out of scope rolls back."""
    from gridgov.people import api as people_api
    from gridgov.people.services import household_create

    def misplaced(*, microgrid, **fields):
        return household_create(microgrid=tree.other_microgrid, **fields)

    monkeypatch.setattr(people_api, "household_create", misplaced)
    before = AuditEntry.objects.count()
    response = cadre_a.post("/households/", {"number": "MIS-1", "microgrid": tree.microgrid.code})
    assert response.status_code == 404
    assert not Household.objects.filter(number="MIS-1").exists()
    assert GridNode.objects.get(pk=tree.other_microgrid.pk).households_count == 0
    assert AuditEntry.objects.count() == before


def test_party_member_for_another_villages_person_is_404(cadre_a, tree, village_b, make_person):
    org_a = party_org_create(
        code="P-A", name="平东村党支部", kind="branch", node=tree.village, by=None
    )
    outsider = make_person(village_b["household"], name="平西二")
    response = cadre_a.post(
        "/party-members/",
        {
            "person": outsider.pk,
            "organization": org_a.code,
            "status": "probationary",
            "joined_on": "2020-01-01",
        },
    )
    assert response.status_code == 404
    assert not PartyMember.objects.filter(person=outsider).exists()
    assert not Person.objects.get(pk=outsider.pk).is_party_member
    response = cadre_a.post(
        f"/party-members/{village_b['member'].pk}/transfer", {"to_organization": org_a.code}
    )
    assert response.status_code == 404
