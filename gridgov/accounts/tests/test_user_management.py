"""No one gets more power than their role: the admin site, managing users and roles on gridgov's
own pages and API, and what the audit chain keeps of it."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from gridgov.accounts.models import AccountState, Assignment
from gridgov.accounts.roles import ROLE_ACTIONS, ROLE_RANK, Role, grantable_roles
from gridgov.accounts.services import api_token_create, user_password_reset
from gridgov.core.audit import audit_verify
from gridgov.core.models import AuditEntry
from gridgov.core.oracle import NOT_HERE
from gridgov.core.permissions import action_spec
from gridgov.grid.services import grid_node_create

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "pw-Test-123"


@pytest.fixture
def places(tree):
    """The fixture's county and town, plus a second town with a village."""
    tree.town2 = grid_node_create(code="440605002", name="大沥镇", parent=tree.county, by=None)
    tree.village2 = grid_node_create(code="440605002201", name="盐步村", parent=tree.town2, by=None)
    return tree


def api(client: Client, method: str, path: str, token: str, body: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"}
    if method == "get":
        return client.get("/api/v1" + path, headers=headers)
    return getattr(client, method)(
        "/api/v1" + path, json.dumps(body or {}), content_type="application/json", headers=headers
    )


def token_of(user) -> str:
    return api_token_create(user=user, name="t")[1]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- /admin/ ------------------------------------------------------------------------------


def test_only_active_superusers_enter_the_admin(places, make_user):
    county_admin = make_user(Role.COUNTY_ADMIN, places.county)
    staff = make_user(Role.COUNTY_ADMIN, places.county)
    staff.is_staff = True
    staff.save()
    staff.user_permissions.set(Permission.objects.all())  # every Django permission there is
    root = make_user(superuser=True)
    for user in (county_admin, staff):
        client = signed_in(user)
        for path in ("/admin/", "/admin/auth/user/", f"/admin/auth/user/{user.pk}/change/"):
            response = client.get(path)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        response = client.post(
            f"/admin/auth/user/{user.pk}/change/",
            {"username": user.username, "is_superuser": "on", "is_staff": "on"},
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert not user.is_superuser
    # Signing in at the admin's own form does not let staff in either.
    response = Client().post(
        "/admin/login/?next=/admin/", {"username": staff.username, "password": PASSWORD}
    )
    assert response.status_code == 200 and "超级管理员" in response.content.decode()
    assert signed_in(root).get("/admin/").status_code == 200
    root.is_active = False
    root.save()
    assert (
        Client()
        .post("/admin/login/", {"username": root.username, "password": PASSWORD})
        .status_code
        == 200
    )  # refused: the form again


def test_changes_in_the_admin_reach_the_audit_chain(places, make_user):
    root = make_user(superuser=True)
    target = make_user(Role.VIEWER, places.village)
    client = signed_in(root)
    response = client.post(
        f"/admin/auth/user/{target.pk}/password/",
        {"password1": "Another-pass-2026", "password2": "Another-pass-2026"},
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="password_reset", object_id=str(target.pk)).get()
    assert entry.actor_id == root.pk and "Another-pass-2026" not in json.dumps(entry.after)
    response = client.post(
        f"/admin/auth/user/{target.pk}/change/",
        {
            "username": target.username,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(action="update", object_id=str(target.pk)).latest("id")
    assert entry.actor_id == root.pk
    assert entry.before == {"is_staff": False} and entry.after == {"is_staff": True}
    assert audit_verify().ok


def test_migration_strips_staff_and_permissions_from_non_superusers(make_user):
    old_admin = make_user()
    old_admin.is_staff = True
    old_admin.save()
    old_admin.user_permissions.add(Permission.objects.get(codename="change_user"))
    root = make_user(superuser=True)
    migration = importlib.import_module("gridgov.accounts.migrations.0004_account_state")
    migration.strip_staff(global_apps, None)
    old_admin.refresh_from_db()
    root.refresh_from_db()
    assert not old_admin.is_staff and not old_admin.user_permissions.exists()
    assert root.is_staff and root.is_superuser


# --- the rank of roles ----------------------------------------------------------------------


def test_role_rank_is_a_strict_order_and_managers_grant_at_or_below_their_own():
    assert sorted(ROLE_RANK) == sorted(Role.values)
    assert len(set(ROLE_RANK.values())) == len(ROLE_RANK)
    assert Role.COUNTY_ADMIN in grantable_roles(Role.COUNTY_ADMIN)
    assert Role.COUNTY_ADMIN not in grantable_roles(Role.TOWN_CADRE)
    assert Role.TOWN_CADRE in grantable_roles(Role.TOWN_CADRE)
    for role in Role:
        for granted in grantable_roles(role):
            assert ROLE_RANK[granted] <= ROLE_RANK[role]
            # Every action it lacks names it as one who may grant it (granted_by).
            for key in ROLE_ACTIONS[granted] - ROLE_ACTIONS[role]:
                spec = action_spec(key)
                assert spec is not None and role in spec.granted_by, (role, granted, key)
    assert grantable_roles(Role.VILLAGE_CADRE) == frozenset()


# --- escalation attempts -------------------------------------------------------------------


def test_no_route_makes_anyone_superuser_or_staff(places, make_user):
    admin = make_user(Role.COUNTY_ADMIN, places.county)
    token = token_of(admin)
    client = Client()
    body = {
        "username": "wang",
        "full_name": "王五",
        "node": places.village.code,
        "role": Role.VIEWER,
        "is_superuser": True,
    }
    response = api(client, "post", "/users/", token, body)
    assert response.status_code == 422 and "is_superuser" in response.json()["errors"]
    assert not User.objects.filter(username="wang").exists()
    # The page ignores fields it does not have.
    page = signed_in(admin)
    response = page.post(
        "/users/new/", {**body, "is_superuser": "on", "is_staff": "on", "role": Role.VIEWER}
    )
    assert response.status_code == 200
    created = User.objects.get(username="wang")
    assert not created.is_superuser and not created.is_staff
    # Managing oneself is refused, through the API and the page (grant, reset, deactivate).
    response = api(
        client,
        "post",
        f"/users/{admin.pk}/assignments",
        token,
        {"node": places.county.code, "role": Role.COUNTY_ADMIN},
    )
    assert response.status_code in (404, 422)
    assert api(client, "post", f"/users/{admin.pk}/password-reset", token).status_code in (
        404,
        422,
    )
    page.post(f"/users/{admin.pk}/deactivate/")
    admin.refresh_from_db()
    assert admin.is_active and not admin.is_superuser and not admin.is_staff
    assert Assignment.objects.filter(user=admin).count() == 1


def test_a_town_cadre_grants_nothing_above_their_role_nor_outside_their_town(places, make_user):
    cadre = make_user(Role.TOWN_CADRE, places.town)
    worker = make_user(Role.GRID_WORKER, places.microgrid)
    token = token_of(cadre)
    client = Client()
    path = f"/users/{worker.pk}/assignments"
    higher = api(client, "post", path, token, {"node": places.town.code, "role": "county_admin"})
    assert higher.status_code == 422 and "role" in higher.json()["errors"]
    outside = api(client, "post", path, token, {"node": places.village2.code, "role": "viewer"})
    assert outside.status_code == 404
    above = api(client, "post", path, token, {"node": places.county.code, "role": "viewer"})
    assert above.status_code == 404
    assert Assignment.objects.filter(user=worker).count() == 1
    ok = api(client, "post", path, token, {"node": places.village.code, "role": "town_cadre"})
    assert ok.status_code == 201 and ok.json()["role"]["code"] == "town_cadre"
    # The same on the page: the form says why, nothing is stored.
    page = signed_in(cadre)
    response = page.post(
        f"/users/{worker.pk}/assignments/", {"node": places.town.code, "role": "county_admin"}
    )
    assert response.status_code == 400 and "不高于" in response.content.decode()
    response = page.post(
        f"/users/{worker.pk}/assignments/", {"node": places.village2.code, "role": "viewer"}
    )
    assert response.status_code == 400 and "不在您可管理的范围内" in response.content.decode()
    assert Assignment.objects.filter(user=worker).count() == 2


def test_users_with_any_role_elsewhere_or_above_are_invisible(places, make_user):
    cadre = make_user(Role.TOWN_CADRE, places.town)
    straddler = make_user(Role.VIEWER, places.village)
    Assignment.objects.create(
        user=straddler, node=places.village2, node_code=places.village2.code, role=Role.VIEWER
    )
    boss = make_user(Role.COUNTY_ADMIN, places.town)  # a higher role, inside the town
    root = make_user(superuser=True)
    elsewhere = make_user(Role.VIEWER, places.village2)
    nobody = make_user()  # no role and no home: no one's but the superusers'
    mine = make_user(Role.VIEWER, places.village)
    token = token_of(cadre)
    client, page = Client(), signed_in(cadre)
    listed = {u["username"] for u in api(client, "get", "/users/", token).json()["items"]}
    assert listed == {cadre.username, mine.username}
    for target in (straddler, boss, root, elsewhere, nobody):
        for method, path in (
            ("get", f"/users/{target.pk}"),
            ("post", f"/users/{target.pk}/password-reset"),
            ("post", f"/users/{target.pk}/deactivate"),
            ("post", f"/users/{target.pk}/assignments"),
        ):
            body = {"node": places.village.code, "role": "viewer"}
            response = api(client, method, path, token, body)
            assert response.status_code == 404, (target.username, path, response.status_code)
        assert page.get(f"/users/{target.pk}/").status_code == 404
        assert page.post(f"/users/{target.pk}/password-reset/").status_code == 404
        assert page.post(f"/users/{target.pk}/deactivate/").status_code == 404
    # The same 404 body for a user who does not exist at all.
    missing = api(client, "get", "/users/999999", token)
    assert missing.json() == api(client, "get", f"/users/{root.pk}", token).json()
    for target in (straddler, boss, root, elsewhere):
        target.refresh_from_db()
        assert target.is_active and target.check_password(PASSWORD)


def test_a_county_admin_cannot_reset_a_superusers_password(places, make_user):
    admin = make_user(Role.COUNTY_ADMIN, places.county)
    root = make_user(Role.COUNTY_ADMIN, places.county, superuser=True)
    response = api(Client(), "post", f"/users/{root.pk}/password-reset", token_of(admin))
    assert response.status_code == 404
    assert signed_in(admin).post(f"/users/{root.pk}/password-reset/").status_code == 404
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_roles_without_manage_users_see_no_user_pages(places, make_user):
    for role in Role:
        user = make_user(role, places.village)
        may = "manage_users" in ROLE_ACTIONS[role]
        page = signed_in(user)
        assert page.get("/users/").status_code == (200 if may else 404)
        assert ("/users/" in page.get("/roles/").content.decode()) == may  # the menu link


# --- what a manager does, and the chain --------------------------------------------------------


def test_create_reset_deactivate_grant_revoke_are_audited_with_who_whom_what(places, make_user):
    admin = make_user(Role.TOWN_CADRE, places.town)
    token = token_of(admin)
    client = Client()
    created = api(
        client,
        "post",
        "/users/",
        token,
        {
            "username": "li4",
            "full_name": "李四",
            "node": places.village.code,
            "role": "grid_worker",
        },
    )
    assert created.status_code == 201
    data = created.json()
    first_password = data["temporary_password"]
    assert data["must_change_password"] and data["assignments"][0]["role"]["code"] == "grid_worker"
    user = User.objects.get(username="li4")
    assert user.check_password(first_password)
    uid = user.pk
    reset = api(client, "post", f"/users/{uid}/password-reset", token)
    assert reset.status_code == 200
    second_password = reset.json()["temporary_password"]
    grant = api(
        client,
        "post",
        f"/users/{uid}/assignments",
        token,
        {"node": places.microgrid.code, "role": "viewer"},
    )
    assert grant.status_code == 201
    revoke = api(client, "delete", f"/users/{uid}/assignments/{grant.json()['id']}", token)
    assert revoke.status_code == 204
    assert api(client, "post", f"/users/{uid}/deactivate", token).json()["is_active"] is False
    assert api(client, "post", f"/users/{uid}/reactivate", token).json()["is_active"] is True
    entries = AuditEntry.objects.filter(actor_id=admin.pk).order_by("id")
    seen = [(e.action, e.object_type) for e in entries]
    assert seen == [
        ("create", "auth.user"),
        ("create", "accounts.assignment"),
        ("password_reset", "auth.user"),
        ("create", "accounts.assignment"),
        ("delete", "accounts.assignment"),
        ("deactivate", "auth.user"),
        ("reactivate", "auth.user"),
    ]
    for entry in entries:
        assert entry.actor_name == admin.username and entry.source == "api"
        whom = entry.after or entry.before
        assert whom["user_id"] == uid and whom["username"] == "li4"
        # Filed under the user's place, so the town's auditors see it.
        assert entry.grid_path.startswith(places.town.code)
        text = json.dumps([entry.before, entry.after, entry.object_repr], ensure_ascii=False)
        assert first_password not in text and second_password not in text
    assert entries[1].after["role"] == "grid_worker"
    assert audit_verify().ok


def test_the_list_is_filtered_and_paged_in_the_database(
    places, make_user, django_assert_max_num_queries
):
    admin = make_user(Role.COUNTY_ADMIN, places.county)
    for i in range(7):
        user = make_user(Role.GRID_WORKER if i % 2 else Role.VIEWER, places.village)
        user.first_name = f"张{i}"
        user.save()
    make_user(Role.VIEWER, places.village2)
    page = signed_in(admin)
    page.get("/users/")  # session, scope: warm
    with django_assert_max_num_queries(8):
        response = page.get("/users/")
    assert response.status_code == 200
    token = token_of(admin)
    client = Client()
    workers = api(client, "get", "/users/?role=grid_worker", token).json()
    assert workers["count"] == 3
    in_town2 = api(client, "get", f"/users/?node={places.town2.code}", token).json()
    assert in_town2["count"] == 1
    named = api(client, "get", "/users/?q=张3&limit=1", token).json()
    assert named["count"] == 1 and len(named["items"]) == 1
    html = page.get("/users/?role=viewer&q=张").content.decode()
    assert "张0" in html and "张1" not in html


def test_a_user_without_roles_stays_where_their_last_role_was(places, make_user):
    county = make_user(Role.COUNTY_ADMIN, places.county)
    cadre2 = make_user(Role.TOWN_CADRE, places.town2)
    cadre = make_user(Role.TOWN_CADRE, places.town)
    worker = make_user(Role.VIEWER, places.village)
    only = Assignment.objects.get(user=worker)
    response = api(Client(), "delete", f"/users/{worker.pk}/assignments/{only.pk}", token_of(cadre))
    assert response.status_code == 204
    assert AccountState.objects.get(user=worker).home_code == places.village.code
    assert signed_in(cadre).get(f"/users/{worker.pk}/").status_code == 200
    assert signed_in(county).get(f"/users/{worker.pk}/").status_code == 200
    assert signed_in(cadre2).get(f"/users/{worker.pk}/").status_code == 404


# --- tokens, sessions, and the password that must be changed --------------------------------


def test_tokens_and_sessions_of_a_deactivated_user_stop_at_once(places, make_user):
    admin = make_user(Role.COUNTY_ADMIN, places.county)
    worker = make_user(Role.GRID_WORKER, places.microgrid)
    token = token_of(worker)
    session = signed_in(worker)
    client = Client()
    assert api(client, "get", "/me", token).status_code == 200
    assert session.get("/").status_code == 200
    assert signed_in(admin).post(f"/users/{worker.pk}/deactivate/").status_code == 302
    assert api(client, "get", "/me", token).status_code == 401
    response = session.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert session.get("/api/v1/me").status_code == 401
    signed_in(admin).post(f"/users/{worker.pk}/reactivate/")
    # Reactivation does not bring back the tokens or sessions of before: they were ended.
    assert api(client, "get", "/me", token).status_code == 401
    assert session.get("/").status_code == 302


def test_tokens_of_a_locked_out_account_stop_at_once(places, make_user):
    worker = make_user(Role.GRID_WORKER, places.microgrid)
    token = token_of(worker)
    client = Client()
    assert api(client, "get", "/me", token).status_code == 200
    for _ in range(10):
        Client().post("/login/", {"username": worker.username, "password": "wrong"})
        if api(client, "get", "/me", token).status_code == 401:
            break
    assert api(client, "get", "/me", token).status_code == 401
    # A wrong password for someone else's account does not touch this one's tokens.
    other = make_user(Role.VIEWER, places.village)
    other_token = token_of(other)
    assert api(client, "get", "/me", other_token).status_code == 200


def test_a_reset_password_must_be_changed_first(places, make_user):
    admin = make_user(Role.COUNTY_ADMIN, places.county)
    worker = make_user(Role.GRID_WORKER, places.microgrid)
    token = token_of(worker)
    old_session = signed_in(worker)
    response = signed_in(admin).post(f"/users/{worker.pk}/password-reset/")
    assert response.status_code == 200 and response["Cache-Control"].find("no-store") >= 0
    html = response.content.decode()
    temporary = html.split('<strong class="mono">')[1].split("<")[0]
    assert worker.__class__.objects.get(pk=worker.pk).check_password(temporary)
    # The open session ended with the old password.
    assert old_session.get("/")["Location"].startswith("/login/")
    # The API refuses, saying why, for a token and for a session.
    refused = api(Client(), "get", "/me", token)
    assert refused.status_code == 403 and "修改密码" in refused.json()["detail"]
    client = Client()
    assert (
        client.post("/login/", {"username": worker.username, "password": temporary}).status_code
        == 302
    )
    for path in ("/", "/persons/", "/matters/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/password/", path
    assert client.get("/api/v1/me").status_code == 403
    assert client.get("/password/").status_code == 200
    # A wrong old password, or a new one equal to it, is refused with the field named.
    bad = client.post(
        "/password/",
        {
            "old_password": "nope",
            "new_password": "Fresh-pass-2026",
            "new_password_again": "Fresh-pass-2026",
        },
    )
    assert bad.status_code == 200 and "原密码不正确" in bad.content.decode()
    same = client.post(
        "/password/",
        {"old_password": temporary, "new_password": temporary, "new_password_again": temporary},
    )
    assert "不能与原密码相同" in same.content.decode()
    done = client.post(
        "/password/",
        {
            "old_password": temporary,
            "new_password": "Fresh-pass-2026",
            "new_password_again": "Fresh-pass-2026",
        },
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert api(Client(), "get", "/me", token).status_code == 200
    assert not AccountState.objects.get(user=worker).must_change_password
    entry = AuditEntry.objects.filter(action="password_change").get()
    assert entry.actor_id == worker.pk and "Fresh-pass-2026" not in json.dumps(entry.after)


def test_services_refuse_a_page_or_api_caller_that_names_no_one(places, make_user):
    from django.core.exceptions import PermissionDenied

    from gridgov.accounts.services import assignment_create, user_create, user_deactivate
    from gridgov.core.context import Source, actor_context

    worker = make_user(Role.VIEWER, places.village)
    for source in (Source.WEB, Source.API):
        with actor_context(user=worker, source=source):
            with pytest.raises(PermissionDenied):
                user_create(username="x9", password="Long-enough-2026", is_superuser=True)
            with pytest.raises(PermissionDenied):
                assignment_create(user=worker, node=places.county, role=Role.COUNTY_ADMIN)
            with pytest.raises(PermissionDenied):
                user_deactivate(by=None, user=worker)
            with pytest.raises(PermissionDenied):
                user_password_reset(by=None, user=worker)
    assert not User.objects.filter(username="x9").exists()
    assert list(Assignment.objects.filter(user=worker).values_list("role", flat=True)) == ["viewer"]


def test_bad_input_is_named_and_never_a_server_error(places, make_user):
    admin = make_user(Role.COUNTY_ADMIN, places.county)
    token = token_of(admin)
    client = Client()
    worker = make_user(Role.VIEWER, places.village)
    huge = 2**70
    for method, path in (
        ("get", f"/users/{huge}"),
        ("post", f"/users/{huge}/deactivate"),
        ("delete", f"/users/{worker.pk}/assignments/{huge}"),
        ("get", "/users/abc"),
    ):
        assert api(client, method, path, token).status_code in (404, 422), path
    good = {"username": "zhao6", "full_name": "赵六", "node": places.village.code, "role": "viewer"}
    for field, value in (
        ("node", "12345"),
        ("node", "4406050012x1"),
        ("role", "superuser"),
        ("username", "has space!"),
        ("username", "a\x00b"),
        ("full_name", ""),
        ("username", True),
    ):
        response = api(client, "post", "/users/", token, {**good, field: value})
        assert response.status_code == 422, (field, value, response.status_code)
        assert field in response.json()["errors"], (field, response.json())
    # A node of no one's (absent) answers as one outside the scope.
    absent = api(client, "post", "/users/", token, {**good, "node": "440605009999"})
    assert absent.status_code == 404
    assert not User.objects.filter(username="zhao6").exists()
    # The same name in any letter case is refused: named to a manager who can see its holder,
    # in the neutral words of every channel (core.oracle) to one who cannot.
    taken = api(client, "post", "/users/", token, {**good, "username": worker.username.upper()})
    assert taken.status_code == 422 and "已被使用" in taken.json()["errors"]["username"][0]
    elsewhere = make_user(Role.VIEWER, places.village2)
    cadre_token = token_of(make_user(Role.TOWN_CADRE, places.town))
    hidden = api(client, "post", "/users/", cadre_token, {**good, "username": elsewhere.username})
    unknown_node = api(client, "post", "/users/", cadre_token, {**good, "username": "zhao7"})
    assert unknown_node.status_code == 201
    assert hidden.status_code == 422
    assert hidden.json()["errors"]["username"] == [str(NOT_HERE)]
    assert elsewhere.username not in hidden.content.decode()
    page = signed_in(admin)
    response = page.post("/users/new/", {**good, "node": "999999"})
    assert response.status_code == 200 and "不在您可管理的范围内" in response.content.decode()
    assert page.get(f"/users/{huge}/").status_code == 404
    assert page.post(f"/users/{worker.pk}/assignments/{huge}/revoke/").status_code == 404


def test_the_users_api_keeps_its_own_schema_names():
    """Component names are global in the OpenAPI document: a clash would make one resource's
    answers break another's documented schema."""
    from gridgov.api.router import api as ninja_api

    schema = json.loads(json.dumps(ninja_api.get_openapi_schema()))  # keys as served
    answer = schema["paths"]["/api/v1/users/{user_id}"]["get"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    roles = schema["components"]["schemas"][ref]["properties"]["assignments"]["items"]["$ref"]
    role_schema = schema["components"]["schemas"][roles.rsplit("/", 1)[-1]]
    assert set(role_schema["required"]) == {"id", "node", "node_name", "role", "created_at"}
    me = schema["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]
    me_ref = me["schema"]["$ref"].rsplit("/", 1)[-1]
    mine = schema["components"]["schemas"][me_ref]["properties"]["assignments"]["items"]["$ref"]
    assert mine != roles


def test_ones_own_page_offers_no_controls_over_oneself(places, make_user):
    admin = make_user(Role.COUNTY_ADMIN, places.county)
    other = make_user(Role.VIEWER, places.village)
    page = signed_in(admin)
    own = page.get(f"/users/{admin.pk}/").content.decode()
    for action in ("password-reset", "deactivate", "assignments/"):
        assert f"/users/{admin.pk}/{action}" not in own, action
    assert "/password/" in own
    theirs = page.get(f"/users/{other.pk}/").content.decode()
    for action in ("password-reset", "deactivate", "assignments/"):
        assert f"/users/{other.pk}/{action}" in theirs, action
