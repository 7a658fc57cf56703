"""Every Open311 endpoint driven with generated input (Hypothesis, derandomized so that CI sees
the same examples on every run): query strings of known and unknown parameters with values at
the edges (64-bit overflows, dates at the ends of Python's range, markup, NUL, bytes that are
not UTF-8), form and multipart POSTs, odd methods and suffixes, paths that do not exist.

Open311 is public (GET) or keyed by its API key (POST), not by a user's role, so it is driven
anonymously and with a valid key. Every answer must be below 500, in an Open311 content type,
parse, and when it is an error be an ``errors`` document. Each example runs in a savepoint that
is rolled back.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import BASE, INSIDE_A

pytestmark = pytest.mark.django_db

FULL = os.environ.get("GRIDGOV_FUZZ_FULL") == "1"
EXAMPLES = 400 if FULL else 40

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

EDGE_VALUES = [
    "",
    "0",
    "-1",
    "1",
    "9" * 30,
    "18446744073709551617",
    "1e999",
    "NaN",
    "true",
    "open,closed",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+08:00",
    "2026-02-30",
    "2026-11-30T09:00:00+08:00",
    "a < b",
    "<script>alert(1)</script>",
    "x" * 5000,
    "²",
    "%00",
    "\x00",
    "网格",
    str(INSIDE_A[0]),
    str(INSIDE_A[1]),
    "440605001201001001",
    "streetlight",
]
VALUES = st.one_of(st.sampled_from(EDGE_VALUES), st.text(max_size=40))
GET_PARAMS = [
    "service_request_id",
    "service_code",
    "status",
    "start_date",
    "end_date",
    "page",
    "page_size",
    "extensions",
    "jurisdiction_id",
    "api_key",
    "unknown",
]
POST_PARAMS = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "first_name",
    "last_name",
    "phone",
    "email",
    "media_url",
    "jurisdiction_id",
    "attribute[severity]",
    "attribute[kinds][]",
    "attribute[pole]",
    "attribute[]",
    "device_id",
]
RESOURCES = st.sampled_from(
    [
        "discovery",
        "services",
        "services/streetlight",
        "services/nosuch",
        "service/streetlight",
        "requests",
        "requests/{number}",
        "requests/1",
        "tokens/abc",
        "nothing",
        "requests/1/2",
    ]
)
SUFFIXES = st.sampled_from([".json", ".xml", ".JSON", ".html", "", ".json/", ".xml?x"])


def check_answer(response, path: str) -> None:
    """Below 500, an Open311 content type, a document that parses; errors as ``errors``."""
    assert response.status_code < 500, (path, response.status_code, response.content[:300])
    content_type = response["Content-Type"]
    assert content_type in (
        "application/json; charset=utf-8",
        "text/xml; charset=utf-8",
    ), (path, response.status_code, content_type, response.content[:200])
    if not response.content:  # HEAD
        return
    if content_type.startswith("application/json"):
        document = json.loads(response.content)
        if response.status_code >= 400:
            assert isinstance(document, list) and document
            assert all(set(e) == {"code", "description"} for e in document), document
    else:
        root = ET.fromstring(response.content)
        if response.status_code >= 400:
            assert root.tag == "errors" and len(root), response.content[:200]


def rolled_back(call):
    savepoint = transaction.savepoint()
    try:
        return call()
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.fixture
def number(grid, staff, light, new_matter) -> str:
    return new_matter().number


def test_get_with_generated_parameters(client, number):
    @FUZZ
    @given(
        resource=RESOURCES,
        suffix=SUFFIXES,
        params=st.lists(st.tuples(st.sampled_from(GET_PARAMS), VALUES), max_size=6),
        method=st.sampled_from(["GET", "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    )
    def check(resource, suffix, params, method):
        path = BASE + quote(resource.format(number=number)) + suffix
        query = urlencode([(k, v.replace("\x00", "")) for k, v in params])
        response = rolled_back(lambda: client.generic(method, f"{path}?{query}"))
        check_answer(response, path)

    check()


def test_get_with_raw_query_bytes(client, number):
    """Query strings that are not UTF-8, or hold NUL, percent-encoded as a client may send."""

    @FUZZ
    @given(name=st.sampled_from(GET_PARAMS), raw=st.binary(max_size=30), fmt=SUFFIXES)
    def check(name, raw, fmt):
        path = f"{BASE}requests{fmt}"
        query = f"{name}={quote_from_bytes(raw)}"
        check_answer(client.get(f"{path}?{query}"), path)

    check()


def test_post_with_generated_forms(client, grid, key, light, dispute):
    @FUZZ
    @given(
        suffix=st.sampled_from([".json", ".xml"]),
        with_key=st.sampled_from([True, True, False]),
        service=st.sampled_from(["streetlight", "dispute", "nosuch", ""]),
        fields=st.lists(st.tuples(st.sampled_from(POST_PARAMS), VALUES), max_size=8),
        encoding=st.sampled_from(["form", "multipart", "raw"]),
        raw=st.binary(max_size=60),
    )
    def check(suffix, with_key, service, fields, encoding, raw):
        path = f"{BASE}requests{suffix}"
        pairs = [("api_key", key if with_key else "o311_nope"), ("service_code", service)]
        pairs += [(k, v.replace("\x00", "")) for k, v in fields]
        if encoding == "form":
            send = lambda: client.post(  # noqa: E731
                path, urlencode(pairs), content_type="application/x-www-form-urlencoded"
            )
        elif encoding == "multipart":
            data: dict[str, list[str]] = {}
            for k, v in pairs:
                data.setdefault(k, []).append(v)
            send = lambda: client.post(path, data)  # noqa: E731
        else:
            content_type = "multipart/form-data; boundary=zz"
            send = lambda: client.generic("POST", path, raw, content_type=content_type)  # noqa: E731
        check_answer(rolled_back(send), path)

    check()


def test_the_fuzz_checks_can_fail(client):
    """The check itself refuses Django's HTML answer (what Open311 gave before)."""
    response = Client().get("/no-such-page/")
    with pytest.raises(AssertionError):
        check_answer(response, "/no-such-page/")
