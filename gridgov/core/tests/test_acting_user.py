"""Every write service takes an explicit acting user (``by``) and audits as them (issue 13)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from gridgov.core.context import Source, actor_context
from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode
from gridgov.grid.services import grid_node_create, grid_node_update


def test_grid_node_create_audits_as_by(tree, make_user):
    clerk = make_user()
    node = grid_node_create(code="440605001201002", name="二组", parent=tree.village, by=clerk)
    entry = AuditEntry.objects.get(action="create", object_id=str(node.pk))
    assert entry.actor_id == clerk.pk
    assert entry.actor_name == clerk.username


def test_grid_node_update_audits_as_by(tree, make_user):
    clerk = make_user()
    grid_node_update(node=tree.village, data={"name": "平东社区"}, by=clerk)
    entry = AuditEntry.objects.filter(object_id=str(tree.village.pk)).latest("id")
    assert entry.actor_id == clerk.pk


def test_grid_write_without_by_is_a_type_error(tree):
    with pytest.raises(TypeError):
        grid_node_create(code="440605001201002", name="二组", parent=tree.village)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        grid_node_update(node=tree.village, data={"name": "x"})  # type: ignore[call-arg]


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
