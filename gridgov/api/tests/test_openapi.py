"""The OpenAPI document is valid, the docs page works offline, and generated GET requests
never produce a server error (schemathesis, a few examples per operation)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Err

from gridgov.orgs.services import body_create, party_org_create
from gridgov.testing.api import BASE
from gridgov.wsgi import application

pytestmark = pytest.mark.django_db


def test_openapi_document(tree):
    response = Client().get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "gridgov API" and doc["info"]["version"] == "1"
    for path in [
        "/grid-nodes/{code}",
        "/households/{number}",
        "/persons/{person_id}",
        "/party-orgs/{code}",
        "/bodies/{code}/memberships",
        "/grid-posts/",
        "/party-members/{member_id}",
    ]:
        assert f"{BASE}{path}" in doc["paths"], path
    assert set(doc["components"]["securitySchemes"]) == {"TokenAuth", "SessionCsrfAuth"}
    schema = schemathesis.openapi.from_dict(doc)
    schema.validate()  # against the OpenAPI meta-schema
    errors = [result.err() for result in schema.get_all_operations() if isinstance(result, Err)]
    assert errors == []


SNAPSHOT = Path(__file__).with_name("openapi_v1.json")


def test_openapi_document_is_unchanged(tree):
    """Paths, operation ids, parameters and schemas are what clients were generated from.

    A deliberate change of the API updates the snapshot in the same commit: run this test with
    GRIDGOV_UPDATE_OPENAPI_SNAPSHOT=1, and read the diff."""
    doc = Client().get(f"{BASE}/openapi.json").json()
    if os.environ.get("GRIDGOV_UPDATE_OPENAPI_SNAPSHOT") == "1":
        text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)
        SNAPSHOT.write_text(text + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert sorted(doc["paths"]) == sorted(expected["paths"])
    ids = {
        (path, method): op["operationId"]
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }
    assert ids == {
        (path, method): op["operationId"]
        for path, ops in expected["paths"].items()
        for method, op in ops.items()
    }
    assert doc == expected


@pytest.fixture
def wsgi_keeps_connection():
    """Calling the WSGI app directly fires request_finished, whose close_old_connections would
    close the test transaction's connection on PostgreSQL; Django's test Client unhooks it the
    same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(wsgi_keeps_connection, tree, make_household, make_person):
    person = make_person(make_household(address="一巷1号"), name="张三")
    party_org_create(code="P-A", name="平东村党支部", kind="branch", node=tree.village, by=None)
    body_create(code="B-A", name="村委会", kind="village_committee", node=tree.village, by=None)
    return person


def test_real_rows_conform_to_the_documented_schemas(admin, tree, seeded):
    schema = schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", application)
    headers = {"Authorization": f"Bearer {admin.token}"}
    examples = [
        ("/grid-nodes/{code}", {"code": tree.town.code}),
        ("/households/{number}", {"number": seeded.household.number}),
        ("/persons/{person_id}", {"person_id": seeded.pk}),
        ("/party-orgs/{code}", {"code": "P-A"}),
        ("/bodies/{code}", {"code": "B-A"}),
        ("/bodies/{code}/memberships", {"code": "B-A"}),
    ]
    for path, params in examples:
        case = schema[BASE + path]["GET"].Case(path_parameters=params)
        response = case.call_and_validate(headers=headers)
        assert response.status_code == 200, path
    for path in ["/grid-nodes/", "/households/", "/persons/", "/party-orgs/", "/me"]:
        response = schema[BASE + path]["GET"].Case().call_and_validate(headers=headers)
        assert response.status_code == 200, path


def test_generated_get_requests_never_fail(admin, seeded):
    schema = schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", application)
    schema = schema.include(method="GET")
    headers = {"Authorization": f"Bearer {admin.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13

    for operation in operations:

        @settings(
            max_examples=5,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case):
            case.call_and_validate(headers=headers)

        check()
