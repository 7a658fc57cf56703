"""Every operation of /api/v1/openapi.json, driven with generated input (schemathesis over
Hypothesis) as a county administrator and as a grid worker, in process through the WSGI
application and every middleware. Fails on any 5xx, on a status code the operation does not
document, on a content type it does not document, and on an answer that breaks its schema.

Bounded for ``make test``: a few examples per operation and role, derandomized (the same
examples on every run, so CI is reproducible), no deadline, Hypothesis' database off. Path
parameters are either generated or, half of the time, a real row of the seeded data, so that
writes reach the services and not only the 404 of an unknown code. Each example runs inside a
savepoint that is rolled back, so examples do not depend on one another and a refusal by
PostgreSQL (which SQLite would not raise) cannot poison the next one.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from gridgov.accounts.roles import Role
from gridgov.cases.models import Category
from gridgov.orgs.services import (
    body_create,
    grid_post_create,
    membership_create,
    party_member_create,
    party_org_create,
)
from gridgov.testing.api import BASE
from gridgov.wsgi import application

pytestmark = pytest.mark.django_db

# Bounds that keep `make test` short (a few tens of seconds per database): coverage cases per
# operation and role, random examples per operation and role. GRIDGOV_FUZZ_FULL=1 runs every
# coverage case and 25 random examples (minutes; for a change of the API or before a release).
FULL = os.environ.get("GRIDGOV_FUZZ_FULL") == "1"
COVERAGE_CASES = {"county_admin": None if FULL else 14, "grid_worker": None if FULL else 6}
RANDOM_EXAMPLES = 25 if FULL else 2
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture
def wsgi_keeps_connection():
    """Calling the WSGI app fires request_finished, whose close_old_connections would close the
    test transaction's connection on PostgreSQL (Django's test Client unhooks it the same way)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(wsgi_keeps_connection, grid, staff, make_household, make_person, new_matter):
    """One row of every resource, in the grid worker's micro-grid; their keys by path name."""
    household = make_household(address="一巷1号")
    person = make_person(household, name="张三")
    org = party_org_create(
        code="P-A", name="平东村党支部", kind="branch", node=grid.village, by=None
    )
    body = body_create(
        code="B-A", name="村委会", kind="village_committee", node=grid.village, by=None
    )
    member = party_member_create(
        person=person,
        organization=org,
        status="full",
        joined_on=dt.date(2010, 7, 1),
        full_member_on=dt.date(2011, 7, 1),
        by=None,
    )
    membership = membership_create(
        body=body, person=person, role="member", term_start=dt.date(2021, 1, 1), by=None
    )
    post = grid_post_create(
        node=grid.microgrid, person=person, kind="worker", start_on=dt.date(2024, 1, 1), by=None
    )
    matter = new_matter()
    return {
        "code": [
            grid.microgrid.code,
            grid.village.code,
            org.code,
            body.code,
            grid.other_village.code,
        ],
        "number": [household.number, matter.number],
        "person_id": [person.pk],
        "member_id": [member.pk],
        "membership_id": [membership.pk],
        "post_id": [post.pk],
        "category": [Category.objects.order_by("code").values_list("code", flat=True).first()],
    }


def _with_real_keys(strategy, known: dict[str, list]):
    """Cases whose path parameters are, half of the time, keys of real rows."""

    @st.composite
    def cases(draw):
        case = draw(strategy)
        if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
            return case  # the path is what this case breaks: keep it broken
        for name in list(case.path_parameters or {}):
            values = known.get(name)
            if values and draw(st.booleans()):
                case.path_parameters[name] = draw(st.sampled_from(values))
        return case

    return cases()


def _schema():
    return schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", application)


_COVERAGE: dict[str, list] = {}


def _spread(items: list, cap: int | None) -> list:
    """At most ``cap`` of ``items``, spread evenly over the list (deterministic)."""
    if cap is None or len(items) <= cap:
        return items
    return [items[i * len(items) // cap] for i in range(cap)]


def _coverage_cases(schema, operation, known: dict[str, list], cap: int | None):
    """Schemathesis' coverage phase: deterministic boundary and wrong-type cases of every
    parameter and body property (a bool for a number, null for a required value, a string past
    its max length, an unknown property, a body of the wrong type or content type...). The
    path parameters of cases that are not about the path are set to real rows, so that the
    body reaches the service."""
    if operation.label not in _COVERAGE:  # generated once for both roles (it takes seconds)
        config = schema.config.generation_for(operation=operation)
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        cases = list(
            schema.iter_coverage_cases(operation, generation_modes=modes, generation_config=config)
        )
        # Negative cases first in the spread: they are the ones that found the defects.
        cases.sort(key=lambda case: case.meta.generation.mode != GenerationMode.NEGATIVE)
        _COVERAGE[operation.label] = cases
    cases = _COVERAGE[operation.label]
    # Every case about the body as a whole (wrong content type, no body, a body that is not an
    # object: few, and each reaches a different layer), and a spread of the others.
    whole_body = [case for case in cases if _about_whole_body(case)]
    others = [case for case in cases if not _about_whole_body(case)]
    for index, case in enumerate(whole_body + _spread(others, cap)):
        about_path = case.meta.phase.data.parameter_location == ParameterLocation.PATH or (
            case.meta.is_negative_at(ParameterLocation.PATH)
        )
        for name in list(case.path_parameters or {}):
            if known.get(name) and not about_path:
                values = known[name]
                case.path_parameters[name] = values[index % len(values)]
        yield case


def _about_whole_body(case) -> bool:
    data = case.meta.phase.data
    return data.parameter_location == ParameterLocation.BODY and ":" not in data.description


def _call(case, headers) -> str | None:
    """The failure of one case, or None; the case's writes are rolled back."""
    savepoint = transaction.savepoint()
    try:
        case.call_and_validate(headers=headers, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as exc:
        described = getattr(case.meta.phase.data, "description", "") if case.meta else ""
        return f"{case.operation.label} {described}: {exc}"
    finally:
        transaction.savepoint_rollback(savepoint)
    return None


def _user(role: str, staff):
    user = staff.county if role == "county_admin" else staff.worker
    assert user.assignments.filter(role=Role(role)).exists()
    return user


@pytest.mark.parametrize("role", ["county_admin", "grid_worker"])
def test_every_operation_with_coverage_cases(role, seeded, staff, api_as):
    headers = {"Authorization": f"Bearer {api_as(_user(role, staff)).token}"}
    schema = _schema()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40, [op.label for op in operations]
    failures, count = [], 0
    for operation in operations:
        for case in _coverage_cases(schema, operation, seeded, COVERAGE_CASES[role]):
            count += 1
            if failure := _call(case, headers):
                failures.append(failure)
    assert count >= len(operations) * 5
    assert not failures, f"{len(failures)} of {count} cases failed:\n\n" + "\n\n".join(
        failures[:20]
    )


def _with_real_keys(strategy, known: dict[str, list]):
    """Cases whose path parameters are, half of the time, keys of real rows."""

    @st.composite
    def cases(draw):
        case = draw(strategy)
        if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
            return case  # the path is what this case breaks: keep it broken
        for name in list(case.path_parameters or {}):
            values = known.get(name)
            if values and draw(st.booleans()):
                case.path_parameters[name] = draw(st.sampled_from(values))
        return case

    return cases()


@pytest.mark.parametrize("role", ["county_admin", "grid_worker"])
def test_every_operation_with_random_input(role, seeded, staff, api_as):
    """Hypothesis' generation (derandomized: the same examples on every run), valid and
    invalid input mixed."""
    headers = {"Authorization": f"Bearer {api_as(_user(role, staff)).token}"}
    operations = [result.ok() for result in _schema().get_all_operations()]
    failures: list[str] = []
    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=RANDOM_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_with_real_keys(strategy, seeded))
        def check(case):
            if failure := _call(case, headers):
                failures.append(failure)

        check()
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:20])
