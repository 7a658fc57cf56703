"""The API side of personal data: revealing on purpose, and the audit log."""

from __future__ import annotations

import pytest

from gridgov.accounts.roles import Role
from gridgov.conftest import new_citizen_id
from gridgov.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_household, make_person):
    number = new_citizen_id()
    return make_person(make_household(), citizen_id=number, phone="13912345678"), number


def test_reveal_returns_the_value_once_and_logs_the_reason(cadre_a, person):
    person, number = person
    detail = cadre_a.get(f"/persons/{person.pk}").json()
    assert number not in str(detail) and detail["id_masked"] == person.id_masked
    response = cadre_a.post(
        f"/persons/{person.pk}/reveal", {"field": "citizen_id", "reason": "核实户籍信息"}
    )
    assert response.status_code == 200
    assert response.json() == {"field": "citizen_id", "value": number}
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.source == "api" and entry.after["reason"] == "核实户籍信息"
    assert number not in str(entry.after)


def test_reveal_needs_a_real_reason_and_the_permission(cadre_a, person, tree, make_user, api_as):
    person, _number = person
    short = cadre_a.post(f"/persons/{person.pk}/reveal", {"field": "phone", "reason": "看"})
    assert short.status_code == 422 and "事由" in str(short.json())
    bad_field = cadre_a.post(
        f"/persons/{person.pk}/reveal", {"field": "name", "reason": "核实身份"}
    )
    assert bad_field.status_code == 422
    viewer = api_as(make_user(Role.VIEWER, tree.village))
    refused = viewer.post(f"/persons/{person.pk}/reveal", {"field": "phone", "reason": "核实身份"})
    assert refused.status_code == 404
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_the_audit_log_is_for_auditors_in_their_subtree(tree, make_user, api_as, person):
    person, _number = person
    supervisor = api_as(make_user(Role.SUPERVISOR, tree.village))
    page = supervisor.get("/audit-entries/", object_type="people.person", object_id=str(person.pk))
    assert page.status_code == 200
    body = page.json()
    assert body["count"] == 1 and body["items"][0]["action"] == "create"
    other = api_as(make_user(Role.SUPERVISOR, tree.other_village))
    assert other.get("/audit-entries/", object_type="people.person").json()["count"] == 0
    cadre = api_as(make_user(Role.VILLAGE_CADRE, tree.village))
    assert cadre.get("/audit-entries/").status_code == 404
