"""The link register's API: lists, details, writes through the services, coverage, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.links.models import Link, Linker
from gridgov.links.services import link_create, linker_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_a(tree, make_user, api_as):
    return api_as(make_user(Role.VIEWER, tree.village))


@pytest.fixture
def outsider(tree, make_user, api_as):
    """A village cadre of village B (平西村)."""
    return api_as(make_user(Role.VILLAGE_CADRE, tree.other_village))


def test_a_village_cadre_links_lists_and_ends(linking, cadre_a):
    household = linking.households[0]
    created = cadre_a.post(
        "/links", {"linker": linking.member.pk, "household": household.number, "pinned": True}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["household"]["number"] == household.number
    assert body["linker"] == {
        "id": linking.member.pk,
        "name": "王联户",
        "kind": {"code": "member", "label": "联户党员"},
    }
    assert body["in_force"] and body["pinned"] and body["source"]["code"] == "two_way"
    assert body["start_on"] == timezone.localdate().isoformat() and not body["cross_grid"]
    link = Link.objects.get(pk=body["id"])
    assert AuditEntry.objects.filter(
        action="create", object_type="links.link", object_id=str(link.pk)
    ).exists()

    listed = cadre_a.get("/links").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == link.pk
    assert cadre_a.get("/links", q=household.number).json()["count"] == 1
    assert cadre_a.get("/links", q="王联户").json()["count"] == 1
    assert cadre_a.get("/links", linker=linking.center.pk).json()["count"] == 0
    assert cadre_a.get(f"/links/{link.pk}").json()["id"] == link.pk

    ended = cadre_a.post(f"/links/{link.pk}/end", {"reason": "户迁出"})
    assert ended.status_code == 200, ended.content
    assert ended.json()["end_on"] == timezone.localdate().isoformat()
    assert ended.json()["end_reason"] == "户迁出" and not ended.json()["in_force"]
    assert cadre_a.get("/links").json()["count"] == 0
    assert cadre_a.get("/links", state="ended").json()["count"] == 1
    assert cadre_a.get("/links", state="all").json()["count"] == 1
    again = cadre_a.post(f"/links/{link.pk}/end", {"reason": "再结束"})
    assert again.status_code == 422 and "end_on" in again.json()["errors"]


def test_lists_page_in_the_database(linking, admin):
    for household in linking.households[:3]:
        link_create(linker=linking.member, household=household, by=None)
    page = admin.get("/links", limit=2, offset=1).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    numbers = [h.number for h in linking.households[:3]]
    assert [i["household"]["number"] for i in page["items"]] == numbers[1:]


def test_the_rules_refuse_with_the_field_and_nothing_is_stored(linking, cadre_a, settings):
    settings.GRIDGOV_RULES = {"links.capacity": {"member": [1, 2], "center": [5, 10]}}
    for household in linking.households[:2]:
        link_create(linker=linking.member, household=household, by=None)
    over = cadre_a.post(
        "/links", {"linker": linking.member.pk, "household": linking.households[2].number}
    )
    assert over.status_code == 422 and "上限2户" in over.json()["errors"]["linker"][0]
    twice = cadre_a.post(
        "/links", {"linker": linking.center.pk, "household": linking.households[0].number}
    )
    assert twice.status_code == 422 and "household" in twice.json()["errors"]
    replaced = cadre_a.post(
        "/links",
        {
            "linker": linking.center.pk,
            "household": linking.households[0].number,
            "replace": True,
            "end_reason": "双向选择调整",
        },
    )
    assert replaced.status_code == 201, replaced.content
    old = Link.objects.get(household=linking.households[0], linker=linking.member)
    assert old.end_on is not None and old.end_reason == "双向选择调整"
    assert Link.objects.filter(end_on__isnull=True).count() == 2


def test_a_link_across_micro_grids_needs_a_reason(world, linking, admin, make_household):
    elsewhere = make_household(world.tree.other_microgrid)
    refused = admin.post("/links", {"linker": linking.member.pk, "household": elsewhere.number})
    assert refused.status_code == 422 and "cross_grid_reason" in refused.json()["errors"]
    made = admin.post(
        "/links",
        {"linker": linking.member.pk, "household": elsewhere.number, "cross_grid_reason": "亲属"},
    )
    assert made.status_code == 201 and made.json()["cross_grid"] is True
    assert admin.get("/links", cross_grid=True).json()["count"] == 1
    assert admin.get("/links", cross_grid=False).json()["count"] == 0


def test_bad_bodies_name_the_field(linking, cadre_a):
    missing = cadre_a.post("/links", {"household": linking.households[0].number})
    assert missing.status_code == 422 and "linker" in str(missing.json())
    extra = cadre_a.post(
        "/links",
        {"linker": linking.member.pk, "household": linking.households[0].number, "x": 1},
    )
    assert extra.status_code == 422
    typed = cadre_a.post(
        "/links", {"linker": str(linking.member.pk), "household": linking.households[0].number}
    )
    assert typed.status_code == 422
    no_reason = cadre_a.post("/links/1/end", {"reason": ""})
    assert no_reason.status_code == 422
    assert cadre_a.get("/links", state="maybe").status_code == 422
    assert Link.objects.count() == 0


def test_out_of_scope_is_404_and_a_viewer_cannot_write(world, linking, outsider, viewer_a):
    link = link_create(linker=linking.member, household=linking.households[0], by=None)
    assert outsider.get(f"/links/{link.pk}").status_code == 404
    assert outsider.get("/links").json()["count"] == 0
    assert outsider.get(f"/linkers/{linking.member.pk}").status_code == 404
    assert outsider.post(f"/links/{link.pk}/end", {"reason": "x"}).status_code == 404
    made = outsider.post(
        "/links", {"linker": linking.member.pk, "household": linking.households[1].number}
    )
    assert made.status_code == 404
    assert outsider.get("/link-coverage", under=world.tree.village.code).status_code == 404
    # A viewer sees, and may not write (404 as for anything not theirs to change).
    assert viewer_a.get(f"/links/{link.pk}").status_code == 200
    assert viewer_a.post(f"/links/{link.pk}/end", {"reason": "x"}).status_code == 404
    written = viewer_a.post(
        "/links", {"linker": linking.member.pk, "household": linking.households[1].number}
    )
    assert written.status_code == 404
    assert Link.objects.count() == 1 and Link.objects.get().end_on is None


def test_a_cadre_cannot_link_a_household_of_another_village(world, linking, cadre_a):
    refused = cadre_a.post(
        "/links", {"linker": linking.member.pk, "household": world.other_household.number}
    )
    assert refused.status_code == 404
    assert Link.objects.count() == 0


def test_linkers_list_detail_create_and_update(world, linking, cadre_a, make_user):
    listed = cadre_a.get("/linkers").json()
    assert listed["count"] == 2
    first = next(i for i in listed["items"] if i["id"] == linking.member.pk)
    assert first["load"] == 0 and first["capacity"] == {"low": 5, "high": 20}
    assert first["exemption"] == "" and first["person"]["name"] == "王联户"
    assert "*" in first["person"]["id_masked"]
    assert cadre_a.get("/linkers", kind="center").json()["count"] == 1
    link_create(linker=linking.member, household=linking.households[0], by=None)
    assert cadre_a.get(f"/linkers/{linking.member.pk}").json()["load"] == 1

    account = make_user(Role.LINKED_MEMBER, world.tree.microgrid)
    created = cadre_a.post(
        "/linkers",
        {"person": world.head.pk, "kind": "center", "account": account.username},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["account"] == account.username and body["kind"]["code"] == "center"
    assert body["person"]["phone_masked"] and "12345678" not in str(body)
    twice = cadre_a.post("/linkers", {"person": world.head.pk, "kind": "member"})
    assert twice.status_code == 422 and "person" in twice.json()["errors"]
    unknown = cadre_a.post(
        "/linkers", {"person": world.spouse.pk, "kind": "village_cadre", "account": "nobody"}
    )
    assert unknown.status_code == 422 and "account" in unknown.json()["errors"]
    not_member = cadre_a.post("/linkers", {"person": world.spouse.pk, "kind": "member"})
    assert not_member.status_code == 422
    assert not_member.json()["errors"]["kind"] == ["李秀英不是党员，不能作为联户党员"]
    cadre = cadre_a.post("/linkers", {"person": world.spouse.pk, "kind": "village_cadre"})
    assert cadre.status_code == 201, cadre.content
    promoted = cadre_a.patch(f"/linkers/{cadre.json()['id']}", {"kind": "center"})
    assert promoted.status_code == 422 and "kind" in promoted.json()["errors"]
    assert Linker.objects.get(person=world.spouse).kind == "village_cadre"

    updated = cadre_a.patch(
        f"/linkers/{body['id']}", {"cannot_link": True, "cannot_link_reason": "长期患病"}
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["exemption"] == "不能联户：长期患病"
    no_reason = cadre_a.patch(f"/linkers/{body['id']}", {"cannot_link_reason": ""})
    assert no_reason.status_code == 422
    consent = cadre_a.patch(f"/linkers/{body['id']}", {"phone_consent": True, "account": None})
    assert consent.json()["phone_consent"] and consent.json()["phone_consent_at"]
    assert consent.json()["account"] is None
    assert Linker.objects.get(pk=body["id"]).user is None


def test_an_outsider_cannot_name_a_linker_in_another_village(world, outsider, viewer_a):
    assert outsider.post("/linkers", {"person": world.head.pk, "kind": "member"}).status_code == 404
    assert viewer_a.post("/linkers", {"person": world.head.pk, "kind": "member"}).status_code == 404
    assert not Linker.objects.exists()


def test_coverage_of_a_village(world, linking, admin, cadre_a):
    link_create(linker=linking.member, household=linking.households[0], by=None)
    link_create(linker=linking.member, household=world.household, by=None)  # 低保户
    answer = cadre_a.get("/link-coverage", under=world.tree.village.code)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["node"]["code"] == world.tree.village.code
    households = Linker.objects.count() + len(linking.households) + 1  # members' own households
    assert body["households"] == households and body["linked"] == 2
    assert body["unlinked"] == households - 2
    assert body["priority"] == 1 and body["priority_linked"] == 1
    assert body["linkers"] == 2 and body["under_capacity"] == 2
    default = cadre_a.get("/link-coverage").json()
    assert default["node"]["code"] == world.tree.village.code
    county = admin.get("/link-coverage").json()
    assert county["node"]["code"] == world.tree.county.code
    assert county["households"] == households + 1  # the other village's household
    assert admin.get("/link-coverage", under="12").status_code == 404
    assert admin.get("/link-coverage", under="abc").status_code == 422


def test_my_households_for_a_linker_account(world, linking, api_as, make_user):
    user = make_user(Role.LINKED_MEMBER, world.tree.microgrid)
    Linker.objects.filter(pk=linking.member.pk).update(user=user)
    link_create(linker=linking.member, household=linking.households[1], by=None)
    link_create(linker=linking.center, household=linking.households[2], by=None)
    client = api_as(user)
    mine = client.get("/links/mine").json()
    assert mine["count"] == 1
    assert mine["items"][0]["number"] == linking.households[1].number
    other = api_as(make_user(Role.LINKED_MEMBER, world.tree.microgrid))
    assert other.get("/links/mine").json() == {"count": 0, "items": []}


def test_end_dates_are_checked(linking, admin):
    link = link_create(
        linker=linking.member,
        household=linking.households[0],
        start_on=dt.date(2025, 3, 1),
        by=None,
    )
    early = admin.post(f"/links/{link.pk}/end", {"reason": "x", "end_on": "2025-02-28"})
    assert early.status_code == 422 and "end_on" in early.json()["errors"]
    ok = admin.post(f"/links/{link.pk}/end", {"reason": "x", "end_on": "2025-03-01"})
    assert ok.status_code == 200 and ok.json()["end_on"] == "2025-03-01"


def test_a_linker_record_is_not_made_twice_by_the_api(world, admin):
    linker_create(person=world.head, kind="village_cadre", by=None)
    again = admin.post("/linkers", {"person": world.head.pk, "kind": "village_cadre"})
    assert again.status_code == 422
    assert Linker.objects.count() == 1


def test_lists_read_a_fixed_number_of_queries(linking, admin, make_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counted(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(path).status_code == 200
        return len(queries)

    link_create(linker=linking.member, household=linking.households[0], by=None)
    counted("/me")  # the token's first use is stamped once
    few = (counted("/links"), counted("/linkers"))
    for household in linking.households[1:6]:
        link_create(linker=linking.center, household=household, by=None)
    for i in range(3):
        linker_create(person=make_member(name=f"党员{i}"), kind="member", by=None)
    assert (counted("/links"), counted("/linkers")) == few
    assert few[0] <= 6 and few[1] <= 6, few
