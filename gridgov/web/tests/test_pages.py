"""Every page: sign-in required, in-scope content, and 404 (never a hint) out of scope."""

from __future__ import annotations

import pytest

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.orgs.models import BodyKind
from gridgov.orgs.services import body_create


def page_urls(world) -> dict[str, str]:
    t = world.tree
    return {
        "home": "/",
        "node": f"/grid/{t.village.code}/",
        "node_children": f"/grid/{t.village.code}/children/",
        "households": "/households/",
        "household": f"/households/{world.household.number}/",
        "persons": "/persons/",
        "person": f"/persons/{world.head.pk}/",
        "person_sensitive": f"/persons/{world.spouse.pk}/sensitive/",
        "orgs": "/orgs/",
        "org": f"/orgs/{world.branch.code}/",
        "org_report": "/orgs/report/",
        "members": "/members/",
        "body": f"/bodies/{world.committee.code}/",
        "search": "/search/?q=陈",
        "import": "/import/",
    }


def test_every_page_sends_anonymous_visitors_to_sign_in(client, world):
    for name, url in page_urls(world).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith("/login/?next="), name


def test_sign_in_page_and_sign_in_and_out(client, world):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    response = client.post("/login/", {"username": world.cadre.username, "password": "pw-Test-123"})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    # Sign-out is a POST form (Django 5 refuses GET).
    assert "/logout/" in client.get("/").content.decode()
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_in_chinese(client, world):
    response = client.post("/login/", {"username": world.cadre.username, "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


EXPECTED = {
    "home": ["平东村", "户 1 · 人 3 · 党员 1 · 党组织 2"],
    "node": ["平东村", "第一村民小组", "桂城街道", "平东村党支部", "平东村村民委员会", "node-map"],
    "node_children": ["第一村民小组"],
    "households": ["平东村东街1号", "陈大明", "低保户", "共 1 条"],
    "household": ["陈大明", "李秀英", "陈小华", "党员", "低保户", "户主", "流动", "一组1号微网格"],
    "persons": ["陈大明", "李秀英", "陈小华", "共 3 条"],
    "person": ["陈大明", "138****5678", "第一党小组", "党员中心户", "网格长", "平东村村民委员会"],
    "person_sensitive": ["慢性肾病", "大病/重病"],
    "orgs": ["平东村党支部", "第一党小组", "共 2 条"],
    "org": ["平东村党支部", "第一党小组", "含下级组织"],
    "org_report": ["李秀英", "与村民委员会成员陈大明同户"],
    "members": ["陈大明", "第一党小组", "正式党员"],
    "body": ["平东村村民委员会", "陈大明", "主任/组长/理事长"],
    "search": ["陈大明", "陈小华"],
    "import": ["下载 Excel 模板", "户编号"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pages_in_scope_show_their_content(cadre_client, world, name):
    response = cadre_client.get(page_urls(world)[name])
    assert response.status_code == 200
    html = response.content.decode()
    for text in EXPECTED[name]:
        assert text in html, (name, text)
    # Nothing of the other village shows anywhere, and no full ID number or phone either.
    for secret in ["平西村", "赵秘密", world.head_id_number, "13812345678"]:
        assert secret not in html, (name, secret)


def test_breadcrumbs_link_inside_scope_only(cadre_client, world):
    html = cadre_client.get(f"/grid/{world.tree.microgrid.code}/").content.decode()
    t = world.tree
    assert f'href="/grid/{t.village.code}/"' in html
    assert f'href="/grid/{t.group.code}/"' in html
    # The town is shown for context but is not a link the village cadre could not follow.
    assert "桂城街道" in html and f'href="/grid/{t.town.code}/"' not in html


def out_of_scope_urls(world) -> list[str]:
    t = world.tree
    body = body_create(
        code="V440605001202",
        name="平西村村民委员会",
        kind=BodyKind.VILLAGE_COMMITTEE,
        node=t.other_village,
        by=None,
    )
    return [
        f"/grid/{t.other_village.code}/",
        f"/grid/{t.other_microgrid.code}/",
        f"/grid/{t.town.code}/",
        f"/grid/{t.other_village.code}/children/",
        f"/households/{world.other_household.number}/",
        f"/persons/{world.other_person.pk}/",
        f"/persons/{world.other_person.pk}/sensitive/",
        f"/orgs/{world.other_branch.code}/",
        f"/bodies/{body.code}/",
    ]


def test_detail_pages_out_of_scope_are_404(cadre_client, world):
    for url in out_of_scope_urls(world):
        response = cadre_client.get(url)
        assert response.status_code == 404, url
        html = response.content.decode()
        assert "平西村" not in html and "赵秘密" not in html, url


def test_missing_objects_are_404_like_hidden_ones(cadre_client, world):
    for url in ["/grid/440605001299/", "/households/nope/", "/persons/999999/", "/orgs/nope/"]:
        assert cadre_client.get(url).status_code == 404, url


@pytest.mark.parametrize(
    "path", ["/households/", "/persons/", "/orgs/", "/members/", "/orgs/report/"]
)
def test_list_filters_under_another_village_show_nothing(cadre_client, world, path):
    t = world.tree
    for under in [t.other_village.code, t.other_microgrid.code]:
        response = cadre_client.get(path, {"under": under})
        assert response.status_code == 200
        html = response.content.decode()
        for secret in ["平西村", "赵秘密", world.other_household.number, "平西1号微网格"]:
            assert secret not in html, (path, under, secret)
        # The same answer as for a code that does not exist: no hint that it does.
        missing = cadre_client.get(path, {"under": "440605001299"}).content.decode()
        assert "不存在或不在您的范围内" in html and "不存在或不在您的范围内" in missing
        if path != "/orgs/report/":
            assert "共 0 条" in html


def test_lists_filtered_under_a_node_in_scope(cadre_client, world, make_household):
    other_mg_household = make_household(world.tree.microgrid, address="另一户")
    html = cadre_client.get("/households/", {"under": world.tree.microgrid.code}).content.decode()
    assert world.household.number in html and other_mg_household.number in html
    assert "范围" in html and "一组1号微网格" in html
    html = cadre_client.get("/households/", {"tag": "dibao"}).content.decode()
    assert world.household.number in html and other_mg_household.number not in html
    html = cadre_client.get("/persons/", {"residence_type": "migrant"}).content.decode()
    assert "陈小华" in html and "陈大明" not in html
    html = cadre_client.get("/orgs/", {"kind": "group"}).content.decode()
    assert "第一党小组" in html and "平东村党支部</a>" not in html
    html = cadre_client.get("/members/", {"status": "probationary"}).content.decode()
    assert "陈大明" not in html


def test_the_other_village_sees_its_own_and_not_ours(client, world):
    client.force_login(world.outsider)
    html = client.get("/households/").content.decode()
    assert world.other_household.number in html and world.household.number not in html
    assert client.get(f"/households/{world.household.number}/").status_code == 404


def test_sensitive_data_needs_the_permission_and_each_view_is_logged(client, world, make_user):
    viewer = make_user(Role.VIEWER, world.tree.village)
    client.force_login(viewer)
    html = client.get(f"/persons/{world.spouse.pk}/?sensitive=1").content.decode()
    assert "李秀英" in html and "慢性肾病" not in html and "查看敏感信息" not in html
    assert client.get(f"/persons/{world.spouse.pk}/sensitive/").status_code == 404
    assert not AuditEntry.objects.filter(action="view_sensitive").exists()

    worker = make_user(Role.GRID_WORKER, world.tree.microgrid)
    client.force_login(worker)
    html = client.get(f"/persons/{world.spouse.pk}/").content.decode()
    assert "查看敏感信息" in html and "慢性肾病" not in html
    assert not AuditEntry.objects.filter(action="view_sensitive").exists()
    html = client.get(f"/persons/{world.spouse.pk}/?sensitive=1").content.decode()
    assert "慢性肾病" in html
    fragment = client.get(f"/persons/{world.spouse.pk}/sensitive/").content.decode()
    assert "慢性肾病" in fragment and "<html" not in fragment
    entries = list(AuditEntry.objects.filter(action="view_sensitive"))
    assert len(entries) == 2
    assert {e.actor_id for e in entries} == {worker.pk}
    assert {e.object_id for e in entries} == {str(world.spouse.pk)}
    assert all(e.grid_path == world.spouse.grid_path for e in entries)
    assert all("慢性肾病" not in str(e.after) for e in entries)


def test_microgrid_page_lists_its_households(cadre_client, world):
    html = cadre_client.get(f"/grid/{world.tree.microgrid.code}/").content.decode()
    assert "本微网格的户" in html and world.household.number in html
    assert f"/households/?under={world.tree.microgrid.code}" in html


def test_map_only_when_a_boundary_exists(cadre_client, world):
    html = cadre_client.get(f"/grid/{world.tree.village.code}/").content.decode()
    assert 'id="map-data"' in html and "Polygon" in html and "leaflet.js" in html
    assert "第一村民小组" in html.split('id="map-data"')[1]  # the child's boundary is drawn too
    html = cadre_client.get(f"/grid/{world.tree.microgrid.code}/").content.decode()
    assert "map-data" not in html and "leaflet.js" not in html


def test_tiles_only_when_configured(cadre_client, world, settings):
    settings.TILE_URL = ""
    html = cadre_client.get(f"/grid/{world.tree.village.code}/").content.decode()
    assert 'data-tile-url=""' in html
    settings.TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    html = cadre_client.get(f"/grid/{world.tree.village.code}/").content.decode()
    assert 'data-tile-url="https://tiles.example/{z}/{x}/{y}.png"' in html


def test_tree_children_expand_with_htmx_and_plain_links(cadre_client, world):
    html = cadre_client.get("/").content.decode()
    code = world.tree.village.code
    assert f'hx-get="/grid/{code}/children/"' in html and f'href="/grid/{code}/"' in html
    fragment = cadre_client.get(f"/grid/{code}/children/").content.decode()
    assert "<html" not in fragment and f'href="/grid/{world.tree.group.code}/"' in fragment


def test_pages_switch_to_english(cadre_client, world):
    response = cadre_client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    assert response.status_code == 302
    html = cadre_client.get("/households/").content.decode()
    assert "Households" in html and "Sign out" in html
    assert 'lang="en"' in html


def test_user_without_assignments_sees_a_hint(client, make_user, tree):
    client.force_login(make_user())
    html = client.get("/").content.decode()
    assert "您还没有被分配到任何网格" in html
    assert "共 0 条" in client.get("/households/").content.decode()
