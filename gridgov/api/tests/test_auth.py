"""Authentication: tokens and sessions, 401 for everyone else, and the actor in the audit log."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.accounts.models import ApiToken
from gridgov.accounts.roles import Role
from gridgov.accounts.services import api_token_create, api_token_revoke
from gridgov.core.models import AuditEntry
from gridgov.people.models import Household
from gridgov.testing.api import BASE, ApiClient

pytestmark = pytest.mark.django_db


def household_body(tree, number="H-AUTH-1"):
    return {"number": number, "microgrid": tree.microgrid.code, "address": "平东村1号"}


def test_anonymous_gets_401_for_reads_and_writes(tree):
    client = Client()
    response = client.get(f"{BASE}/households/")
    assert response.status_code == 401
    assert "接口令牌" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")
    # Anonymous unsafe requests are 401 too, not a CSRF 403.
    response = client.post(
        f"{BASE}/households/", json.dumps(household_body(tree)), content_type="application/json"
    )
    assert response.status_code == 401
    assert not Household.objects.exists()


@pytest.mark.parametrize(
    "header", ["Bearer gg_not-a-token", "Bearer ", "Basic dXNlcjpwdw==", "gg_x"]
)
def test_unknown_or_malformed_token_is_401(tree, header):
    response = Client().get(f"{BASE}/households/", headers={"Authorization": header})
    assert response.status_code == 401


def test_token_works_and_records_use(tree, make_user):
    user = make_user(Role.VIEWER, tree.village)
    token, raw = api_token_create(user=user, name="cli")
    response = Client().get(f"{BASE}/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == user.username
    assert body["assignments"] == [
        {
            "node": {
                "code": tree.village.code,
                "name": tree.village.name,
                "level": {"code": "village", "label": "村（社区）"},
            },
            "role": {"code": "viewer", "label": "查看员"},
        }
    ]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_token_brings_its_users_assignments_in_the_same_statement(tree, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridgov.accounts.models import Assignment
    from gridgov.accounts.scope import user_assignments
    from gridgov.accounts.services import api_token_authenticate, assignment_create

    user = make_user(Role.VIEWER, tree.village)
    # More than nine, so that an order by text ("10" < "9") would show.
    nodes = [tree.microgrid, tree.group, tree.other_village, tree.town] * 3
    roles = [Role.GRID_WORKER, Role.GROUP_LEADER, Role.VILLAGE_CADRE]
    for i, node in enumerate(nodes):
        assignment_create(user=user, node=node, role=roles[i % 3])
    _token, raw = api_token_create(user=user, name="cli")
    expected = list(
        Assignment.objects.filter(user=user).order_by("id").values_list("node_code", "role")
    )
    assert len(expected) == 13
    with CaptureQueriesContext(connection) as queries:
        found = api_token_authenticate(raw)
        assert user_assignments(found) == expected
    assert len([q for q in queries.captured_queries if not q["sql"].startswith("UPDATE")]) == 1
    # A user without any: none, and no second read either.
    bare = make_user()
    _token, raw = api_token_create(user=bare, name="cli")
    with CaptureQueriesContext(connection) as queries:
        assert user_assignments(api_token_authenticate(raw)) == []
    assert len([q for q in queries.captured_queries if not q["sql"].startswith("UPDATE")]) == 1


def test_expired_revoked_and_inactive_tokens_are_401(tree, make_user):
    user = make_user(Role.VIEWER, tree.village)
    expired, raw_expired = api_token_create(user=user, name="old")
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    revoked, raw_revoked = api_token_create(user=user, name="revoked")
    api_token_revoke(token=revoked)
    for raw in (raw_expired, raw_revoked):
        response = Client().get(f"{BASE}/me", headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 401

    _token, raw_ok = api_token_create(user=user, name="ok")
    user.is_active = False
    user.save()
    response = Client().get(f"{BASE}/me", headers={"Authorization": f"Bearer {raw_ok}"})
    assert response.status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(tree, make_user):
    user = make_user(Role.VIEWER, tree.village, password="pw-Test-123")
    client = Client()
    assert client.login(username=user.username, password="pw-Test-123")
    assert client.get(f"{BASE}/me").status_code == 200
    response = client.get(f"{BASE}/me", headers={"Authorization": "Bearer gg_wrong"})
    assert response.status_code == 401


def test_session_reads_without_csrf_and_writes_only_with_it(tree, make_user):
    user = make_user(Role.VILLAGE_CADRE, tree.village, password="pw-Test-123")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.username, password="pw-Test-123")
    assert client.get(f"{BASE}/households/").status_code == 200

    body = json.dumps(household_body(tree))
    response = client.post(f"{BASE}/households/", body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Household.objects.exists()

    # The docs page hands out the CSRF cookie (as a page of the web UI would).
    assert client.get(f"{BASE}/docs").status_code == 200
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        f"{BASE}/households/", body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(object_type="people.household", action="create")
    assert (entry.source, entry.actor_id, entry.actor_name) == ("api", user.pk, user.username)


def test_token_writes_are_audited_as_the_token_user_from_the_api(tree, make_user, api_as):
    user = make_user(Role.VILLAGE_CADRE, tree.village)
    client: ApiClient = api_as(user)
    response = client.post("/households/", household_body(tree))
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(object_type="people.household", action="create")
    assert entry.source == "api"
    assert entry.actor_id == user.pk and entry.actor_name == user.username
    assert entry.request_id == response["X-Request-ID"]


def test_unparsable_body_is_400_in_chinese(admin):
    response = admin.client.post(
        f"{BASE}/households/", "{bad", content_type="application/json", headers=admin._headers()
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "请求体不是有效的JSON"}
