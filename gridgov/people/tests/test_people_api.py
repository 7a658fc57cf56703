"""Households and persons through the API: services' effects, masking, sensitive data."""

from __future__ import annotations

import datetime as dt

import pytest

from gridgov.accounts.roles import Role
from gridgov.conftest import new_citizen_id
from gridgov.core.audit import audit_verify
from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode
from gridgov.people.models import Household, HouseholdMove, Person, PersonMove, Relation
from gridgov.people.services import person_sensitive_set

pytestmark = pytest.mark.django_db


def counts(node):
    node = GridNode.objects.get(pk=node.pk)
    return node.households_count, node.persons_count, node.party_members_count


# Households


def test_create_household_bumps_counters_and_is_audited(cadre_a, tree):
    response = cadre_a.post(
        "/households/",
        {
            "number": "H001",
            "microgrid": tree.microgrid.code,
            "address": "平东村一巷3号",
            "is_dibao": True,
            "monitoring_type": "marginal",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["microgrid"]["code"] == tree.microgrid.code
    assert body["monitoring_type"] == {"code": "marginal", "label": "边缘易致贫户"}
    assert "低保户" in body["tags"] and body["members"] == []
    assert counts(tree.microgrid) == (1, 0, 0)
    entry = AuditEntry.objects.get(object_type="people.household")
    assert (entry.action, entry.source, entry.actor_id) == ("create", "api", cadre_a.user.pk)
    assert audit_verify().ok


def test_household_validation_errors_name_fields(cadre_a, tree, make_household):
    response = cadre_a.post("/households/", {"number": "H1", "microgrid": tree.group.code})
    assert response.status_code == 422
    assert "不是微网格" in response.json()["errors"]["microgrid"][0]
    existing = make_household()
    response = cadre_a.post(
        "/households/", {"number": existing.number, "microgrid": tree.microgrid.code}
    )
    assert response.status_code == 422 and "number" in response.json()["errors"]
    response = cadre_a.post(
        "/households/",
        {"number": "H2", "microgrid": tree.microgrid.code, "monitoring_type": "rich"},
    )
    assert response.status_code == 422 and "monitoring_type" in response.json()["errors"]
    response = cadre_a.post(
        "/households/",
        {"number": "H3", "microgrid": tree.microgrid.code, "is_party_household": True},
    )
    assert response.json()["errors"] == {"is_party_household": ["不能提交或修改此字段"]}
    assert Household.objects.count() == 1


def test_list_households_filters(cadre_a, tree, make_household):
    make_household(address="东街1号", is_dibao=True)
    make_household(address="西街2号")
    body = cadre_a.get("/households/").json()
    assert body["count"] == 2
    assert cadre_a.get("/households/", tag="dibao").json()["count"] == 1
    assert cadre_a.get("/households/", q="西街").json()["count"] == 1
    assert cadre_a.get("/households/", under=tree.microgrid.code).json()["count"] == 2
    assert cadre_a.get("/households/", tag="nonsense").status_code == 422


def test_update_household_flags_and_head(cadre_a, tree, make_household, make_person):
    household = make_household()
    member = make_person(household, name="户主甲")
    stranger = make_person(make_household(), name="外户人")
    response = cadre_a.patch(
        f"/households/{household.number}", {"is_tekun": True, "head": member.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["head"] == {"id": member.pk, "name": "户主甲"}
    household.refresh_from_db()
    assert household.is_tekun and household.head == member
    response = cadre_a.patch(f"/households/{household.number}", {"head": stranger.pk})
    assert response.status_code == 422
    assert response.json()["errors"] == {"head": ["户主必须是本户成员"]}
    response = cadre_a.patch(f"/households/{household.number}", {"head": None})
    assert response.status_code == 200 and response.json()["head"] is None


def test_move_household_keeps_history_and_counters(admin, tree, make_household, make_person):
    household = make_household()
    make_person(household)
    response = admin.post(
        f"/households/{household.number}/move",
        {"to_microgrid": tree.other_microgrid.code, "reason": "搬迁"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["microgrid"]["code"] == tree.other_microgrid.code
    assert counts(tree.microgrid) == (0, 0, 0) and counts(tree.other_microgrid) == (1, 1, 0)
    assert HouseholdMove.objects.filter(household=household).count() == 1


# Persons


def test_create_person_encrypts_and_shows_only_masked_values(cadre_a, tree, make_household):
    household = make_household()
    number = new_citizen_id(sex="F", birth=dt.date(1990, 2, 3))
    response = cadre_a.post(
        "/persons/",
        {
            "household": household.number,
            "name": "李梅",
            "citizen_id": number,
            "phone": "13812345678",
            "relation": "head",
        },
    )
    assert response.status_code == 201, response.content
    raw = response.content.decode()
    assert number not in raw and "13812345678" not in raw and "cipher" not in raw
    body = response.json()
    assert body["id_masked"] == number[:6] + "********" + number[-4:]
    assert body["phone_masked"] == "138****5678"
    assert body["sex"] == {"code": "F", "label": "女"} and body["birth_date"] == "1990-02-03"
    assert body["relation"]["label"] == "户主" and body["household"] == household.number
    person = Person.objects.get(pk=body["id"])
    assert person.reveal_citizen_id() == number and person.reveal_phone() == "13812345678"
    household.refresh_from_db()
    assert household.head == person
    assert counts(tree.microgrid) == (1, 1, 0)
    entry = AuditEntry.objects.get(object_type="people.person")
    assert entry.source == "api" and number not in str(entry.after)


def test_person_errors_name_the_field(cadre_a, tree, make_household):
    household = make_household()
    good = new_citizen_id(sex="M")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = cadre_a.post(
        "/persons/", {"household": household.number, "name": "王五", "citizen_id": bad}
    )
    assert response.status_code == 422
    assert "校验位" in response.json()["errors"]["citizen_id"][0]
    response = cadre_a.post(
        "/persons/",
        {"household": household.number, "name": "王五", "citizen_id": good, "sex": "F"},
    )
    assert "性别与身份证号不符" in response.json()["errors"]["sex"][0]
    response = cadre_a.post(
        "/persons/",
        {"household": household.number, "name": "王五", "citizen_id": good, "phone": "12345"},
    )
    assert "phone" in response.json()["errors"]
    assert not Person.objects.exists()


def test_list_persons_by_id_name_and_filters(cadre_a, tree, make_household, make_person):
    household = make_household()
    number = new_citizen_id()
    make_person(household, name="张三", citizen_id=number)
    make_person(household, name="李四", lives_alone=True)
    make_person(make_household(), name="张五", residence_type="migrant")
    assert cadre_a.get("/persons/").json()["count"] == 3
    # By citizen ID: in the body of a POST, never in the URL (which is refused).
    assert cadre_a.get("/persons/", q=number).status_code == 422
    found = cadre_a.post("/persons/search", {"q": number}).json()
    assert [p["name"] for p in found["items"]] == ["张三"]
    assert cadre_a.get("/persons/", q="张").json()["count"] == 2
    assert cadre_a.get("/persons/", household=household.number).json()["count"] == 2
    assert cadre_a.get("/persons/", residence_type="migrant").json()["count"] == 1
    assert cadre_a.get("/persons/", tag="lives_alone").json()["count"] == 1


def test_update_person_fields_and_phone(cadre_a, tree, make_person):
    person = make_person(name="张三")
    response = cadre_a.patch(
        f"/persons/{person.pk}",
        {"name": "张叁", "residence_type": "resident", "phone": "13900001111"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "张叁" and body["residence_type"]["code"] == "resident"
    assert body["phone_masked"] == "139****1111"
    person.refresh_from_db()
    assert person.reveal_phone() == "13900001111"
    response = cadre_a.patch(f"/persons/{person.pk}", {"is_party_member": True})
    assert response.status_code == 422


def test_move_person_to_another_household(cadre_a, tree, make_household, make_person):
    source, target = make_household(), make_household()
    person = make_person(source)
    response = cadre_a.post(
        f"/persons/{person.pk}/move", {"to_household": target.number, "reason": "分户"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["household"] == target.number
    assert PersonMove.objects.filter(person=person).count() == 1


def test_sensitive_data_only_for_view_sensitive_and_each_view_logged(
    tree, make_user, api_as, make_person
):
    person = make_person(name="赵六")
    person_sensitive_set(
        person=person, data={"special_group": "released", "health_note": "慢病"}, by=None
    )
    viewer = api_as(make_user(Role.VIEWER, tree.village))
    worker = api_as(make_user(Role.GRID_WORKER, tree.village))

    body = viewer.get(f"/persons/{person.pk}").json()
    assert body["sensitive"] is None
    assert "慢病" not in str(body)
    assert not AuditEntry.objects.filter(action="view_sensitive").exists()

    body = worker.get(f"/persons/{person.pk}").json()
    assert body["sensitive"]["special_group"] == {"code": "released", "label": "刑满释放人员"}
    assert body["sensitive"]["health_note"] == "慢病"
    entry = AuditEntry.objects.get(action="view_sensitive")
    assert entry.actor_id == worker.user.pk and entry.object_id == str(person.pk)
    assert entry.source == "api"

    # Lists never carry sensitive data.
    assert "sensitive" not in worker.get("/persons/").json()["items"][0]


def test_sensitive_update_needs_view_sensitive(tree, make_user, api_as, make_person):
    person = make_person()
    leader = api_as(make_user(Role.GROUP_LEADER, tree.village))  # change, no view_sensitive
    worker = api_as(make_user(Role.GRID_WORKER, tree.village))
    data = {"disability_category": "4", "disability_grade": 2}
    assert leader.patch(f"/persons/{person.pk}/sensitive", data).status_code == 404
    response = worker.patch(f"/persons/{person.pk}/sensitive", data)
    assert response.status_code == 200, response.content
    assert response.json()["sensitive"]["disability_category"]["label"] == "肢体残疾"
    response = worker.patch(
        f"/persons/{person.pk}/sensitive", {"disability_category": "", "disability_grade": None}
    )
    assert response.status_code == 200 and response.json()["sensitive"] is None
    assert (
        worker.patch(f"/persons/{person.pk}/sensitive", {"disability_grade": 9}).status_code == 422
    )


def test_relation_choices_are_codes(cadre_a, make_household):
    household = make_household()
    response = cadre_a.post(
        "/persons/",
        {
            "household": household.number,
            "name": "x",
            "citizen_id": new_citizen_id(),
            "relation": Relation.SPOUSE.value,
        },
    )
    assert response.json()["relation"] == {"code": "spouse", "label": "配偶"}
