"""Party organizations, party members, bodies, memberships and grid posts through the API."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode
from gridgov.orgs.models import BodyMembership, GridPost, PartyMember, PartyOrganization
from gridgov.orgs.services import body_create, party_org_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch(tree):
    return party_org_create(
        code="P-A", name="平东村党支部", kind="branch", node=tree.village, by=None
    )


# Party organizations


def test_create_list_and_detail_party_orgs(admin, tree, branch):
    response = admin.post(
        "/party-orgs/",
        {
            "code": "P-A-1",
            "name": "一组党小组",
            "kind": "group",
            "node": tree.group.code,
            "parent": branch.code,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == {"code": "group", "label": "党小组"}
    assert body["parent"]["code"] == branch.code and body["node"]["code"] == tree.group.code
    assert GridNode.objects.get(pk=tree.group.pk).organizations_count == 1
    assert AuditEntry.objects.filter(
        object_type="orgs.partyorganization", action="create", source="api"
    ).exists()

    assert admin.get("/party-orgs/").json()["count"] == 2
    assert admin.get("/party-orgs/", kind="branch").json()["count"] == 1
    assert admin.get("/party-orgs/", under=tree.group.code).json()["count"] == 1
    assert admin.get("/party-orgs/", q="小组").json()["count"] == 1
    detail = admin.get(f"/party-orgs/{branch.code}").json()
    assert [c["code"] for c in detail["children"]] == ["P-A-1"]


def test_party_org_rules_and_update(admin, tree, branch):
    response = admin.post(
        "/party-orgs/",
        {"code": "P-X", "name": "x", "kind": "committee", "node": tree.microgrid.code},
    )
    assert response.status_code == 422 and "不能设在" in response.json()["errors"]["node"][0]
    response = admin.patch(
        f"/party-orgs/{branch.code}", {"name": "平东村党总支", "kind": "general_branch"}
    )
    assert response.status_code == 200, response.content
    branch.refresh_from_db()
    assert branch.kind == "general_branch" and branch.name == "平东村党总支"


def test_village_cadre_cannot_create_orgs(cadre_a, tree):
    response = cadre_a.post(
        "/party-orgs/", {"code": "P-Y", "name": "y", "kind": "branch", "node": tree.village.code}
    )
    assert response.status_code == 404
    assert not PartyOrganization.objects.filter(code="P-Y").exists()


# Party members


def test_party_member_lifecycle_keeps_counters(cadre_a, tree, branch, make_person):
    person = make_person()
    response = cadre_a.post(
        "/party-members/",
        {
            "person": person.pk,
            "organization": branch.code,
            "status": "probationary",
            "joined_on": "2020-07-01",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == {"code": "probationary", "label": "预备党员"}
    assert body["person"]["id_masked"] == person.id_masked
    assert body["person"]["household"] == person.household.number
    person.refresh_from_db()
    assert person.is_party_member and person.household.is_party_household
    branch.refresh_from_db()
    assert (branch.members_count, branch.full_members_count) == (1, 0)
    assert GridNode.objects.get(pk=tree.microgrid.pk).party_members_count == 1

    member_id = body["id"]
    response = cadre_a.patch(f"/party-members/{member_id}", {"status": "full"})
    assert response.status_code == 422
    assert "转正日期" in response.json()["errors"]["full_member_on"][0]
    response = cadre_a.patch(
        f"/party-members/{member_id}", {"status": "full", "full_member_on": "2021-07-01"}
    )
    assert response.status_code == 200, response.content
    branch.refresh_from_db()
    assert branch.full_members_count == 1

    other = party_org_create(code="P-A-2", name="二支部", kind="branch", node=tree.village, by=None)
    response = cadre_a.post(
        f"/party-members/{member_id}/transfer", {"to_organization": other.code, "reason": "调整"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["organization"]["code"] == other.code
    branch.refresh_from_db()
    other.refresh_from_db()
    assert (branch.members_count, other.members_count, other.full_members_count) == (0, 1, 1)

    listed = cadre_a.get("/party-members/", organization=other.code).json()
    assert [m["id"] for m in listed["items"]] == [member_id]
    assert cadre_a.get("/party-members/", q=person.name).json()["count"] == 1
    assert cadre_a.get("/party-members/", status="probationary").json()["count"] == 0
    assert cadre_a.get(f"/party-members/{member_id}").json()["lost_contact"] is False


def test_party_member_twice_is_refused(cadre_a, branch, make_person):
    person = make_person()
    data = {
        "person": person.pk,
        "organization": branch.code,
        "status": "full",
        "joined_on": "2010-01-01",
        "full_member_on": "2011-01-01",
    }
    assert cadre_a.post("/party-members/", data).status_code == 201
    response = cadre_a.post("/party-members/", data)
    assert response.status_code == 422
    assert response.json()["errors"]["person"] == ["此人已有党员档案"]
    assert PartyMember.objects.count() == 1


# Bodies and memberships


def test_bodies_and_memberships(admin, tree, make_person):
    response = admin.post(
        "/bodies/",
        {
            "code": "B-A",
            "name": "平东村村民委员会",
            "kind": "village_committee",
            "node": tree.village.code,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == {"code": "village_committee", "label": "村民委员会"}
    response = admin.patch("/bodies/B-A", {"name": "平东村委会"})
    assert response.status_code == 200 and response.json()["name"] == "平东村委会"
    assert AuditEntry.objects.filter(
        object_type="orgs.governancebody", action="update", source="api"
    ).exists()

    chair, former = make_person(name="主任"), make_person(name="前委员")
    response = admin.post(
        "/bodies/B-A/memberships",
        {"person": chair.pk, "role": "chair", "term_start": "2021-01-01"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"]["code"] == "chair"
    response = admin.post(
        "/bodies/B-A/memberships",
        {
            "person": former.pk,
            "role": "member",
            "term_start": "2016-01-01",
            "term_end": "2015-01-01",
        },
    )
    assert response.status_code == 422 and "term_end" in response.json()["errors"]
    response = admin.post(
        "/bodies/B-A/memberships",
        {"person": former.pk, "role": "member", "term_start": "2016-01-01"},
    )
    membership_id = response.json()["id"]
    response = admin.patch(f"/bodies/B-A/memberships/{membership_id}", {"term_end": "2020-12-31"})
    assert response.status_code == 200, response.content
    assert BodyMembership.objects.get(pk=membership_id).term_end == dt.date(2020, 12, 31)
    response = admin.patch(f"/bodies/B-A/memberships/{membership_id}", {"term_end": "2000-01-01"})
    assert response.status_code == 422

    current = admin.get("/bodies/B-A/memberships", current=True).json()
    assert [m["person"]["name"] for m in current["items"]] == ["主任"]
    assert admin.get("/bodies/B-A/memberships", current=False).json()["count"] == 1
    assert admin.get("/bodies/", kind="village_committee").json()["count"] == 1
    assert admin.get("/bodies/B-A").json()["node"]["code"] == tree.village.code


def test_body_writes_need_manage_grid(cadre_a, tree, make_person):
    body_create(code="B-S", name="监委会", kind="supervision", node=tree.village, by=None)
    person = make_person()
    response = cadre_a.post(
        "/bodies/B-S/memberships",
        {"person": person.pk, "role": "member", "term_start": "2021-01-01"},
    )
    assert response.status_code == 404
    assert not BodyMembership.objects.exists()
    assert cadre_a.get("/bodies/B-S/memberships").json()["count"] == 0


# Grid posts


def test_grid_posts(admin, tree, make_person):
    person = make_person(name="网格长甲")
    response = admin.post(
        "/grid-posts/",
        {"node": tree.village.code, "person": person.pk, "kind": "head", "start_on": "2022-01-01"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == {"code": "head", "label": "网格长"}
    post_id = body["id"]
    assert admin.get("/grid-posts/", current=True).json()["count"] == 1
    assert admin.get("/grid-posts/", node=tree.village.code).json()["count"] == 1
    assert admin.get("/grid-posts/", q="网格长").json()["count"] == 1
    response = admin.patch(f"/grid-posts/{post_id}", {"end_on": "2021-01-01"})
    assert response.status_code == 422 and "end_on" in response.json()["errors"]
    response = admin.patch(f"/grid-posts/{post_id}", {"end_on": "2023-06-30"})
    assert response.status_code == 200
    assert GridPost.objects.get(pk=post_id).end_on == dt.date(2023, 6, 30)
    assert admin.get("/grid-posts/", current=True).json()["count"] == 0
    assert admin.get("/grid-posts/", current=False).json()["count"] == 1
    assert admin.get(f"/grid-posts/{post_id}").json()["person"]["name"] == "网格长甲"
