"""Who sees which audit entries (issue 12 §8, docs/security.md §3): entries with no grid path
of their own (sign-ins, failed sign-ins, user creations, imports) are seen by the auditors of
the subtrees they concern, and by nobody else; a village supervisor sees their village only.
Seeing them never rewrites an entry: the chain still verifies."""

from __future__ import annotations

import csv
import importlib

import pytest
from django.apps import apps
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.accounts.services import assignment_create, user_create
from gridgov.conftest import new_citizen_id
from gridgov.core.audit import audit_record, audit_verify
from gridgov.core.context import Source, actor_context
from gridgov.core.models import AuditEntry, AuditPlace
from gridgov.core.selectors import audit_list
from gridgov.dataio.schemas import SCHEMAS
from gridgov.dataio.services import import_file
from gridgov.grid.services import grid_node_create

pytestmark = pytest.mark.django_db

PASSWORD = "pw-Test-123"


def sign_in(username: str, password: str) -> None:
    Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def seen(user) -> set[tuple[str, str, str]]:
    return {(e.action, e.object_type, e.object_repr) for e in audit_list(user)}


@pytest.fixture
def world(tree, make_user, make_household, tmp_path):
    """Two counties; in the first, a county admin who creates a village cadre, a user made on the
    command line, sign-ins and failures, an import of persons; the same in the second."""
    other_county = grid_node_create(code="440606", name="顺德区", by=None)
    other_town = grid_node_create(code="440606001", name="大良街道", parent=other_county, by=None)
    far_village = grid_node_create(code="440606001201", name="远村", parent=other_town, by=None)

    admin = make_user(Role.COUNTY_ADMIN, tree.county)
    far_admin = make_user(Role.COUNTY_ADMIN, other_county)
    supervisor = make_user(Role.SUPERVISOR, tree.village)
    other_supervisor = make_user(Role.SUPERVISOR, tree.other_village)

    with actor_context(user=admin, source=Source.WEB):  # made on the user pages
        cadre = user_create(
            username="cadre_a",
            password=PASSWORD,
            by=admin,
            node=tree.village,
            role=Role.VILLAGE_CADRE,
        )
    # Made on the command line (no acting user), given a role afterwards.
    worker = user_create(username="worker_b", password=PASSWORD)
    assignment_create(user=worker, node=tree.other_village, role=Role.GRID_WORKER)
    stranger = user_create(username="far_cadre", password=PASSWORD)
    assignment_create(user=stranger, node=far_village, role=Role.VILLAGE_CADRE)

    for user in (cadre, worker, stranger):
        sign_in(user.username, "wrong")
        sign_in(user.username, PASSWORD)

    household = make_household(address="东街1号")
    path = tmp_path / "persons.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        row = {"citizen_id": new_citizen_id(), "name": "陈大明", "household": household.number}
        row["relation"] = "户主"
        schema = SCHEMAS["persons"]
        writer = csv.writer(f)
        writer.writerow(schema.headers)
        writer.writerow([row.get(c.key, "") for c in schema.columns])
    assert import_file(kind="persons", path=path).ok  # as `gridgov import`: no user, no --under
    return locals()


def test_a_county_admin_sees_imports_users_and_sign_ins_of_their_county_only(world):
    mine = seen(world["admin"])
    for name in ("cadre_a", "worker_b"):
        assert ("create", "auth.user", name) in mine
        assert ("signin", "auth.user", name) in mine
        assert ("signin_failed", "auth.user", name) in mine
    assert ("import", "dataio.persons", "persons.csv") in mine
    assert not {e for e in mine if "far_cadre" in e}
    # A superuser made on the server, and a name nobody holds, concern no county.
    root = world["make_user"](superuser=True)
    for _ in range(5):
        sign_in("nobody_here", "wrong")
    assert AuditEntry.objects.filter(action="signin_locked", object_id="nobody_here").exists()
    assert not {e for e in seen(world["admin"]) if e[2] in (root.username, "nobody_here")}
    assert {e for e in seen(root) if e[2] == "nobody_here"}

    theirs = seen(world["far_admin"])
    assert ("signin", "auth.user", "far_cadre") in theirs
    assert ("create", "auth.user", "far_cadre") in theirs
    assert not {e for e in theirs if e[2] in ("cadre_a", "worker_b", "persons.csv")}


def test_a_village_supervisor_sees_their_village_only(world):
    mine = seen(world["supervisor"])
    assert ("signin", "auth.user", "cadre_a") in mine
    assert ("signin_failed", "auth.user", "cadre_a") in mine
    assert ("import", "dataio.persons", "persons.csv") in mine  # the household is in the village
    assert not {e for e in mine if e[2] in ("worker_b", "far_cadre")}
    # The creation of cadre_a by the county admin concerns the village (cadre_a works there).
    assert ("create", "auth.user", "cadre_a") in mine
    neighbour = seen(world["other_supervisor"])
    assert ("signin", "auth.user", "worker_b") in neighbour
    assert not {e for e in neighbour if e[2] in ("cadre_a", "far_cadre", "persons.csv")}


def test_the_page_and_the_api_show_the_same(world):
    client = Client()
    client.force_login(world["far_admin"])
    page = client.get("/audit/").content.decode()
    assert "far_cadre" in page and "cadre_a" not in page
    items = client.get("/api/v1/audit-entries/?page_size=100").json()["items"]
    reprs = {item["object_repr"] for item in items}
    assert "far_cadre" in reprs and not reprs & {"cadre_a", "worker_b", "persons.csv"}


def test_an_entry_by_a_user_is_seen_where_they_hold_a_role_and_the_chain_holds(world):
    """An export (or any entry without a place) by the village cadre is seen by that village's
    auditors and the county's, not by the neighbouring village's."""
    with actor_context(user=world["cadre"], source=Source.WEB):
        entry = audit_record(action="export", object_type="people.household", object_repr="x.xlsx")
    assert list(AuditPlace.objects.filter(entry=entry).values_list("path", flat=True)) == [
        world["tree"].village.code
    ]
    assert entry in audit_list(world["supervisor"]) and entry in audit_list(world["admin"])
    assert entry not in audit_list(world["other_supervisor"])
    assert entry not in audit_list(world["far_admin"])
    assert audit_verify().ok


def test_entries_written_before_get_their_places_from_the_migration(world):
    migration = importlib.import_module("gridgov.core.migrations.0005_audit_places")
    with actor_context(user=world["cadre"], source=Source.WEB):
        entry = audit_record(action="export", object_type="people.household", object_repr="y.xlsx")
    AuditPlace.objects.all().delete()  # as before the migration
    assert entry not in audit_list(world["supervisor"])
    migration.backfill(apps, None)
    assert entry in audit_list(world["supervisor"])
    assert entry not in audit_list(world["other_supervisor"])
    assert audit_verify().ok
    assert AuditEntry.objects.filter(pk=entry.pk, grid_path="").exists()  # not rewritten
