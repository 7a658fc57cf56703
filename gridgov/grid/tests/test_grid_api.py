"""Grid nodes through the API: lists with subtree counts, detail, create and edit by service."""

from __future__ import annotations

import pytest

from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode

pytestmark = pytest.mark.django_db


def test_list_filters_and_pages(admin, tree):
    body = admin.get("/grid-nodes/").json()
    assert body["count"] == 8
    assert [n["code"] for n in body["items"]][:2] == [tree.county.code, tree.town.code]

    body = admin.get("/grid-nodes/", under=tree.village.code).json()
    assert [n["code"] for n in body["items"]] == [
        tree.village.code,
        tree.group.code,
        tree.microgrid.code,
    ]
    body = admin.get("/grid-nodes/", level="microgrid").json()
    assert {n["code"] for n in body["items"]} == {tree.microgrid.code, tree.other_microgrid.code}
    body = admin.get("/grid-nodes/", parent=tree.town.code).json()
    assert {n["code"] for n in body["items"]} == {tree.village.code, tree.other_village.code}
    assert admin.get("/grid-nodes/", q="平西").json()["count"] == 2
    assert admin.get("/grid-nodes/", q=tree.village.code).json()["count"] == 3

    page = admin.get("/grid-nodes/", limit=3, offset=2).json()
    assert page["count"] == 8 and len(page["items"]) == 3
    assert page["items"][0]["code"] == tree.village.code


def test_bad_query_parameters_name_the_field(admin, tree):
    response = admin.get("/grid-nodes/", limit=500, level="planet")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["limit"] == ["不能大于200"]
    assert errors["level"][0].startswith("应为以下之一")


def test_items_carry_level_label_and_subtree_counts(admin, tree, make_household, make_person):
    make_person(make_household())
    make_person(make_household())
    make_person(make_household(tree.other_microgrid))
    items = {n["code"]: n for n in admin.get("/grid-nodes/").json()["items"]}
    village = items[tree.village.code]
    assert village["level"] == {"code": "village", "label": "村（社区）"}
    assert village["tier"] == 1 and village["parent_code"] == tree.town.code
    assert village["counts"]["households"] == 2 and village["counts"]["persons"] == 2
    assert items[tree.town.code]["counts"]["households"] == 3
    assert items[tree.county.code]["parent_code"] is None


def test_detail_lists_children_with_counts(admin, tree, make_household):
    make_household(tree.other_microgrid)
    body = admin.get(f"/grid-nodes/{tree.town.code}").json()
    assert body["code"] == tree.town.code and body["boundary"] is None
    children = {c["code"]: c["counts"]["households"] for c in body["children"]}
    assert children == {tree.village.code: 0, tree.other_village.code: 1}
    assert admin.get("/grid-nodes/440605009").status_code == 404


def test_create_goes_through_the_service_and_is_audited(admin, tree):
    response = admin.post(
        "/grid-nodes/",
        {"code": "440605001201002", "name": "第二村民小组", "parent": tree.village.code},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["level"]["code"] == "group" and body["children"] == []
    node = GridNode.objects.get(code="440605001201002")
    assert node.parent == tree.village
    entry = AuditEntry.objects.get(object_type="grid.gridnode", object_id=str(node.pk))
    assert entry.source == "api" and entry.actor_id == admin.user.pk


def test_service_validation_errors_are_422_with_field_and_chinese_reason(admin, tree):
    response = admin.post(
        "/grid-nodes/", {"code": "440605001299", "name": "x", "parent": tree.village.code}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and "15位" in body["errors"]["code"][0]
    response = admin.post("/grid-nodes/", {"name": "x"})
    assert response.status_code == 422 and response.json()["errors"] == {"code": ["必填"]}


def test_update_name_and_point_but_not_code(admin, tree):
    response = admin.patch(
        f"/grid-nodes/{tree.group.code}", {"name": "一组", "lat": 23.05, "lng": 113.1}
    )
    assert response.status_code == 200, response.content
    tree.group.refresh_from_db()
    assert (tree.group.name, tree.group.lat, tree.group.lng) == ("一组", 23.05, 113.1)
    response = admin.patch(f"/grid-nodes/{tree.group.code}", {"lat": None})
    assert response.status_code == 422 and "lat" in response.json()["errors"]
    assert AuditEntry.objects.filter(
        object_type="grid.gridnode", action="update", source="api"
    ).exists()
    response = admin.patch(f"/grid-nodes/{tree.group.code}", {"code": "440605001201009"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"code": ["不能提交或修改此字段"]}


def test_village_cadre_may_see_but_not_manage_the_grid(cadre_a, tree):
    assert cadre_a.get(f"/grid-nodes/{tree.village.code}").status_code == 200
    response = cadre_a.post(
        "/grid-nodes/",
        {"code": "440605001201002", "name": "第二村民小组", "parent": tree.village.code},
    )
    # The service ran, the scope re-check ("manage_grid") failed, the transaction rolled back.
    assert response.status_code == 404
    assert not GridNode.objects.filter(code="440605001201002").exists()
    assert not AuditEntry.objects.filter(object_repr__contains="440605001201002").exists()
    assert cadre_a.patch(f"/grid-nodes/{tree.village.code}", {"name": "x"}).status_code == 404
