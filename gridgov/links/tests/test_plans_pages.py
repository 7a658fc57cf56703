"""The plan's pages and API: through the services, scoped (404 outside), bounded queries."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.accounts.services import api_token_create
from gridgov.links.models import Link, LinkPlan, PlanStatus
from gridgov.links.planning import plan_approve, plan_compute

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre_client(world):
    client = Client()
    client.force_login(world.cadre)
    return client


def test_compute_from_the_list_then_approve_and_apply(linking, world, cadre_client):
    page = cadre_client.get("/links/plans/")
    assert page.status_code == 200
    assert world.tree.village.code in page.content.decode()
    # A micro-grid is chosen by its code (the list offers towns and villages).
    response = cadre_client.post(
        "/links/plans/", {"node": world.tree.village.code, "code": world.tree.microgrid.code}
    )
    plan = LinkPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/links/plans/{plan.pk}/"
    detail = cadre_client.get(f"/links/plans/{plan.pk}/").content.decode()
    assert "{# map #}" not in detail
    assert "一组1号微网格" in detail and "新增" in detail
    response = cadre_client.post(
        f"/links/plans/{plan.pk}/approve/",
        {"meeting": "平东村党员大会", "meeting_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    cadre_client.post(f"/links/plans/{plan.pk}/apply/")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPLIED
    assert Link.objects.filter(plan=plan).count() == plan.figures["total"]["added"]
    # A second apply is refused with the reason, nothing changes.
    response = cadre_client.post(f"/links/plans/{plan.pk}/apply/", follow=True)
    assert "不能重复执行" in response.content.decode()


def test_a_stale_plan_says_so_and_is_not_applied(linking, world, cadre_client):
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    plan_approve(plan=plan, by=world.cadre, meeting="党员大会", meeting_on=timezone.localdate())
    Link.objects.create(
        linker=linking.member,
        household=linking.households[0],
        grid_path=linking.households[0].grid_path,
        start_on=timezone.localdate(),
    )
    page = cadre_client.get(f"/links/plans/{plan.pk}/").content.decode()
    assert "此方案不能生效" in page
    response = cadre_client.post(f"/links/plans/{plan.pk}/apply/", follow=True)
    assert "请重新计算方案" in response.content.decode()
    assert Link.objects.count() == 1


def test_out_of_scope_plans_are_404(linking, world, make_user):
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    outsider = Client()
    outsider.force_login(world.outsider)
    for path in (
        f"/links/plans/{plan.pk}/",
        f"/links/plans/{plan.pk + 1000}/",
    ):
        assert outsider.get(path).status_code == 404
    for verb in ("approve", "apply", "discard"):
        assert outsider.post(f"/links/plans/{plan.pk}/{verb}/").status_code == 404
    # Computing for a node outside one's scope stores nothing.
    response = outsider.post("/links/plans/", {"code": world.tree.microgrid.code}, follow=True)
    assert "请选择您范围内的网格" in response.content.decode()
    assert LinkPlan.objects.count() == 1
    viewer = Client()
    viewer.force_login(make_user(Role.VIEWER, world.tree.village))
    assert viewer.get("/links/plans/").status_code == 404


def test_plan_pages_read_in_bounded_queries(
    linking, world, cadre_client, django_assert_max_num_queries
):
    plan = plan_compute(node=world.tree.village, by=world.cadre)
    for _ in range(3):
        plan_compute(node=world.tree.microgrid, by=world.cadre)
    with django_assert_max_num_queries(12):
        assert cadre_client.get("/links/plans/").status_code == 200
    with django_assert_max_num_queries(30):
        assert cadre_client.get(f"/links/plans/{plan.pk}/").status_code == 200


def _api(world, user=None):
    client = Client()
    token = api_token_create(user=user or world.cadre, name="t")[1]
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, path, body=None):
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)("/api/v1" + path, **kwargs)

    return call


def test_the_api_computes_approves_applies(linking, world):
    call = _api(world)
    response = call("post", "/link-plans", {"node": world.tree.microgrid.code})
    assert response.status_code == 201, response.content
    data = response.json()
    pid = data["id"]
    assert data["status"]["code"] == "draft" and data["stale"] is False
    assert data["total"]["covered"] == data["total"]["households"]
    listing = call("get", "/link-plans").json()
    assert listing["count"] == 1 and listing["items"][0]["total"]["covered"] > 0
    lines = call("get", f"/link-plans/{pid}/assignments?limit=5").json()
    assert lines["count"] == data["total"]["added"]
    assert lines["items"][0]["action"]["code"] == "add"
    response = call("post", f"/link-plans/{pid}/apply")
    assert response.status_code == 422  # not approved
    response = call(
        "post", f"/link-plans/{pid}/approve", {"meeting": "", "meeting_on": "2020-01-01"}
    )
    assert response.status_code == 422
    today = timezone.localdate().isoformat()
    response = call(
        "post", f"/link-plans/{pid}/approve", {"meeting": "党员大会", "meeting_on": today}
    )
    assert response.status_code == 200 and response.json()["approval_meeting"] == "党员大会"
    assert call("post", f"/link-plans/{pid}/apply").json()["status"]["code"] == "applied"
    assert call("post", f"/link-plans/{pid}/apply").status_code == 422


def test_the_api_answers_404_out_of_scope(linking, world):
    plan = plan_compute(node=world.tree.microgrid, by=world.cadre)
    call = _api(world, world.outsider)
    assert call("get", f"/link-plans/{plan.pk}").status_code == 404
    assert call("get", f"/link-plans/{plan.pk}/assignments").status_code == 404
    assert call("post", f"/link-plans/{plan.pk}/discard").status_code == 404
    assert call("post", "/link-plans", {"node": world.tree.microgrid.code}).status_code == 404
    assert call("get", "/link-plans").json()["count"] == 0
    assert LinkPlan.objects.count() == 1
