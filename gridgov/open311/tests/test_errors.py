"""Every error under /open311/ is an Open311 errors document in the asked format, whatever its
cause (the view, Django before the view, a middleware, a server error), and no parameter gives
a server error: page numbers past 64 bits, dates at the ends of Python's range."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.test import Client, override_settings

from gridgov.cases.models import Matter

from .conftest import BASE
from .test_views import FORM, light_pairs

pytestmark = pytest.mark.django_db


def error_document(response, fmt: str, status: int) -> list[dict]:
    """The errors of an Open311 error document, checked for its shape and status."""
    assert response.status_code == status, response.content[:300]
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        errors = json.loads(response.content)
        assert isinstance(errors, list) and errors
        assert all(set(e) == {"code", "description"} for e in errors), errors
        return errors
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and len(root) >= 1
    items = [{child.tag: child.text for child in error} for error in root]
    assert all(set(e) == {"code", "description"} for e in items), items
    return items


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("page=" + "9" * 30, "page"),
        ("page=18446744073709551617", "page"),
        ("page=" + "1" * 5000, "page"),
        ("page=%C2%B2", "page"),  # "²" is a digit to str.isdigit, not to int()
        ("page=0", "page"),
        ("page=-1", "page"),
        ("start_date=9999-12-31T23:59:59Z", "start_date"),
        ("end_date=0001-01-02T00:00:00Z", "end_date"),
        ("start_date=0001-01-01T00:00:00%2B08:00", "start_date"),
        ("end_date=9999-12-31T23:59:59-12:00", "end_date"),
        ("start_date=2026-02-30", "start_date"),
        ("start_date=2026-01-01T25:00:00Z", "start_date"),
    ],
)
def test_out_of_range_parameters_are_400_naming_the_parameter(client, fmt, query, name):
    response = client.get(f"{BASE}requests.{fmt}?{query}")
    errors = error_document(response, fmt, 400)
    assert any(e["description"].startswith(f"{name}:") for e in errors), errors


@pytest.mark.parametrize("name", ["service_request_id", "service_code"])
def test_comma_lists_are_bounded(client, name):
    """Each item is a bound parameter of the query; PostgreSQL takes at most 65535."""
    items = ",".join(str(i) for i in range(70000))
    errors = error_document(client.get(f"{BASE}requests.json", {name: items}), "json", 400)
    assert errors[0]["description"].startswith(f"{name}:")
    ok = ",".join(str(i) for i in range(1000))
    assert client.get(f"{BASE}requests.json", {name: ok}).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_page_size_beyond_64_bits_is_capped_not_an_error(client, fmt):
    response = client.get(f"{BASE}requests.{fmt}?page_size={'9' * 40}")
    assert response.status_code == 200


def test_the_last_allowed_page_answers_an_empty_list(client):
    response = client.get(f"{BASE}requests.json?page=1000000")
    assert response.status_code == 200 and json.loads(response.content) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_oversized_body_is_413_document(client, key, light, fmt, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    pairs = light_pairs(key, description="长" * 3000)
    response = client.post(f"{BASE}requests.{fmt}", urlencode(pairs), content_type=FORM)
    errors = error_document(response, fmt, 413)
    assert "2000" in errors[0]["description"]
    assert not Matter.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("multipart/form-data; boundary=", b"--\r\n"),
        ("multipart/form-data", b"no boundary given"),
        ("application/x-www-form-urlencoded; charset=latin-1", b"api_key=x&service_code=y"),
    ],
)
def test_broken_body_is_400_document(client, key, light, fmt, content_type, payload):
    response = client.generic("POST", f"{BASE}requests.{fmt}", payload, content_type=content_type)
    error_document(response, fmt, 400)
    assert not Matter.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_too_many_fields_is_400_document(client, key, light, fmt, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    pairs = light_pairs(key) + [(f"x{i}", "1") for i in range(20)]
    response = client.post(f"{BASE}requests.{fmt}", urlencode(pairs), content_type=FORM)
    error_document(response, fmt, 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nul_anywhere_is_400_document(client, key, light, fmt):
    """The NUL refusal of core's middleware, worded for Open311 and in its format."""
    for response in (
        client.get(f"{BASE}requests.{fmt}?status=open%00"),
        client.get(f"{BASE}requests/1%002.{fmt}"),
        client.post(
            f"{BASE}requests.{fmt}",
            urlencode(light_pairs(key, description="坏\x00字")),
            content_type=FORM,
        ),
    ):
        errors = error_document(response, fmt, 400)
        assert "NUL" in errors[0]["description"]
    assert not Matter.objects.exists()


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("nothing/here.json", "json"),
        ("requests/1/2.json", "json"),
        ("nothing/here", "xml"),
        ("services.html", "xml"),
        ("REQUESTS.JSON", "json"),
    ],
)
def test_unknown_paths_are_404_documents(client, path, fmt):
    error_document(client.get(BASE + path), fmt, 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_method_is_405_document_with_allow(client, fmt):
    response = client.delete(f"{BASE}services.{fmt}")
    error_document(response, fmt, 405)
    assert "GET" in response["Allow"]


def test_bad_utf8_in_the_query_is_not_a_server_error(client):
    response = client.get(f"{BASE}requests.json?status=%FF%FE&service_code=%C3")
    error_document(response, "json", 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_server_error_is_500_document(fmt, monkeypatch):
    """A fault in a view (simulated) still answers a document, not Django's HTML page."""
    from gridgov.open311 import views

    def broken(*args, **kwargs):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(views, "active_services", broken)
    client = Client(raise_request_exception=False)
    with override_settings(DEBUG=False):
        response = client.get(f"{BASE}services.{fmt}")
    errors = error_document(response, fmt, 500)
    assert "simulated" not in errors[0]["description"]  # no internals in the answer


def test_other_paths_are_left_alone(client):
    """The middleware touches /open311/ only: the web UI's 404 stays a page."""
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "text", ["a < b", "1<2 且 3>2", "<3 谢谢", "x<y>z", "<script>alert(1)</script>", "&lt;"]
)
def test_text_with_markup_is_stored_as_typed_and_escaped(client, grid, key, light, text):
    """The one rule of every channel (core.text.plain_text): kept as typed, inert on output."""
    pairs = light_pairs(key, description=text)
    response = client.post(f"{BASE}requests.xml", urlencode(pairs), content_type=FORM)
    assert response.status_code == 200, response.content
    matter = Matter.objects.get()
    assert matter.description == text
    as_xml = client.get(f"{BASE}requests/{matter.number}.xml")
    assert ET.fromstring(as_xml.content).find("request/description").text == text
    assert b"<script>" not in as_xml.content
    as_json = client.get(f"{BASE}requests/{matter.number}.json")
    assert json.loads(as_json.content)[0]["description"] == text
    assert b"<" not in as_json.content
