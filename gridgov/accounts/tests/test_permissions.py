"""The permission registry: every app's permissions.py together give exactly the role table that
decided every permission before it was split by app, and a wrong declaration fails loudly."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured

from gridgov.accounts.checks import permission_roles_known
from gridgov.accounts.roles import ROLE_ACTIONS, Role, grantable_roles
from gridgov.core import permissions
from gridgov.core.permissions import (
    Policy,
    register_action,
    registered_actions,
    role_allows,
)

# The table of accounts/roles.py before the registry (issue 13: the access matrix is unchanged).
ALL = {
    "view",
    "change",
    "import",
    "export",
    "view_sensitive",
    "reveal",
    "manage_grid",
    "manage_users",
    "audit",
    "report_matter",
    "handle_matter",
    "supervise_matter",
}
TABLE_BEFORE = {
    "county_admin": ALL,
    "town_cadre": ALL,
    "village_cadre": ALL - {"manage_grid", "manage_users", "audit"},
    "supervisor": {"view", "export", "audit"},
    "group_leader": {"view", "change", "report_matter", "handle_matter"},
    "grid_worker": {
        "view",
        "change",
        "view_sensitive",
        "reveal",
        "report_matter",
        "handle_matter",
    },
    "linked_member": {"view", "report_matter"},
    "viewer": {"view"},
}


def test_registry_gives_the_table_of_before():
    """The actions that existed before the split keep their holders; a new app's actions are
    its own business (declared and tested in its permissions.py and tests)."""
    assert {spec.key for spec in registered_actions()} >= ALL
    assert {role: set(ROLE_ACTIONS[role]) & ALL for role in ROLE_ACTIONS} == TABLE_BEFORE
    assert set(ROLE_ACTIONS) == set(Role.values)
    for role, actions in TABLE_BEFORE.items():
        for action in ALL:
            assert role_allows(role, action) == (action in actions), (role, action)


def test_unknown_action_and_unknown_role_hold_nothing():
    assert not role_allows("county_admin", "no_such_action")
    assert not role_allows("no_such_role", "view")
    with pytest.raises(KeyError):
        ROLE_ACTIONS["no_such_role"]


def test_grants_follow_the_registry():
    assert grantable_roles(Role.TOWN_CADRE) == frozenset(Role) - {Role.COUNTY_ADMIN}
    assert grantable_roles(Role.VILLAGE_CADRE) == frozenset()


def test_each_action_names_the_app_that_declared_it():
    apps = {spec.key: spec.app for spec in registered_actions()}
    assert apps["view_sensitive"] == "people" and apps["handle_matter"] == "cases"
    assert apps["import"] == "dataio" and apps["manage_grid"] == "grid"


def test_declaring_an_action_twice_differently_fails(monkeypatch):
    monkeypatch.setattr(permissions, "_ACTIONS", dict(permissions._ACTIONS))
    assert register_action("view", "查看", held_by=list(Role), app="accounts") == "view"
    with pytest.raises(ImproperlyConfigured):
        register_action("view", "查看", held_by=[Role.VIEWER], app="accounts")


def test_a_role_that_does_not_exist_fails_the_start_up_check(monkeypatch):
    assert permission_roles_known() == []
    monkeypatch.setattr(permissions, "_ACTIONS", dict(permissions._ACTIONS))
    register_action("dance", "跳舞", held_by=["village_cadre", "dancer"], app="test")
    errors = permission_roles_known()
    assert [e.id for e in errors] == ["gridgov.accounts.E001"]
    assert "'dancer'" in errors[0].msg


@pytest.mark.django_db
def test_policy_answers_holders_nearest_first(tree, make_user):
    village_cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    worker = make_user(Role.GRID_WORKER, tree.microgrid)
    make_user(Role.VIEWER, tree.microgrid)
    make_user(Role.GRID_WORKER, tree.other_microgrid)
    rows = Policy().holders("handle_matter", tree.microgrid.code)
    assert [(user, code) for user, code, _role in rows] == [
        (worker.pk, tree.microgrid.code),
        (village_cadre.pk, tree.village.code),
    ]
    policy = Policy()
    assert policy.may(worker, "handle_matter", tree.microgrid.code)
    assert not policy.may(worker, "handle_matter", tree.other_microgrid.code)
    assert policy.may_anywhere(worker, "reveal") and not policy.may_anywhere(worker, "import")


def test_the_documented_table_is_the_registry():
    """docs/security.md shows the table that the checks use (regenerate it with
    ``gridgov permissions --markdown``)."""
    from pathlib import Path

    from gridgov.accounts.management.commands.permissions import permissions_markdown

    doc = (Path(__file__).resolve().parents[3] / "docs" / "security.md").read_text("utf-8")
    start = doc.index("<!-- permissions table")
    start = doc.index("\n", start) + 1
    end = doc.index("<!-- end of permissions table -->")
    assert doc[start:end] == permissions_markdown()


@pytest.mark.django_db
def test_restrict_asks_the_models_policy(tree, make_user, make_household, monkeypatch):
    from gridgov.people.models import Household

    make_household(tree.microgrid)
    cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    assert Household.objects.restrict(cadre, "view").count() == 1

    class NothingOnSundays(Policy):
        def restrict(self, queryset, user, action):
            return queryset.none()

    monkeypatch.setattr(Household, "policy", NothingOnSundays())
    assert Household.objects.restrict(cadre, "view").count() == 0


SUPERVISE = "supervise_matters"  # declared by decisions


def test_an_action_may_name_who_grants_it_without_holding_it(monkeypatch):
    """The town enters the supervision committee's accounts (granted_by) but cannot review;
    without granted_by, a role holding an action the granter lacks stays out of reach."""
    assert SUPERVISE not in ROLE_ACTIONS[Role.TOWN_CADRE]
    assert Role.SUPERVISOR in grantable_roles(Role.TOWN_CADRE)
    spec = permissions._ACTIONS[SUPERVISE]
    monkeypatch.setitem(
        permissions._ACTIONS, SUPERVISE, dataclasses.replace(spec, granted_by=frozenset())
    )
    assert Role.SUPERVISOR not in grantable_roles(Role.TOWN_CADRE)
