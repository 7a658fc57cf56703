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
    # Not staff, no Django permission: the admin is for superusers only.
    user = assignment.user
    assert not user.is_staff and not user.is_superuser
    assert not user.user_permissions.exists() and not user.get_all_permissions()
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


def test_first_admin_superuser_only_when_asked(monkeypatch):
    out = first_admin(
        monkeypatch, "--county", "440605", "--username", "root", "--superuser", "--force"
    )
    assert "超级管理员" in out
    user = Assignment.objects.get(user__username="root").user
    assert user.is_superuser and user.is_staff
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 200
