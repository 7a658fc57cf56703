"""The API: no existence oracle on create, no citizen ID or phone in a URL, and every answer
``Cache-Control: no-store``."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.conftest import new_citizen_id
from gridgov.core.models import AuditEntry
from gridgov.core.oracle import NOT_HERE
from gridgov.people.models import Person
from gridgov.testing.api import BASE


@pytest.fixture
def village_b(tree, make_household, make_person):
    household = make_household(tree.other_microgrid, address="平西村西街9号")
    number = new_citizen_id()
    person = make_person(household, name="赵秘密", citizen_id=number)
    return household, person, number


def marks_of_b(tree, household, person) -> list[str]:
    return [
        tree.other_village.code,
        tree.other_village.name,
        tree.other_microgrid.code,
        tree.other_microgrid.name,
        household.number,
        household.address,
        person.name,
        person.id_masked,
    ]


def test_creating_a_person_registered_elsewhere_gets_the_neutral_refusal(
    tree, make_household, cadre_a, village_b
):
    household_b, person_b, number = village_b
    mine = make_household()
    before = AuditEntry.objects.count()
    response = cadre_a.post(
        "/persons/",
        {"household": mine.number, "name": "张三", "citizen_id": number, "relation": "child"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"citizen_id": [str(NOT_HERE)]}
    text = response.content.decode() + json.dumps(dict(response.headers), ensure_ascii=False)
    assert not [m for m in marks_of_b(tree, household_b, person_b) if m in text]
    assert AuditEntry.objects.count() == before
    assert Person.objects.filter(household=mine).count() == 0


def test_the_same_words_for_a_household_number_taken_elsewhere(tree, cadre_a, village_b):
    household_b, _person_b, _number = village_b
    response = cadre_a.post(
        "/households/", {"number": household_b.number, "microgrid": tree.microgrid.code}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"number": [str(NOT_HERE)]}


def test_a_duplicate_in_scope_gets_the_helpful_message(make_household, make_person, cadre_a):
    mine = make_household()
    number = new_citizen_id()
    make_person(mine, name="陈大明", citizen_id=number)
    response = cadre_a.post(
        "/persons/",
        {"household": mine.number, "name": "张三", "citizen_id": number, "relation": "child"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "citizen_id": [f"此身份证号已登记：户{mine.number}的陈大明"]
    }


def test_a_viewer_gets_404_whether_the_id_is_taken_or_not(
    tree, make_household, make_user, api_as, village_b
):
    """A role that may view the household but not add to it must not see 422 for a taken ID
    and 404 for a free one: the household is checked for "change" before the service runs."""
    _household_b, _person_b, number = village_b
    mine = make_household()
    viewer = api_as(make_user(Role.VIEWER, tree.village))
    answers = [
        viewer.post(
            "/persons/",
            {"household": mine.number, "name": "张三", "citizen_id": cid, "relation": "child"},
        )
        for cid in (number, new_citizen_id())
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()


# --- no citizen ID or phone in a URL ---------------------------------------------------------


def test_get_with_an_id_in_the_query_is_refused_and_not_echoed(
    cadre_a, make_household, make_person, caplog
):
    number = new_citizen_id()
    make_person(make_household(), name="陈大明", citizen_id=number)
    spaced = " ".join([number[:6], number[6:14], number[14:].lower()])
    fullwidth = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    caplog.set_level(logging.DEBUG)
    for params in [
        {"q": number},
        {"q": spaced},
        {"q": fullwidth},
        {"q": "陈大明" + number},
        {"citizen_id": number},
        {"phone": "13812345678"},
        {"q": "138 1234 5678"},
        {"q": "+86 138-1234-5678"},
        {"household": "0755-12345678"},
    ]:
        response = cadre_a.get("/persons/", **params)
        assert response.status_code == 422, params
        body = response.json()
        assert set(body["errors"]) == set(params), body
        assert "POST /api/v1/persons/search" in body["errors"][next(iter(params))][0]
        text = response.content.decode()
        assert number not in text and "13812345678" not in text and "Location" not in response
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert number not in logged and "13812345678" not in logged
    # A grid-code parameter holding a valid citizen ID (check character, real birth date) is
    # refused too: no grid code is one (web/tests/test_personal_urls.py).
    response = cadre_a.get("/persons/", under=number)
    assert response.status_code == 422 and set(response.json()["errors"]) == {"under"}
    assert number not in response.content.decode()


def test_other_lists_refuse_it_too(admin):
    number = new_citizen_id()
    for path in ["/households/", "/party-members/", "/matters/", "/grid-nodes/", "/me"]:
        assert admin.get(path, q=number).status_code == 422, path


def test_names_and_grid_codes_still_go_in_the_url(tree, cadre_a, make_household, make_person):
    make_person(make_household(), name="陈大明")
    assert cadre_a.get("/persons/", q="陈").json()["count"] == 1
    assert cadre_a.get("/persons/", under=tree.microgrid.code).json()["count"] == 1


def test_exact_id_search_is_a_post_and_is_scoped(cadre_a, make_household, make_person, village_b):
    _household_b, _person_b, number_b = village_b
    number = new_citizen_id()
    me = make_person(make_household(), name="陈大明", citizen_id=number)
    found = cadre_a.post("/persons/search", {"q": number.lower()})
    assert found.status_code == 200
    assert [p["id"] for p in found.json()["items"]] == [me.pk]
    assert number not in found.content.decode()  # answered masked
    # Another village's ID: exactly what an unregistered ID answers.
    elsewhere = cadre_a.post("/persons/search", {"q": number_b})
    unknown = cadre_a.post("/persons/search", {"q": new_citizen_id()})
    assert elsewhere.status_code == unknown.status_code == 200
    assert elsewhere.json() == unknown.json() == {"count": 0, "items": []}
    assert cadre_a.post("/persons/search", {"q": "陈", "limit": 1}).json()["count"] == 1
    assert cadre_a.post("/persons/search", {"q": ""}).status_code == 422
    assert cadre_a.post("/persons/search", {"q": "陈", "x": 1}).status_code == 422


def test_the_session_search_needs_the_csrf_token(tree, make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.VILLAGE_CADRE, tree.village))
    response = client.post(
        f"{BASE}/persons/search", json.dumps({"q": "陈"}), content_type="application/json"
    )
    assert response.status_code == 403


# --- Cache-Control: no-store on every answer -------------------------------------------------


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_operation_of_the_schema_answers_no_store(tree, admin):
    doc = Client().get(f"{BASE}/openapi.json").json()
    operations = [
        (method, path)
        for path, item in doc["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "put", "delete"}
    ]
    assert len(operations) > 30
    anonymous = Client()
    seen = []
    for method, path in operations:
        url = _concrete(path)
        for client, headers in [(admin.client, admin._headers()), (anonymous, {})]:
            send = getattr(client, method)
            if method == "get":
                response = send(url, headers=headers)
            else:
                response = send(url, "{}", content_type="application/json", headers=headers)
            seen.append((method, path, response.status_code, response.get("Cache-Control")))
    wrong = [s for s in seen if s[3] != "no-store"]
    assert not wrong, wrong
    # Answers of every kind were seen: data, refusals, missing rows and invalid bodies.
    assert {200, 401, 404, 422} <= {s[2] for s in seen}


@pytest.mark.parametrize(
    "path", ["/openapi.json", "/docs", "/no-such-endpoint", "/persons/?q=13812345678"]
)
def test_schema_docs_errors_and_refusals_answer_no_store(path, admin):
    response = admin.client.get(BASE + path, headers=admin._headers())
    assert response["Cache-Control"] == "no-store", (path, response.status_code)
    assert "Expires" not in response
