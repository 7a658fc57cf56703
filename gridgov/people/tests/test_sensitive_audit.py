"""A look at a person's sensitive data (敏感信息) is audited the same way on the page and in the API.

Before, the page logged ``people.person`` on every look and the API logged
``people.personsensitive`` only when a record existed (issue 13).
"""

from __future__ import annotations

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.people.services import person_sensitive_set

SAME = ("action", "object_type", "object_id", "object_repr", "grid_path", "after", "actor_id")


def _looks(person=None):
    entries = AuditEntry.objects.filter(action="view_sensitive")
    if person is not None:
        entries = entries.filter(object_id=str(person.pk))
    return list(entries.order_by("id"))


def test_the_api_logs_a_look_against_the_person(tree, make_user, api_as, make_person):
    person = make_person(name="赵六")
    person_sensitive_set(person=person, data={"health_note": "慢病"}, by=None)
    worker = api_as(make_user(Role.GRID_WORKER, tree.village))
    assert worker.get(f"/persons/{person.pk}").json()["sensitive"]["health_note"] == "慢病"
    [entry] = _looks()
    assert entry.object_type == "people.person" and entry.object_id == str(person.pk)
    assert entry.after == {"has_record": True}


def test_the_api_logs_a_look_when_there_is_no_record(tree, make_user, api_as, make_person):
    person = make_person(name="钱七")
    worker = api_as(make_user(Role.GRID_WORKER, tree.village))
    assert worker.get(f"/persons/{person.pk}").json()["sensitive"] is None
    [entry] = _looks()
    assert entry.object_type == "people.person" and entry.after == {"has_record": False}
    assert entry.source == "api"


def test_page_and_api_write_the_same_entry(client, tree, make_user, api_as, make_person):
    for data in ({"health_note": "慢病"}, None):
        person = make_person(name="孙八")
        if data:
            person_sensitive_set(person=person, data=data, by=None)
        worker = make_user(Role.GRID_WORKER, tree.village)
        client.force_login(worker)
        assert client.get(f"/persons/{person.pk}/sensitive/").status_code == 200
        assert api_as(worker).get(f"/persons/{person.pk}").status_code == 200
        page, api = _looks(person)
        assert (page.source, api.source) == ("web", "api")
        assert [getattr(page, f) for f in SAME] == [getattr(api, f) for f in SAME]


def test_no_permission_no_data_and_no_entry_on_either_side(
    client, tree, make_user, api_as, make_person
):
    person = make_person(name="李九")
    person_sensitive_set(person=person, data={"health_note": "慢病"}, by=None)
    viewer = make_user(Role.VIEWER, tree.village)
    client.force_login(viewer)
    assert client.get(f"/persons/{person.pk}/sensitive/").status_code == 404
    assert api_as(viewer).get(f"/persons/{person.pk}").json()["sensitive"] is None
    assert _looks() == []
