"""Every write service takes an explicit acting user (``by``) and audits as them (issue 13)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from gridgov.conftest import new_citizen_id
from gridgov.core.context import Source, actor_context
from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode
from gridgov.grid.services import grid_node_create, grid_node_update


def test_grid_node_create_audits_as_by(tree, make_user):
    clerk = make_user()
    node = grid_node_create(code="440605001201002", name="二组", parent=tree.village, by=clerk)
    entry = AuditEntry.objects.filter(object_id=str(node.pk)).latest("id")
    assert entry.actor_id == clerk.pk
    assert entry.actor_name == clerk.username


def test_grid_node_update_audits_as_by(tree, make_user):
    clerk = make_user()
    grid_node_update(node=tree.village, data={"name": "平东社区"}, by=clerk)
    entry = AuditEntry.objects.filter(object_id=str(tree.village.pk)).latest("id")
    assert entry.actor_id == clerk.pk


def test_grid_write_without_by_is_a_type_error(tree):
    with pytest.raises(TypeError):
        grid_node_create(code="440605001201002", name="二组", parent=tree.village)
    with pytest.raises(TypeError):
        grid_node_update(node=tree.village, data={"name": "x"})


def test_grid_write_by_none_from_the_web_is_refused(tree):
    entries = AuditEntry.objects.count()
    with actor_context(source=Source.WEB), pytest.raises(PermissionDenied):
        grid_node_create(code="440605001201002", name="二组", parent=tree.village, by=None)
    with actor_context(source=Source.WEB), pytest.raises(PermissionDenied):
        grid_node_update(node=tree.village, data={"name": "x"}, by=None)
    assert not GridNode.objects.filter(code="440605001201002").exists()
    tree.village.refresh_from_db()
    assert tree.village.name == "平东村"
    assert AuditEntry.objects.count() == entries


def test_people_writes_audit_as_by(tree, make_user, make_household):
    from gridgov.people.services import household_update, person_create

    clerk = make_user()
    household = make_household()
    household_update(household=household, data={"address": "桂城路1号"}, by=clerk)
    person = person_create(household=household, name="李四", citizen_id=new_citizen_id(), by=clerk)
    for instance in (household, person):
        entry = AuditEntry.objects.filter(object_id=str(instance.pk)).latest("id")
        assert entry.actor_id == clerk.pk


def test_people_write_without_by_is_a_type_error(make_household):
    from gridgov.people.services import household_update

    with pytest.raises(TypeError):
        household_update(household=make_household(), data={"address": "x"})


def test_people_write_by_none_from_the_web_is_refused(make_household):
    from gridgov.people.models import Person
    from gridgov.people.services import person_create

    household = make_household()
    entries = AuditEntry.objects.count()
    with actor_context(source=Source.WEB), pytest.raises(PermissionDenied):
        person_create(household=household, name="李四", citizen_id=new_citizen_id(), by=None)
    assert not Person.objects.filter(household=household).exists()
    assert AuditEntry.objects.count() == entries


def test_orgs_writes_audit_as_by(tree, make_user):
    from gridgov.orgs.services import body_create

    clerk = make_user()
    body = body_create(
        code="BODY-1", name="村委会", kind="village_committee", node=tree.village, by=clerk
    )
    entry = AuditEntry.objects.filter(object_id=str(body.pk)).latest("id")
    assert entry.actor_id == clerk.pk


def test_orgs_write_without_by_is_a_type_error(tree):
    from gridgov.orgs.services import body_create

    with pytest.raises(TypeError):
        body_create(code="BODY-1", name="村委会", kind="village_committee", node=tree.village)


def test_orgs_write_by_none_from_the_web_is_refused(tree):
    from gridgov.orgs.models import GovernanceBody
    from gridgov.orgs.services import body_create

    entries = AuditEntry.objects.count()
    with actor_context(source=Source.WEB), pytest.raises(PermissionDenied):
        body_create(
            code="BODY-1", name="村委会", kind="village_committee", node=tree.village, by=None
        )
    assert not GovernanceBody.objects.exists()
    assert AuditEntry.objects.count() == entries
