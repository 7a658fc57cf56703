"""Demo sign-ins: created only on request, idempotent, each user sees exactly its subtree."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from gridgov.accounts.models import Assignment
from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.demo.scales import COUNTY_CODE
from gridgov.demo.signins import (
    DEMO_LOADED_ACTION,
    ensure_demo_signins,
    password_for,
    username_for,
)
from gridgov.grid.models import GridNode
from gridgov.grid.selectors import visible_roots

User = get_user_model()


def test_refuses_without_a_grid(db):
    with pytest.raises(CommandError, match="gridgov demo"):
        call_command("demo_signins")
    assert not User.objects.exists()


def test_one_user_per_role_idempotent_and_scoped(tree):
    first = ensure_demo_signins()
    assert all(s.created for s in first)
    again = ensure_demo_signins()
    assert not any(s.created for s in again)
    assert User.objects.count() == len(Role) + 1
    assert Assignment.objects.count() == len(Role)

    expected = {
        Role.COUNTY_ADMIN: tree.county,
        Role.TOWN_CADRE: tree.town,
        Role.VILLAGE_CADRE: tree.village,
        Role.SUPERVISOR: tree.village,
        Role.GROUP_LEADER: tree.group,
        Role.GRID_WORKER: tree.microgrid,
        Role.LINKED_MEMBER: tree.microgrid,
        Role.VIEWER: tree.village,
    }
    for role, node in expected.items():
        user = User.objects.get(username=username_for(role))
        assert user.check_password(password_for(role))
        assert not user.is_superuser
        assert [n.code for n in visible_roots(user)] == [node.code]
        seen = set(GridNode.objects.restrict(user).values_list("code", flat=True))
        assert seen == set(GridNode.objects.within(node.code).values_list("code", flat=True))
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("demo-admin-2026")
    assert GridNode.objects.restrict(admin).count() == GridNode.objects.count()


def test_command_prints_the_table_with_a_warning(tree):
    out = StringIO()
    call_command("demo_signins", stdout=out)
    text = out.getvalue()
    for role in Role:
        assert username_for(role) in text and password_for(role) in text
    assert "admin" in text and "演示账号" in text and "密码公开" in text
    call_command("demo_signins", stdout=StringIO())
    assert User.objects.count() == len(Role) + 1


def test_make_run_makes_no_public_passwords_on_a_grid_it_did_not_load(tree):
    """``make run`` on a database holding a real grid (an import, not ``gridgov demo``) serves
    it as it is: no demo user with a public password, no sample matters."""
    out = StringIO()
    call_command("demo_signins", "--if-demo", stdout=out)
    call_command("demo_matters", "--if-empty", "--if-demo", stdout=out)
    assert not User.objects.exists()
    assert "不创建演示账号" in out.getvalue() and "不生成演示事项" in out.getvalue()
    # Sign-ins made by hand before mark the database as a demo's: they are kept up.
    call_command("demo_signins", stdout=StringIO())
    call_command("demo_signins", "--if-demo", stdout=StringIO())
    assert User.objects.count() == len(Role) + 1


def test_the_demo_marks_its_database(db, tmp_path):
    call_command(
        "demo", scale="village", seed=2, out=str(tmp_path), stdout=StringIO(), stderr=StringIO()
    )
    assert AuditEntry.objects.filter(action=DEMO_LOADED_ACTION, grid_path=COUNTY_CODE).count() == 1
    call_command("demo_signins", "--if-demo", stdout=StringIO())
    assert User.objects.filter(username=username_for(Role.GRID_WORKER)).exists()
