"""The first administrator from the command line, API tokens, and role grants in the admin."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gridgov.accounts.models import ApiToken, Assignment
from gridgov.accounts.roles import Role
from gridgov.accounts.services import api_token_authenticate
from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode

pytestmark = pytest.mark.django_db


def first_admin(monkeypatch, *args, password="Gridgov-首次-2026"):
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("firstadmin", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_first_admin_creates_the_county_and_the_role(monkeypatch):
    out = first_admin(
        monkeypatch, "--county", "440605", "--username", "zhang", "--full-name", "张三"
    )
    assert "南海区" in out
    node = GridNode.objects.get(code="440605")
    assert node.name == "南海区" and node.level == "county"
    assignment = Assignment.objects.get(user__username="zhang")
    assert (assignment.node, assignment.role) == (node, Role.COUNTY_ADMIN)
    assert assignment.user.is_staff and not assignment.user.is_superuser
    client = Client()
    response = client.post("/login/", {"username": "zhang", "password": "Gridgov-首次-2026"})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="create", object_type="accounts.assignment").exists()


def test_first_admin_is_first_only_and_checks_code_and_password(monkeypatch):
    with pytest.raises(CommandError, match=r"GB/T 2260"):
        first_admin(monkeypatch, "--county", "123456", "--username", "a")
    with pytest.raises(CommandError):
        first_admin(monkeypatch, "--county", "440605", "--username", "a", password="123")
    assert not Assignment.objects.exists()
    first_admin(monkeypatch, "--county", "440605", "--username", "a")
    with pytest.raises(CommandError, match="已有县级管理员"):
        first_admin(monkeypatch, "--county", "440606", "--username", "b")
    first_admin(monkeypatch, "--county", "440606", "--username", "b", "--force")
    assert Assignment.objects.count() == 2


def test_tokens_are_shown_once_expire_and_revoke(make_user):
    user = make_user()
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "token", "create", user.username, "对接系统", "--days", "30", stdout=out, stderr=err
    )
    secret = out.getvalue().strip()
    assert api_token_authenticate(secret) == user
    token = ApiToken.objects.get(user=user)
    assert secret not in token.digest and token.prefix in err.getvalue()
    with pytest.raises(CommandError):
        call_command("token", "create", user.username, "太长", "--days", "366")
    call_command("token", "revoke", token.prefix, stdout=io.StringIO())
    assert api_token_authenticate(secret) is None
    listing = io.StringIO()
    call_command("token", "list", user.username, stdout=listing)
    assert "已吊销" in listing.getvalue()


def test_admins_grant_roles_only_inside_their_subtree(tree, make_user):
    from gridgov.accounts.services import USER_MANAGER_PERMISSIONS  # noqa: F401

    town_admin = make_user(Role.TOWN_CADRE, tree.town)
    town_admin.is_staff = True
    town_admin.save()
    from django.contrib.auth.models import Permission

    for codename in ("add_assignment", "view_assignment", "delete_assignment"):
        town_admin.user_permissions.add(Permission.objects.get(codename=codename))
    worker = make_user()
    client = Client()
    client.force_login(town_admin)
    page = client.get("/admin/accounts/assignment/add/")
    assert page.status_code == 200
    html = page.content.decode()
    assert tree.village.code in html and "440605</option>" not in html  # not the county
    response = client.post(
        "/admin/accounts/assignment/add/",
        {"user": worker.pk, "node": tree.village.pk, "role": Role.GRID_WORKER},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(user=worker, node=tree.village).exists()
    entry = AuditEntry.objects.filter(object_type="accounts.assignment").latest("id")
    assert entry.actor_id == town_admin.pk and entry.after["role"] == Role.GRID_WORKER
    # The county is outside the town's subtree: not offered, and refused if posted.
    response = client.post(
        "/admin/accounts/assignment/add/",
        {"user": worker.pk, "node": tree.county.pk, "role": Role.VIEWER},
    )
    assert response.status_code == 200  # the form says the choice is not valid
    assert not Assignment.objects.filter(user=worker, node=tree.county).exists()
