"""The link register's pages: coverage, "my households", the register, linkers, the map and the
household page's part, for a county admin, a village cadre and a linked member; scope, errors,
changes through the pages, and bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.links.models import Link, Linker, LinkerKind, Visit, VisitKind, VisitOutcome
from gridgov.links.selectors import (
    MAP_LINKED,
    MAP_PRIORITY_UNLINKED,
    MAP_UNLINKED,
    coverage_by_child,
    link_map_data,
)
from gridgov.links.services import link_create, linker_create, linker_update
from gridgov.people.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(world, linking, make_user, make_household):
    """Links in force: the member links households 0–2, the centre household 3; village B has
    its own linker and link; a linked member signs in as the member."""
    tree = world.tree
    for h in linking.households[:3]:
        link_create(linker=linking.member, household=h, by=None)
    link_create(linker=linking.center, household=linking.households[3], by=None)
    other = linker_create(person=world.other_person, kind=LinkerKind.OTHER, by=None)
    other_link = link_create(linker=other, household=world.other_household, by=None)
    member_user = make_user(Role.LINKED_MEMBER, tree.microgrid)
    linker_update(linker=linking.member, data={"user": member_user}, by=None)
    return {
        "admin": make_user(Role.COUNTY_ADMIN, tree.county),
        "cadre": world.cadre,
        "member": member_user,
        "other_linker": other,
        "other_link": other_link,
    }


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["admin", "cadre", "member"])
@pytest.mark.parametrize(
    "url", ["/links/", "/links/register/", "/links/linkers/", "/links/map/?node=440605001201001001"]
)
def test_every_page_renders_for_each_role(client, site, who, url):
    response = _login(client, site[who]).get(url)
    assert response.status_code == 200, response.content[:500]


def test_the_county_admin_sees_coverage_by_town_and_the_map_asks_to_zoom(client, site, world):
    client = _login(client, site["admin"])
    home = client.get("/links/").content.decode()
    assert "南海区" in home and "桂城街道" in home  # the county, its town as a row
    assert "5 / " in home  # five households linked in the county (four in A, one in B)
    county_map = client.get("/links/map/").content.decode()
    assert "请选择" in county_map and "桂城街道" in county_map
    assert "已联户 5 / " in county_map  # the town's figures beside its name
    assert "link-map-data" not in county_map


def test_my_households_lists_only_the_linkers_own(client, site, linking):
    page = _login(client, site["member"]).get("/links/").content.decode()
    assert "我联系的户" in page
    for h in linking.households[:3]:
        assert f"/households/{h.number}/" in page
    for h in linking.households[3:]:
        assert f"/households/{h.number}/" not in page
    # A cadre who is no linker sees no such section.
    cadre_page = _login(client, site["cadre"]).get("/links/").content.decode()
    assert "我联系的户" not in cadre_page


def test_my_households_shows_the_last_visit_and_priority_first(
    client, site, linking, world, make_person
):
    from gridgov.conftest import new_citizen_id

    first, second, third = linking.households[:3]
    Household.objects.filter(pk=third.pk).update(is_dibao=True)
    make_person(
        second,
        name="独居老人",
        lives_alone=True,
        citizen_id=new_citizen_id(birth=dt.date(1940, 5, 1)),
    )
    when = dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
    Visit.objects.create(
        household=second,
        visitor=site["member"],
        linker=linking.member,
        grid_path=second.grid_path,
        kind=VisitKind.LINK_TALK,
        visited_at=when,
        recorded_at=when,
        outcome=VisitOutcome.MET,
    )
    page = _login(client, site["member"]).get("/links/").content.decode()
    assert "上次走访 2026-03-04" in page
    assert page.index(third.number) < page.index(first.number)  # the 低保 household first
    assert page.index(second.number) < page.index(first.number)
    assert "空巢/独居老人" in page
    assert "重点户" in page
    assert "第一村民小组" in page  # the villager group


def test_out_of_scope_is_404_everywhere(client, site, world):
    client = _login(client, site["cadre"])
    other = site["other_link"]
    assert client.get(f"/links/?node={world.tree.other_village.code}").status_code == 404
    assert client.get(f"/links/map/?node={world.tree.other_village.code}").status_code == 404
    assert client.get(f"/links/linkers/{site['other_linker'].pk}/").status_code == 404
    response = client.post(f"/links/register/{other.pk}/end/", {"reason": "迁出"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.end_on is None
    # Village B's link is not on village A's register.
    register = client.get("/links/register/?state=all").content.decode()
    assert world.other_household.number not in register


def test_a_linked_member_may_not_change_links(client, site, linking):
    client = _login(client, site["member"])
    assert client.get("/links/register/new/").status_code == 404
    assert client.get("/links/linkers/new/").status_code == 404
    link = Link.objects.filter(linker=linking.member).first()
    assert client.post(f"/links/register/{link.pk}/end/", {"reason": "x"}).status_code == 404
    response = client.post(f"/links/linkers/{linking.member.pk}/", {"kind": "center"})
    assert response.status_code == 404
    assert Linker.objects.get(pk=linking.member.pk).kind == LinkerKind.MEMBER


def test_link_new_creates_a_link_through_the_page(client, site, linking):
    client = _login(client, site["cadre"])
    household = linking.households[5]
    form = client.get(f"/links/register/new/?household={household.number}").content.decode()
    assert household.number in form and "林中心" in form
    response = client.post(
        "/links/register/new/",
        {
            "household": household.number,
            "linker": linking.center.pk,
            "start_on": "2026-01-05",
            "pinned": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    link = Link.objects.get(household=household, end_on__isnull=True)
    assert (link.linker_id, link.start_on, link.pinned) == (
        linking.center.pk,
        dt.date(2026, 1, 5),
        True,
    )
    assert AuditEntry.objects.filter(object_type="links.link", action="create").exists()


def test_link_new_shows_errors_per_field(client, site, linking, world, settings):
    client = _login(client, site["cadre"])
    unknown = client.post("/links/register/new/", {"household": "999", "linker": linking.center.pk})
    assert unknown.status_code == 400
    assert "没有这个户编号" in unknown.content.decode()
    outside = client.post(
        "/links/register/new/",
        {"household": world.other_household.number, "linker": linking.center.pk},
    )
    assert "没有这个户编号" in outside.content.decode()
    # The member links three households; with an upper bound of 3 a fourth is refused.
    settings.GRIDGOV_RULES = {"links.capacity": {"member": [1, 3], "center": [5, 10]}}
    full = client.post(
        "/links/register/new/",
        {"household": linking.households[6].number, "linker": linking.member.pk},
    )
    assert full.status_code == 400
    assert "达到上限3户" in full.content.decode()
    assert not Link.objects.filter(household=linking.households[6]).exists()


def test_link_new_refuses_a_linker_out_of_scope_and_an_already_linked_household(
    client, site, linking
):
    client = _login(client, site["cadre"])
    foreign = client.post(
        "/links/register/new/",
        {"household": linking.households[7].number, "linker": site["other_linker"].pk},
    )
    assert foreign.status_code == 400
    linked = client.post(
        "/links/register/new/",
        {"household": linking.households[0].number, "linker": linking.center.pk},
    )
    assert linked.status_code == 400
    assert "该户已有联户人" in linked.content.decode()
    replaced = client.post(
        "/links/register/new/",
        {"household": linking.households[0].number, "linker": linking.center.pk, "replace": "on"},
    )
    assert replaced.status_code == 302
    history = Link.objects.filter(household=linking.households[0]).order_by("id")
    assert [(k.linker_id, k.end_on is None) for k in history] == [
        (linking.member.pk, False),
        (linking.center.pk, True),
    ]


def test_link_end_through_the_page_keeps_the_history(client, site, linking):
    client = _login(client, site["cadre"])
    link = Link.objects.get(household=linking.households[0], end_on__isnull=True)
    response = client.post(
        f"/links/register/{link.pk}/end/", {"reason": "迁出本村", "next": "/links/register/"}
    )
    assert response.status_code == 302 and response["Location"] == "/links/register/"
    link.refresh_from_db()
    assert link.end_on == timezone.localdate() and link.end_reason == "迁出本村"
    # No reason: refused, the link stays in force.
    other = Link.objects.get(household=linking.households[1], end_on__isnull=True)
    client.post(f"/links/register/{other.pk}/end/", {"reason": ""})
    other.refresh_from_db()
    assert other.end_on is None
    # An outside "next" is not followed.
    again = client.post(
        f"/links/register/{other.pk}/end/", {"reason": "x", "next": "https://evil.example/"}
    )
    assert again["Location"] == f"/links/linkers/{linking.member.pk}/"
    ended = client.get("/links/register/?state=ended").content.decode()
    assert "迁出本村" in ended


def test_register_filters_and_export(client, site, linking):
    client = _login(client, site["cadre"])
    by_linker = client.get(f"/links/register/?linker={linking.center.pk}").content.decode()
    assert linking.households[3].number in by_linker
    assert linking.households[0].number not in by_linker
    by_number = client.get(f"/links/register/?q={linking.households[1].number}").content.decode()
    assert linking.households[1].number in by_number
    assert linking.households[2].number not in by_number
    export = client.get("/links/register/?format=csv")
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "王联户" in body and linking.households[2].number in body
    assert AuditEntry.objects.filter(action="export", object_type="links").exists()


def test_linkers_list_shows_load_capacity_and_exemptions(client, site, linking, make_member):
    linker_update(
        linker=linking.center, data={"cannot_link": True, "cannot_link_reason": "长期住院"}, by=None
    )
    linker_create(
        person=make_member(name="老党员", birth=dt.date(1940, 1, 1)), kind="member", by=None
    )
    page = _login(client, site["cadre"]).get("/links/linkers/").content.decode()
    assert "王联户" in page and "（5–20户）" in page
    assert "长期住院" in page
    assert "年满70周岁" in page
    assert "平西" not in page and world_other_name(site) not in page


def world_other_name(site) -> str:
    return site["other_linker"].person.name


def test_linker_new_and_edit_through_the_pages(client, site, world, make_person):
    client = _login(client, site["cadre"])
    form = client.get("/links/linkers/new/").content.decode()
    assert "党员" in form and world.head.name in form  # the members first
    response = client.post(
        "/links/linkers/new/", {"person": world.head.pk, "kind": "center", "phone_consent": "on"}
    )
    assert response.status_code == 302
    linker = Linker.objects.get(person=world.head)
    assert linker.phone_consent and linker.phone_consent_at is not None
    again = client.post("/links/linkers/new/", {"person": world.head.pk, "kind": "center"})
    assert again.status_code == 400
    outside = client.post("/links/linkers/new/", {"person": world.other_person.pk, "kind": "other"})
    assert outside.status_code == 400  # not among the choices
    assert not Linker.objects.filter(person=world.other_person, kind="other").exclude(
        pk=site["other_linker"].pk
    )
    # Edit: "cannot link" needs its reason, shown on the field.
    bad = client.post(f"/links/linkers/{linker.pk}/", {"kind": "center", "cannot_link": "on"})
    assert bad.status_code == 400 and "不能联户须写明原因" in bad.content.decode()
    ok = client.post(
        f"/links/linkers/{linker.pk}/",
        {"kind": "member", "user": site["member"].username, "cannot_link": ""},
    )
    assert ok.status_code == 400  # the member's account already belongs to a linker
    ok = client.post(f"/links/linkers/{linker.pk}/", {"kind": "member"})
    assert ok.status_code == 302
    linker.refresh_from_db()
    assert linker.kind == "member" and not linker.phone_consent


def test_linker_detail_shows_links_in_force_and_ended(client, site, linking):
    from gridgov.links.services import link_end

    link_end(
        link=Link.objects.get(household=linking.households[2], end_on__isnull=True),
        reason="户迁出",
        by=None,
    )
    page = _login(client, site["member"]).get(f"/links/linkers/{linking.member.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "户迁出" in text and linking.households[0].number in text
    assert "修改联户人" not in text and "结束联户" not in text  # read only for a member


def test_the_household_page_shows_its_linker_and_history(client, site, linking):
    client = _login(client, site["cadre"])
    household = linking.households[0]
    page = client.get(f"/households/{household.number}/").content.decode()
    assert "联户党员" in page and "王联户" in page
    link_create(
        linker=linking.center, household=household, by=None, replace=True, end_reason="调整"
    )
    page = client.get(f"/households/{household.number}/").content.decode()
    assert "林中心" in page and "以往联户人" in page and "调整" in page
    unlinked = client.get(f"/households/{linking.households[9].number}/").content.decode()
    assert "该户还没有联户人" in unlinked
    assert f"/links/register/new/?household={linking.households[9].number}" in unlinked


def test_map_data_colours_households_and_draws_lines(site, linking, world):
    tree = world.tree
    for i, h in enumerate(linking.households):
        Household.objects.filter(pk=h.pk).update(lat=23.01 + i * 0.001, lng=113.11)
    Household.objects.filter(pk=linking.households[8].pk).update(is_dibao=True)
    # The member's own household gives the linker's place.
    Household.objects.filter(pk=linking.member.person.household_id).update(lat=23.0, lng=113.1)
    data = link_map_data(site["cadre"], tree.village)
    statuses = sorted(s for _lat, _lng, s in data["households"])
    assert statuses.count(MAP_LINKED) == 4
    assert statuses.count(MAP_PRIORITY_UNLINKED) == 1
    assert statuses.count(MAP_UNLINKED) == 8  # with the member's own household
    assert [k[2] for k in data["linkers"]] == ["王联户"]  # the centre household has no place
    assert len(data["lines"]) == 3  # the member's three links; the centre's has no place
    assert data["lines"][0][2:] == [23.0, 113.1]
    assert data["unplaced"] > 0  # the world's own households have no coordinates
    assert link_map_data(site["admin"], tree.town) is None  # above a village: ask to zoom
    # Scope: village B's household is not on a cadre's map of the town's village.
    assert link_map_data(site["cadre"], tree.other_village)["households"] == []


def test_map_partial_renders_the_data_block(client, site, linking, world):
    Household.objects.filter(pk=linking.households[0].pk).update(lat=23.01, lng=113.11)
    page = _login(client, site["cadre"]).get(f"/links/map/?node={world.tree.village.code}")
    html = page.content.decode()
    assert 'id="link-map-data"' in html and "links/link_map.js" in html
    assert "<script>" not in html  # the CSP forbids inline scripts


def test_coverage_by_child_counts_each_child(site, world, linking):
    rows = {r.code: r for r in coverage_by_child(world.tree.town)}
    village, other = rows[world.tree.village.code], rows[world.tree.other_village.code]
    assert village.linked == 4 and village.linkers == 2
    assert village.households == Household.objects.within(world.tree.village.code).count()
    assert (other.linked, other.households, other.linkers) == (1, 1, 1)
    assert village.priority == 1 and village.priority_linked == 0  # the world's 低保 household
    # The children add up to the node's own figures.
    from gridgov.links.selectors import coverage

    total = coverage(world.tree.town)
    for name in ("households", "linked", "priority", "priority_linked", "linkers", "shortfall"):
        assert getattr(total, name) == sum(getattr(r, name) for r in rows.values()), name


PAGES = {
    "admin": ["/links/"],
    "member": ["/links/", "/links/map/?node=440605001201001001"],
    "cadre": [
        "/links/",
        "/links/register/",
        "/links/register/?state=all&cross=0",
        "/links/linkers/",
        "/links/map/?node=440605001201",
        "/links/register/new/",
    ],
}


def _counts(client, site) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for who, urls in PAGES.items():
        client.force_login(site[who])
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, (who, url)
            counts[f"{who} {url}"] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        link_map_data(site["cadre"], site["cadre_village"])
    counts["map data"] = len(queries)
    return counts


def test_pages_run_a_bounded_number_of_queries(
    client, site, linking, make_household, world, settings
):
    """The same number of queries with 12 households or 30 more, linked, visited and placed,
    and a small one in any case."""
    # Both villages are short of capacity from the start (A: 17 households, capacity 9 + 7;
    # B: a linker of capacity 0), so the short micro-grids' names are read every time.
    settings.GRIDGOV_RULES = {
        "links.capacity": {"member": [0, 9], "center": [0, 7], "other": [0, 0]}
    }
    make_household(address="甲")
    make_household(address="乙")
    site["cadre_village"] = world.tree.village
    before = _counts(client, site)
    for i in range(30):
        h = make_household(address=f"新户{i}", lat=23.0 + i / 1000, lng=113.1)
        linker = linking.center if i % 2 else linking.member
        if i < 12:
            link_create(linker=linker, household=h, by=None)
        Visit.objects.create(
            household=h,
            visitor=site["member"],
            grid_path=h.grid_path,
            kind=VisitKind.LINK_TALK,
            visited_at=timezone.now(),
            recorded_at=timezone.now(),
            outcome=VisitOutcome.MET,
        )
    after = _counts(client, site)
    # The map's data outside a request reads the user's scope once, then from its cache.
    assert after.pop("map data") <= 4 and before.pop("map data") <= 4
    assert after == before
    assert max(after.values()) <= 25, after


def test_home_links_the_other_parts_only_where_their_pages_exist(client, site, monkeypatch):
    from gridgov.links.views import linking

    monkeypatch.setattr(
        linking, "PART_PAGES", (("web:linkers", "某部分"), ("web:no_such_page", "不存在的部分"))
    )
    page = _login(client, site["cadre"]).get("/links/").content.decode()
    assert "某部分" in page and "不存在的部分" not in page
