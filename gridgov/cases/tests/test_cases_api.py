"""/api/v1/matters: intake, the lifecycle through actions, scope, the inbox and the measures."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.cases.models import Matter
from gridgov.cases.tests.fixtures import INSIDE_A, INSIDE_B

pytestmark = pytest.mark.django_db


def create(client, **fields):
    body = {"category": "dispute", "description": "邻居占用通道", "lat": INSIDE_A[0]}
    body["lng"] = INSIDE_A[1]
    body.update(fields)
    return client.post("/matters/", body)


def test_worker_reports_and_the_matter_lands_on_the_micro_grid(api_as, staff, grid):
    response = create(api_as(staff.worker), reporter_name="王五", reporter_phone="13800138000")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["place"]["code"] == grid.microgrid.code
    assert body["handler"]["code"] == grid.microgrid.code
    assert body["status"]["code"] == "received"
    assert body["reporter_name_masked"] == "王*" and body["reporter_phone_masked"] != "13800138000"
    assert "13800138000" not in response.content.decode()
    assert body["tracking_url"].endswith(f"/p/m/{Matter.objects.get().tracking_token}/")
    assert body["events"][0]["action"] == "create"
    assert set(body["allowed_actions"]) >= {"sign", "assign", "escalate"}


def test_reporting_outside_ones_grid_is_404_and_stores_nothing(api_as, staff):
    response = create(api_as(staff.worker), lat=INSIDE_B[0], lng=INSIDE_B[1])
    assert response.status_code == 404
    assert Matter.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": "响铃\x07字符"}, "description"),
        ({"lat": 48.85, "lng": 2.35}, "lng"),
        ({"lat": -33.9, "lng": 151.2}, "lat"),
        ({"lat": None, "lng": None}, "location"),
        ({"category": "nope"}, "category"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_named_and_nothing_is_stored(api_as, staff, fields, field):
    response = create(api_as(staff.worker), **fields)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Matter.objects.count() == 0


def test_lifecycle_through_actions(api_as, staff):
    worker = api_as(staff.worker)
    number = create(worker).json()["number"]
    assert worker.post(f"/matters/{number}/actions/sign", {}).status_code == 200
    response = worker.post(f"/matters/{number}/actions/settle", {"answer": "已调解"})
    assert response.status_code == 200 and response.json()["status"]["code"] == "settled"
    response = worker.post(f"/matters/{number}/actions/review", {"satisfaction": "satisfied"})
    assert response.json()["satisfaction"] == "satisfied"
    response = worker.post(f"/matters/{number}/actions/archive", {})
    assert response.json()["status"]["code"] == "archived"
    actions = [e["action"] for e in response.json()["events"]]
    assert actions == ["create", "sign", "settle", "review", "archive"]


def test_refused_steps_answer_422_403_and_404(api_as, staff):
    worker = api_as(staff.worker)
    number = create(worker).json()["number"]
    assert worker.post(f"/matters/{number}/actions/settle", {"answer": "x"}).status_code == 422
    viewer = api_as(staff.viewer)
    assert viewer.get(f"/matters/{number}").status_code == 200
    response = viewer.post(f"/matters/{number}/actions/sign", {})
    assert response.status_code == 403 and response.json()["detail"]
    outsider = api_as(staff.other_worker)
    assert outsider.get(f"/matters/{number}").status_code == 404
    assert outsider.post(f"/matters/{number}/actions/sign", {}).status_code == 404
    assert worker.post(f"/matters/{number}/actions/teleport", {}).status_code == 404
    response = worker.post(f"/matters/{number}/actions/assign", {})
    assert response.status_code == 422 and "assignee" in response.json()["errors"]


def test_escalated_matter_stays_visible_below_and_is_handled_above(api_as, staff):
    worker, village = api_as(staff.worker), api_as(staff.village)
    number = create(worker).json()["number"]
    worker.post(f"/matters/{number}/actions/escalate", {"reason": "需组里协调"})
    body = worker.get(f"/matters/{number}").json()  # still visible where it was raised
    assert body["handler"]["level"]["code"] == "group"
    assert body["allowed_actions"] == []
    assert worker.post(f"/matters/{number}/actions/sign", {}).status_code == 403
    # The village, above the group, may step in.
    assert village.post(f"/matters/{number}/actions/sign", {}).status_code == 200


def test_list_filters_and_query_count_does_not_grow(api_as, staff, new_matter):
    worker = api_as(staff.worker)
    for _ in range(3):
        new_matter()

    worker.get("/matters/")  # the token's first use of the minute writes last_used_at

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = worker.get("/matters/", status="open")
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    few, n = count_queries()
    assert n == 3
    for _ in range(12):
        new_matter()
    many, n = count_queries()
    assert n == 15 and many == few
    assert worker.get("/matters/", status="settled").json()["count"] == 0
    assert api_as(staff.other_worker).get("/matters/").json()["count"] == 0


def test_inbox_and_mark_read(api_as, staff, new_matter):
    new_matter()
    worker = api_as(staff.worker)
    body = worker.get("/notifications/").json()
    assert body["unread"] == 1 and body["items"][0]["kind"]["code"] == "assigned"
    worker.post("/notifications/read", {})
    assert worker.get("/notifications/").json()["unread"] == 0


def test_measures_of_a_village(api_as, staff, new_matter, grid):
    from gridgov.cases import services as s

    settled = s.matter_sign(matter=new_matter(), user=staff.worker)
    s.matter_settle(matter=settled, user=staff.worker, answer="好了")
    new_matter()
    body = api_as(staff.village).get("/matters/measures", node=grid.village.code).json()
    assert body["received"] == 2 and body["settled"] == 1 and body["open"] == 1
    assert body["in_grid_rate"] == 100.0 and body["answered_rate"] == 100.0
    assert [c["code"] for c in body["children"]] == [grid.group.code]
    assert (
        api_as(staff.other_village).get("/matters/measures", node=grid.village.code).status_code
        == 404
    )


def test_every_steps_answer_is_what_its_schema_gives(api_as, staff, grid):
    """A step's answer is built by hand (cases.schemas.matter_detail_data); right after it, the
    matter read through the MatterDetail schema (GET) must give the very same body, in every
    state a matter passes through."""
    from gridgov.cases.models import Department

    worker, worker2, town = api_as(staff.worker), api_as(staff.worker2), api_as(staff.town)
    department = Department.objects.create(name="桂城综合执法办", node=grid.town)

    def same_as_get(client, response, status=200):
        assert response.status_code == status, response.content
        body = response.json()
        assert body == client.get(f"/matters/{body['number']}").json()
        return body["number"]

    named = create(worker, reporter_name="王五", reporter_phone="13800138000")
    number = same_as_get(worker, named, 201)
    same_as_get(worker, create(worker, anonymous=True, reporter_name="匿名"), 201)
    target = same_as_get(worker, create(worker, description="同一通道问题"), 201)
    steps = [
        (worker, "assign", {"assignee": staff.worker2.username}),
        (worker2, "sign", {}),
        (worker2, "note", {"public_note": '已"上门"\n查看', "note": "内部"}),
        (worker2, "escalate", {"reason": "需组里协调"}),
        (town, "transfer", {"department": department.pk, "reason": "执法"}),
        (town, "sign", {}),
        (town, "settle", {"answer": "已调解"}),
        (town, "review", {"satisfaction": "basic", "comment": "还行"}),
        (town, "reopen", {"reason": "又占了"}),
    ]
    for client, action, body in steps:
        same_as_get(client, client.post(f"/matters/{number}/actions/{action}", body))
    merged = create(worker, description="通道被占（另一户）").json()["number"]
    response = worker.post(f"/matters/{merged}/actions/merge", {"into": target})
    assert response.json()["merged_into"] == target
    same_as_get(worker, response)
