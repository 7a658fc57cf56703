"""Strict JSON types in request bodies and no server error on any value: a bool is not a
number, null only where a field is documented nullable, numbers past 64 bits, NaN, NUL and
unpaired surrogates are 422s naming the field, and nothing is stored in part."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gridgov.grid.models import GridNode
from gridgov.grid.services import grid_node_create
from gridgov.orgs.models import PartyOrganization
from gridgov.orgs.services import party_org_create
from gridgov.testing.api import BASE

pytestmark = pytest.mark.django_db


def send(api, method: str, path: str, raw: str):
    """A body sent as raw JSON text (NaN, 1e999 and lone surrogates are not what json.dumps
    of test data gives)."""
    call = getattr(api.client, method)
    headers = {"Authorization": f"Bearer {api.token}"}
    return call(BASE + path, raw, content_type="application/json", headers=headers)


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] and isinstance(body["errors"], dict)
    return body["errors"]


NEW_GROUP = {"code": "440605001201002", "name": "第二村民小组"}


@pytest.mark.parametrize(
    ("values", "field", "reason"),
    [
        ({"lat": 23.0, "lng": False}, "lng", "应为数字"),
        ({"lat": True, "lng": 113.0}, "lat", "应为数字"),
        ({"lat": "23.0", "lng": 113.0}, "lat", "应为数字"),
        ({"lat": [23.0], "lng": 113.0}, "lat", "应为数字"),
        ({"name": 12}, "name", "应为文本"),
        ({"name": None}, "name", "不能为 null"),
        ({"name": "组\x00"}, "name", "空字符"),
        ({"code": ["440605001201002"]}, "code", "应为文本"),
    ],
)
def test_grid_node_create_refuses_wrong_json_types(admin, tree, values, field, reason):
    response = admin.post("/grid-nodes/", {**NEW_GROUP, "parent": tree.village.code, **values})
    errors = field_errors(response)
    assert any(reason in r for r in errors[field]), errors
    assert not GridNode.objects.filter(code=NEW_GROUP["code"]).exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"lat": NaN, "lng": 113.0}',
        '{"lat": 23.0, "lng": Infinity}',
        '{"lat": 1e999, "lng": 113.0}',
        '{"lat": 23.0, "lng": false}',
        '{"name": "\\ud800"}',
        '{"lat": 230000000000000000000000, "lng": 1}',
    ],
)
def test_grid_node_update_refuses_and_keeps_the_node(admin, tree, raw):
    before = (tree.group.name, tree.group.lat, tree.group.lng)
    field_errors(send(admin, "patch", f"/grid-nodes/{tree.group.code}", raw))
    tree.group.refresh_from_db()
    assert (tree.group.name, tree.group.lat, tree.group.lng) == before


def test_grid_service_refuses_a_bool_point_from_any_channel(tree):
    """The service's own check, for channels that do not go through the API's schemas."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        grid_node_create(
            code="440605001201003", name="三组", parent=tree.village, lat=23.0, lng=False, by=None
        )
    assert "lng" in caught.value.message_dict
    boundary = {"type": "Polygon", "coordinates": [[[0, 0], [1, True], [1, 1], [0, 0]]]}
    with pytest.raises(ValidationError) as caught:
        grid_node_create(
            code="440605001201003", name="三组", parent=tree.village, boundary=boundary, by=None
        )
    assert "boundary" in caught.value.message_dict


@pytest.mark.parametrize(
    "boundary",
    [
        {"type": "Polygon", "coordinates": [[[113, 23], [113.1, 23], [113.1, False], [113, 23]]]},
        {"type": "Polygon", "coordinates": [[[113, 23], [113.1, "23"], [113.1, 23.1], [113, 23]]]},
        {"type": "Polygon\x00", "coordinates": []},
    ],
)
def test_boundary_coordinates_must_be_numbers(admin, tree, boundary):
    errors = field_errors(admin.patch(f"/grid-nodes/{tree.group.code}", {"boundary": boundary}))
    assert "boundary" in errors
    tree.group.refresh_from_db()
    assert tree.group.boundary is None


@pytest.fixture
def branch(tree):
    return party_org_create(
        code="P-A", name="平东村党支部", kind="branch", node=tree.village, by=None
    )


@pytest.mark.parametrize("field", ["kind", "name"])
def test_null_for_a_required_value_is_422_not_500(admin, branch, field):
    errors = field_errors(admin.patch(f"/party-orgs/{branch.code}", {field: None}))
    assert errors == {field: ["不能为 null；不修改就不要提交此字段"]}
    branch.refresh_from_db()
    assert branch.kind == "branch" and branch.name == "平东村党支部"


def test_null_where_documented_clears(admin, tree, branch):
    child = party_org_create(
        code="P-A1", name="第一党小组", kind="group", node=tree.village, parent=branch, by=None
    )
    response = admin.patch(f"/party-orgs/{child.code}", {"parent": None})
    assert response.status_code == 200, response.content
    assert PartyOrganization.objects.get(pk=child.pk).parent is None


@pytest.mark.parametrize("value", [2**63, -(2**63) - 5, 10**30, True, "7", 1.5])
def test_integer_fields_take_integers_within_64_bits(cadre_a, branch, make_person, value):
    body = {"person": value, "organization": branch.code, "status": "full"}
    body["joined_on"] = "2010-07-01"
    errors = field_errors(cadre_a.post("/party-members/", body))
    assert "person" in errors


@pytest.mark.parametrize(
    "path",
    [
        "/persons/99999999999999999999999999",
        "/persons/-99999999999999999999999999",
        "/party-members/18446744073709551617",
        "/grid-posts/9223372036854775808",
    ],
)
def test_ids_past_64_bits_in_the_path_are_not_server_errors(admin, path):
    response = admin.get(path)
    assert response.status_code in (404, 422), response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    "raw",
    ["", "[]", '"text"', "null", "{", '{"name": "x"', "\xff\xfe", '{"name": "x"}' * 2],
)
def test_bodies_that_are_not_objects_are_4xx_json(admin, branch, raw):
    response = send(admin, "patch", f"/party-orgs/{branch.code}", raw)
    assert 400 <= response.status_code < 500, response.content
    assert "detail" in response.json()


def test_oversized_body_is_413_json(admin, branch, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = admin.patch(f"/party-orgs/{branch.code}", {"name": "长" * 2000})
    assert response.status_code == 413 and "1000" in response.json()["detail"]


def test_a_fault_is_a_500_in_json_not_a_page(admin, monkeypatch):
    from gridgov.grid import api as grid

    def broken(*args, **kwargs):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(grid, "node_detail", broken)
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {admin.token}"}
    response = client.get(f"{BASE}/grid-nodes/440605", headers=headers)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert "simulated" not in json.dumps(response.json())


@pytest.mark.parametrize(
    ("method", "path", "content_type", "raw"),
    [
        ("POST", "/grid-nodes/", "multipart/form-data", b"--x"),
        ("POST", "/grid-nodes/", "multipart/form-data; boundary=", b"--\r\n"),
        ("POST", "/grid-nodes/", "application/x-www-form-urlencoded; charset=latin-1", b"a=b"),
        ("PATCH", "/grid-nodes/440605", "multipart/form-data", b"--x"),
        ("GET", "/no-such-resource", "application/json", b""),
        ("GET", "/grid-nodes/440605/nothing/here", "application/json", b""),
    ],
)
def test_errors_before_any_operation_are_json(admin, method, path, content_type, raw):
    """Django's own answers under /api/ (an unparsable form body, an unknown path) are the
    API's JSON error body, not HTML pages (api/middleware.py)."""
    headers = {"Authorization": f"Bearer {admin.token}"}
    response = admin.client.generic(
        method, BASE + path, raw, content_type=content_type, headers=headers
    )
    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    assert response.json()["detail"]
