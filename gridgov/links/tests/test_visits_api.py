"""The visits API: scoped (404 out of scope), the rules' refusals as 422, aggregates only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.links.models import TaskReason, Visit, VisitTask
from gridgov.links.periods import appraisal_period
from gridgov.links.services import link_create, linker_update
from gridgov.links.visits import visit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(linking, make_user, api_as):
    world = linking.world
    user = make_user(Role.LINKED_MEMBER, world.tree.microgrid)
    linker_update(linker=linking.member, data={"user": user}, by=None)
    household = linking.households[0]
    link_create(linker=linking.member, household=household, by=None)
    return {
        "linker": linking.member,
        "household": household,
        "member": api_as(user),
        "member_user": user,
        "cadre": api_as(world.cadre),
        "outsider": api_as(world.outsider),
        "world": world,
        "linking": linking,
    }


def test_record_a_visit_and_read_it(setup):
    api = setup["member"]
    response = api.post(
        "/visits",
        {
            "household": setup["household"].number,
            "outcome": "met",
            "helps": ["policy", "hardship"],
            "notes": "身体尚好",
            "suggestions": "修路",
            "visited_at": (timezone.now() - dt.timedelta(hours=50)).isoformat(),
            "lat": 23.01,
            "lng": 113.11,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["late_entry"] is True
    assert body["kind"]["code"] == "link_talk"
    assert body["linker"]["name"] == "王联户"
    assert [h["label"] for h in body["helps"]] == ["学习政策", "解决困难"]
    visit_id = body["id"]
    assert api.get(f"/visits/{visit_id}").json()["suggestions_count"] == 1
    listed = api.get("/visits", late="true").json()
    assert listed["count"] == 1
    # Out of scope: 404, never told apart from absent.
    assert setup["outsider"].get(f"/visits/{visit_id}").status_code == 404
    assert setup["outsider"].get("/visits").json()["count"] == 0
    assert api.get("/visits/999999").status_code == 404


def test_refusals(setup):
    api = setup["member"]
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    response = api.post(
        "/visits", {"household": setup["household"].number, "outcome": "met", "visited_at": future}
    )
    assert response.status_code == 422
    assert "visited_at" in response.json()["errors"]
    response = api.post(
        "/visits", {"household": setup["household"].number, "outcome": "met", "kind": "return_home"}
    )
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]
    other = setup["world"].other_household.number
    assert api.post("/visits", {"household": other, "outcome": "met"}).status_code == 404
    assert not Visit.objects.exists()


def test_visit_to_matter(setup):
    visit = visit_record(household=setup["household"], by=setup["member_user"], outcome="met")
    response = setup["member"].post(
        f"/visits/{visit.pk}/matter",
        {"category": "dispute", "title": "邻里纠纷", "description": "宅基地边界争议"},
    )
    assert response.status_code == 201, response.content
    visit.refresh_from_db()
    assert visit.matter.number == response.json()["number"]
    again = setup["member"].post(
        f"/visits/{visit.pk}/matter", {"category": "dispute", "description": "再转"}
    )
    assert again.status_code == 422
    assert (
        setup["outsider"]
        .post(f"/visits/{visit.pk}/matter", {"category": "dispute", "description": "x"})
        .status_code
        == 404
    )


def test_events_tasks_and_compliance(setup):
    api = setup["member"]
    response = api.post(
        "/household-events",
        {
            "household": setup["household"].number,
            "kind": "death",
            "occurred_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    tasks = api.get("/visit-tasks", mine="true").json()
    assert tasks["count"] == 1
    assert tasks["items"][0]["reason"]["code"] == TaskReason.EVENT
    assert tasks["items"][0]["due_on"] == (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert api.get("/household-events").json()["count"] == 1
    assert setup["outsider"].get("/household-events").json()["count"] == 0
    assert setup["outsider"].get("/visit-tasks").json()["count"] == 0
    other = setup["world"].other_household.number
    assert (
        api.post(
            "/household-events",
            {"household": other, "kind": "death", "occurred_on": timezone.localdate().isoformat()},
        ).status_code
        == 404
    )
    village = setup["world"].tree.village.code
    body = setup["cadre"].get("/visits/compliance", node=village).json()
    assert body["total"]["due"] == 1
    assert body["linkers"][0]["label"] == "王联户"
    assert setup["outsider"].get("/visits/compliance", node=village).status_code == 404
    assert VisitTask.objects.count() == 1


def test_appraisals_post_and_aggregates_only(setup):
    cadre = setup["cadre"]
    households = setup["linking"].households[:3]
    for household in households[1:]:
        link_create(linker=setup["linker"], household=household, by=None)
    period = appraisal_period(timezone.localdate())
    for i, household in enumerate(households):
        response = cadre.post(
            "/appraisals",
            {"household": household.number, "linker": setup["linker"].pk, "score": 3 + i},
        )
        assert response.status_code == 201, response.content
        assert "score" not in response.json()
        if i == 1:
            [figure] = cadre.get("/appraisals").json()
            assert figure["answers"] == 2
            assert figure["mean"] is None
    [figure] = cadre.get("/appraisals", period=period).json()
    assert (figure["answers"], figure["mean"]) == (3, 4.0)
    assert setup["outsider"].get("/appraisals").json() == []
    # A linked member may not enter appraisals (manage_links).
    response = setup["member"].post(
        "/appraisals",
        {"household": households[0].number, "linker": setup["linker"].pk, "score": 5},
    )
    assert response.status_code == 404
    response = cadre.post(
        "/appraisals", {"household": households[0].number, "linker": setup["linker"].pk, "score": 9}
    )
    assert response.status_code == 422
