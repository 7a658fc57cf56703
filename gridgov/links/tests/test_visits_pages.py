"""The visits pages: record a visit in a few taps, 补记 shown, a visit turned into a matter,
events, compliance and appraisals; out of scope is 404; the main pages' queries are bounded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.links.models import Appraisal, HouseholdEvent, TaskReason, Visit, VisitTask
from gridgov.links.periods import appraisal_period
from gridgov.links.services import link_create, linker_update
from gridgov.links.visits import household_event_record, visit_record

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


@pytest.fixture
def pages(linking, make_user):
    world = linking.world
    user = make_user(Role.LINKED_MEMBER, world.tree.microgrid)
    linker_update(linker=linking.member, data={"user": user}, by=None)
    for household in linking.households[:6]:
        link_create(linker=linking.member, household=household, by=None)
    member = Client()
    member.force_login(user)
    cadre = Client()
    cadre.force_login(world.cadre)
    outsider = Client()
    outsider.force_login(world.outsider)
    return {
        "user": user,
        "member": member,
        "cadre": cadre,
        "outsider": outsider,
        "linking": linking,
        "world": world,
        "household": linking.households[0],
    }


def test_record_a_visit_in_a_few_taps(pages):
    member, household = pages["member"], pages["household"]
    picker = member.get("/links/visits/new/")
    assert picker.status_code == 200
    assert household.number in picker.content.decode()
    form = member.get(f"/links/visits/new/?household={household.number}")
    body = form.content.decode()
    assert "使用我的位置" in body
    assert 'name="helps"' in body
    response = member.post(
        "/links/visits/new/",
        {
            "household": household.number,
            "kind": "link_talk",
            "outcome": "met",
            "helps": ["policy", "hardship"],
            "notes": "老人身体好",
            "suggestions": "修路\n装路灯",
            "lat": "23.01",
            "lng": "113.11",
            "photo": SimpleUploadedFile("p.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    assert (visit.lat, visit.suggestions_count, visit.helps) == (23.01, 2, ["policy", "hardship"])
    detail = member.get(response["Location"])
    assert "解决困难" in detail.content.decode()
    assert member.get(f"/links/visits/{visit.pk}/photo/").status_code == 200
    assert pages["outsider"].get(f"/links/visits/{visit.pk}/photo/").status_code == 404


def test_a_late_visit_is_labelled_everywhere(pages):
    late = visit_record(
        household=pages["household"],
        by=pages["user"],
        outcome="met",
        visited_at=timezone.now() - dt.timedelta(days=3),
    )
    assert late.late_entry
    for path in ("/links/visits/", f"/links/visits/{late.pk}/"):
        assert "补记" in pages["member"].get(path).content.decode(), path
    assert "补记" in pages["cadre"].get("/links/visits/").content.decode()


def test_a_visit_in_the_future_is_a_form_error(pages):
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = pages["member"].post(
        "/links/visits/new/",
        {
            "household": pages["household"].number,
            "kind": "link_talk",
            "outcome": "met",
            "visited_at": future,
        },
    )
    assert response.status_code == 400
    assert "走访时间不能晚于现在" in response.content.decode()
    assert not Visit.objects.exists()


def test_a_household_out_of_scope_is_404(pages):
    other = pages["world"].other_household.number
    assert pages["member"].get(f"/links/visits/new/?household={other}").status_code == 404
    response = pages["member"].post(
        "/links/visits/new/", {"household": other, "kind": "link_talk", "outcome": "met"}
    )
    assert response.status_code == 404
    visit = visit_record(household=pages["household"], by=pages["user"], outcome="met")
    assert pages["outsider"].get(f"/links/visits/{visit.pk}/").status_code == 404
    assert list(pages["outsider"].get("/links/visits/").context["page"].object_list) == []


def test_turn_a_visit_into_a_matter(pages):
    visit = visit_record(household=pages["household"], by=pages["user"], outcome="met")
    page = pages["member"].get(f"/links/visits/{visit.pk}/")
    assert "转为民情事项" in page.content.decode()
    response = pages["member"].post(
        f"/links/visits/{visit.pk}/matter/",
        {"category": "dispute", "title": "纠纷", "description": "邻里宅基地纠纷"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.matter is not None
    assert visit.matter.number in pages["member"].get(f"/links/visits/{visit.pk}/").content.decode()
    bad = pages["member"].post(f"/links/visits/{visit.pk}/matter/", {"category": "dispute"})
    assert bad.status_code == 400
    assert (
        pages["outsider"]
        .post(f"/links/visits/{visit.pk}/matter/", {"category": "dispute", "description": "x"})
        .status_code
        == 404
    )


def test_record_an_event_and_see_the_task(pages):
    response = pages["member"].post(
        "/links/visits/events/new/",
        {
            "household": pages["household"].number,
            "kind": "hospital",
            "occurred_on": timezone.localdate().isoformat(),
            "note": "住院",
        },
    )
    assert response.status_code == 302
    assert HouseholdEvent.objects.count() == 1
    task = VisitTask.objects.get(reason=TaskReason.EVENT)
    mine = pages["member"].get("/links/visits/").content.decode()
    assert "四必到" in mine
    tasks = pages["cadre"].get("/links/visits/tasks/").content.decode()
    assert "王联户" in tasks
    assert task.due_on.strftime("%Y-%m-%d") in tasks


def test_compliance_page(pages):
    world = pages["world"]
    household_event_record(
        household=pages["linking"].households[9],
        kind="death",
        occurred_on=timezone.localdate() - dt.timedelta(days=5),
        by=world.cadre,
    )
    page = pages["cadre"].get(f"/links/visits/compliance/?node={world.tree.village.code}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "未分配" in body and "逾期未走访" in body
    assert world.tree.group.name in body
    outside = f"/links/visits/compliance/?node={world.tree.other_village.code}"
    assert pages["cadre"].get(outside).status_code == 404


def test_appraisal_entry_and_aggregates(pages):
    cadre = pages["cadre"]
    households = pages["linking"].households[:3]
    assert cadre.get("/links/visits/appraisals/new/").status_code == 200
    assert pages["member"].get("/links/visits/appraisals/new/").status_code == 404
    period = appraisal_period(timezone.localdate())
    for i, household in enumerate(households):
        response = cadre.post(
            "/links/visits/appraisals/new/",
            {"household": household.number, "period": period, "score": str(3 + i)},
        )
        assert response.status_code == 302
        body = cadre.get("/links/visits/appraisals/").content.decode()
        if i < 2:
            assert "作答太少，不显示" in body
        else:
            assert "4.00" in body
    assert Appraisal.objects.count() == 3
    again = cadre.post(
        "/links/visits/appraisals/new/",
        {
            "household": households[0].number,
            "period": Appraisal.objects.first().period,
            "score": "5",
        },
    )
    assert again.status_code == 400
    assert "该户本评议期已评议" in again.content.decode()


def test_main_pages_have_bounded_queries(pages, django_assert_max_num_queries):
    member, cadre, world = pages["member"], pages["cadre"], pages["world"]
    for i, household in enumerate(pages["linking"].households[:6]):
        visit_record(
            household=household,
            by=pages["user"],
            outcome="met" if i % 2 else "not_home",
            visited_at=timezone.now() - dt.timedelta(days=i),
        )
        household_event_record(
            household=household, kind="hospital", occurred_on=timezone.localdate(), by=world.cadre
        )
    visit = Visit.objects.first()
    village = world.tree.village.code
    for client, path, limit in (
        (member, "/links/visits/", 20),
        (cadre, "/links/visits/", 20),
        (member, "/links/visits/new/", 15),
        (member, f"/links/visits/new/?household={pages['household'].number}", 15),
        (member, f"/links/visits/{visit.pk}/", 15),
        (cadre, "/links/visits/tasks/", 15),
        (cadre, f"/links/visits/compliance/?node={village}", 20),
        (cadre, "/links/visits/appraisals/", 12),
    ):
        with django_assert_max_num_queries(limit):
            response = client.get(path)
        assert response.status_code == 200, path


def test_lists_filter_by_place_within_scope(pages):
    visit_record(household=pages["household"], by=pages["user"], outcome="not_home")
    tree = pages["world"].tree
    cadre = pages["cadre"]
    inside = cadre.get(f"/links/visits/?under={tree.microgrid.code}")
    assert len(inside.context["page"].object_list) == 1
    outside = cadre.get(f"/links/visits/?under={tree.other_village.code}")
    assert outside.status_code == 200
    assert list(outside.context["page"].object_list) == []
    assert len(cadre.get(f"/links/visits/tasks/?under={tree.group.code}").context["page"]) == 1
    assert (
        list(cadre.get(f"/links/visits/tasks/?under={tree.other_village.code}").context["page"])
        == []
    )
    late_only = cadre.get("/links/visits/?late=1")
    assert list(late_only.context["page"].object_list) == []


def test_a_linker_reaches_a_visit_from_their_household_and_its_page(pages):
    member, household = pages["member"], pages["household"]
    home = member.get("/links/").content.decode()
    assert f"/links/visits/new/?household={household.number}" in home
    page = member.get(f"/households/{household.number}/").content.decode()
    assert f"/links/visits/new/?household={household.number}" in page
    assert f"/links/visits/?household={household.number}" in page
    other = pages["linking"].households[1]
    visit_record(household=household, by=pages["user"], outcome="met")
    visit_record(household=other, by=pages["user"], outcome="met")
    mine = member.get(f"/links/visits/?household={household.number}").content.decode()
    assert mine.count(other.number) < member.get("/links/visits/").content.decode().count(
        other.number
    )
    # Another village's household number shows nothing, and says nothing about it.
    stranger = pages["world"].other_household
    listed = pages["cadre"].get(f"/links/visits/?household={stranger.number}")
    assert listed.status_code == 200 and stranger.address not in listed.content.decode()
    assert "没有" in listed.content.decode() or "暂无" in listed.content.decode()
