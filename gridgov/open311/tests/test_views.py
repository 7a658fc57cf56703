"""Open311 endpoints as real clients call them: discovery, services, definitions, POST in the
shapes of FixMyStreet, ``open311`` 1.1 and ``three``, reading a request back, and bad input.

The list filters, paging, query counts and public fields are in ``test_views_requests``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.cases.models import Category, Channel, Matter, MatterPhoto
from gridgov.core.models import AuditEntry
from gridgov.open311.formats import format_datetime
from gridgov.open311.models import ApiKey
from gridgov.open311.services import api_key_revoke

from .conftest import BASE, INSIDE_A, INSIDE_B, PNG

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def body(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def post_form(client, fmt: str, pairs, query: str = ""):
    """A form-encoded POST, pairs in order (repeated names allowed), as FixMyStreet sends."""
    url = f"{BASE}requests.{fmt}" + (f"?{query}" if query else "")
    return client.post(url, data=urlencode(pairs), content_type=FORM)


def light_pairs(key: str, **extra) -> list[tuple[str, str]]:
    lat, lng = INSIDE_A
    pairs = [
        ("api_key", key),
        ("service_code", "streetlight"),
        ("lat", str(lat)),
        ("long", str(lng)),
        ("description", "村口路灯不亮，晚上看不清路\n已经三天了"),
        ("attribute[severity]", "high"),
    ]
    return pairs + list(extra.items())


# ---------------------------------------------------------------------------------------------
# Discovery, services, definitions


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_discovery_in_both_formats(client, fmt):
    response = client.get(f"{BASE}discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        doc = body(response)
        endpoint = doc["endpoints"][0]
        formats = endpoint["formats"]
    else:
        root = xml(response)
        assert root.tag == "discovery"
        doc = {child.tag: child.text for child in root}
        node = root.find("endpoints/endpoint")
        endpoint = {child.tag: child.text for child in node}
        formats = [f.text for f in node.findall("formats/format")]
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(doc)
    assert "gridgov open311 keys create" in doc["key_service"]
    assert doc["changeset"].endswith("+08:00")
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["type"] == "production"
    assert endpoint["changeset"] == doc["changeset"]
    assert formats == ["text/xml", "application/json"]


def test_services_in_both_formats(client, light, dispute):
    Category.objects.filter(code="other").update(is_active=False)
    data = body(client.get(f"{BASE}services.json"))
    by_code = {s["service_code"]: s for s in data}
    assert "other" not in by_code
    assert by_code["streetlight"] == {
        "service_code": "streetlight",
        "service_name": "路灯故障",
        "description": "路灯不亮、闪烁、倒伏",
        "metadata": True,
        "type": "realtime",
        "keywords": "路灯,照明",
        "group": "举报",
    }
    assert by_code["dispute"]["metadata"] is False and by_code["dispute"]["group"] == "求助"

    root = xml(client.get(f"{BASE}services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert [s.findtext("service_code") for s in services] == list(by_code)
    light_xml = next(s for s in services if s.findtext("service_code") == "streetlight")
    assert light_xml.findtext("metadata") == "true" and light_xml.findtext("type") == "realtime"


@pytest.mark.parametrize("path", ["services", "service"])  # service/: the open311 1.1 client
def test_definition_in_both_formats(client, light, path):
    doc = body(client.get(f"{BASE}{path}/streetlight.json"))
    assert doc["service_code"] == "streetlight"
    codes = [a["code"] for a in doc["attributes"]]
    assert codes == ["severity", "kinds", "pole"]  # sorted by order
    severity = doc["attributes"][0]
    assert severity == {
        "variable": True,
        "code": "severity",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": None,
        "order": 1,
        "description": "严重程度",
        "values": [{"key": "high", "name": "严重"}, {"key": "low", "name": "一般"}],
    }
    assert "values" not in doc["attributes"][2]

    root = xml(client.get(f"{BASE}{path}/streetlight.xml"))
    assert root.tag == "service_definition"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == codes
    assert attributes[0].findtext("required") == "true"
    assert [v.findtext("key") for v in attributes[0].findall("values/value")] == ["high", "low"]


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_or_inactive_service_definition_is_404(client, dispute, fmt):
    dispute.is_active = False
    dispute.save()
    for code in ("nosuch", "dispute"):
        response = client.get(f"{BASE}services/{code}.{fmt}")
        assert response.status_code == 404
        if fmt == "json":
            assert body(response)[0]["code"] == 404
        else:
            assert xml(response).find("error/code").text == "404"


# ---------------------------------------------------------------------------------------------
# POST in the clients' shapes


def test_post_form_encoded_with_key_in_body_like_fixmystreet(client, grid, light, key):
    pairs = [
        *light_pairs(key),
        ("jurisdiction_id", "testserver"),
        ("attribute[kinds][]", "dark"),
        ("attribute[kinds][]", "flicker"),
        ("attribute[pole]", "P-17"),
        ("attribute[fixmystreet_id]", "991"),  # not defined: ignored
        ("media_url", "https://fms.example.org/photo/1.jpeg"),
        ("media_url", "http://fms.example.org/photo/2.jpeg"),
        ("media_url", "javascript:alert(1)"),
        ("media_url", "ftp://fms.example.org/3.jpeg"),
        ("first_name", "三"),
        ("last_name", "张"),
        ("phone", "13800138000"),
        ("email", "zhangsan@example.org"),
    ]
    response = post_form(client, "xml", pairs)
    assert response.status_code == 200, response.content
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    matter = Matter.objects.get()
    assert request.findtext("service_request_id") == matter.number
    assert request.find("token") is None and request.find("account_id") is None
    assert "一组1号微网格" in request.findtext("service_notice")

    assert matter.channel == Channel.OPEN311
    assert matter.grid_node == grid.microgrid and matter.routed_by == "inside"
    assert matter.description == "村口路灯不亮，晚上看不清路\n已经三天了"
    assert matter.attributes == {"severity": "high", "kinds": ["dark", "flicker"], "pole": "P-17"}
    assert matter.media_urls == [
        "https://fms.example.org/photo/1.jpeg",
        "http://fms.example.org/photo/2.jpeg",
    ]
    assert matter.reporter_name == "张三" and matter.reporter_phone == "13800138000"
    assert "zhangsan@example.org" not in json.dumps(matter.attributes)
    entry = AuditEntry.objects.get(action="matter.create", object_id=str(matter.pk))
    assert entry.actor_id is None and entry.actor_name == "open311:12345热线"
    assert entry.source == "api" and entry.request_id == response["X-Request-ID"]
    assert ApiKey.objects.get().last_used_at is not None


def test_post_with_key_and_empty_jurisdiction_in_query_like_open311_client(client, grid, key):
    lat, lng = INSIDE_B
    query = urlencode({"jurisdiction_id": "", "api_key": key})
    pairs = [
        ("service_code", "dispute"),
        ("lat", str(lat)),
        ("long", str(lng)),
        ("description", "邻居噪音扰民"),
    ]
    data = body(post_form(client, "json", pairs, query))
    matter = Matter.objects.get()
    assert data == [
        {"service_request_id": matter.number, "service_notice": data[0]["service_notice"]}
    ]
    assert isinstance(data[0]["service_request_id"], str)
    assert matter.grid_node == grid.other_microgrid


def test_post_multipart_with_a_media_file_like_three(client, grid, key):
    lat, lng = INSIDE_A
    data = {
        "api_key": key,
        "service_code": "dispute",
        "lat": lat,
        "long": lng,
        "description": "院墙倒塌",
        "media": SimpleUploadedFile("wall.png", PNG, content_type="image/png"),
        "photo2": SimpleUploadedFile("more.png", PNG, content_type="image/png"),
    }
    response = client.post(f"{BASE}requests.json", data=data)  # multipart/form-data
    assert response.status_code == 200, response.content
    matter = Matter.objects.get()
    photos = MatterPhoto.objects.filter(matter=matter)
    assert [p.content_type for p in photos] == ["image/png", "image/png"]
    assert body(response)[0]["service_request_id"] == matter.number


def test_post_multipart_with_a_file_that_is_no_image_is_400(client, grid, key):
    lat, lng = INSIDE_A
    data = {
        "api_key": key,
        "service_code": "dispute",
        "lat": lat,
        "long": lng,
        "description": "院墙倒塌",
        "media": SimpleUploadedFile("wall.png", b"MZ\x90\x00 not a picture", "image/png"),
    }
    response = client.post(f"{BASE}requests.json", data=data)
    assert response.status_code == 400
    errors = body(response)
    assert errors[0]["code"] == 400 and errors[0]["description"].startswith("media: ")
    assert not Matter.objects.exists() and not MatterPhoto.objects.exists()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_posted_request_reads_back_by_id(client, grid, light, key, fmt):
    posted = body(post_form(client, "json", light_pairs(key)))
    number = posted[0]["service_request_id"]
    matter = Matter.objects.get(number=number)
    response = client.get(f"{BASE}requests/{number}.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        items = body(response)
        assert isinstance(items, list) and len(items) == 1  # georeport reads json()[0]
        item = items[0]
    else:
        root = xml(response)
        assert root.tag == "service_requests" and len(root.findall("request")) == 1
        item = {child.tag: child.text for child in root.find("request")}
    assert item["service_request_id"] == number
    assert item["service_code"] == "streetlight"
    assert item["status"] == "open"
    assert item["expected_datetime"] == format_datetime(matter.deadline)
    assert item["expected_datetime"].endswith("+08:00")
    assert item["requested_datetime"] == format_datetime(matter.received_at)
    assert item["agency_responsible"] == grid.microgrid.name
    assert item["address_id"] == grid.microgrid.code


def test_post_by_address_string_or_address_id(client, grid, key, make_household):
    household = make_household(grid.other_microgrid)
    cases = [
        ({"address_string": "平西村村委会门口"}, grid.other_village),
        ({"address_id": grid.group.code}, grid.group),
        ({"address_id": household.number}, grid.other_microgrid),
    ]
    for location, place in cases:
        pairs = [("api_key", key), ("service_code", "dispute"), ("description", "积水")]
        response = post_form(client, "json", [*pairs, *location.items()])
        assert response.status_code == 200, response.content
        matter = Matter.objects.get(number=body(response)[0]["service_request_id"])
        assert matter.grid_node == place
    assert Matter.objects.filter(household=household).count() == 1


# ---------------------------------------------------------------------------------------------
# Bad input: the spec's status, one error per message, nothing stored


def _without(pairs, *names):
    return [(k, v) for k, v in pairs if k not in names]


BAD_POSTS = {
    "unknown service": (404, "service_code", lambda p: [*_without(p, "service_code"), ("service_code", "nosuch")]),
    "missing service_code": (400, "service_code", lambda p: _without(p, "service_code")),
    "bad key": (403, "api_key", lambda p: [*_without(p, "api_key"), ("api_key", "o311_" + "x" * 43)]),
    "no key": (403, "api_key", lambda p: _without(p, "api_key")),
    "no location": (400, "lat/long", lambda p: _without(p, "lat", "long")),
    "outside China": (400, "lat", lambda p: [*_without(p, "lat", "long"), ("lat", "-33.87"), ("long", "151.21")]),
    "control character": (400, "description", lambda p: [*_without(p, "description"), ("description", "响铃\x07字符")]),
    "long only": (400, "lat", lambda p: _without(p, "lat")),
    "lat not a number": (400, "lat", lambda p: [*_without(p, "lat"), ("lat", "north")]),
    "unknown address_id": (400, "address_id", lambda p: [*_without(p, "lat", "long"), ("address_id", "999")]),
    "required attribute": (400, "attribute[severity]", lambda p: _without(p, "attribute[severity]")),
    "not a list value": (400, "attribute[severity]", lambda p: [*_without(p, "attribute[severity]"), ("attribute[severity]", "huge")]),
    "multi not a value": (400, "attribute[kinds]", lambda p: [*p, ("attribute[kinds][]", "dark"), ("attribute[kinds][]", "gone")]),
    "bad phone": (400, "phone", lambda p: [*p, ("phone", "12")]),
    "other jurisdiction": (404, "jurisdiction_id", lambda p: [*p, ("jurisdiction_id", "elsewhere.gov")]),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_POSTS))
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_bad_posts_are_refused_and_store_nothing(client, grid, light, key, case, fmt):
    status, parameter, change = BAD_POSTS[case]
    before = Matter.objects.count(), AuditEntry.objects.filter(action="matter.create").count()
    response = post_form(client, fmt, change(light_pairs(key)))
    assert response.status_code == status, response.content
    if fmt == "json":
        errors = body(response)
    else:
        root = xml(response)
        assert root.tag == "errors"
        errors = [
            {"code": int(e.findtext("code")), "description": e.findtext("description")}
            for e in root.findall("error")
        ]
    assert errors and all(e["code"] == status for e in errors)
    assert any(e["description"].startswith(parameter) for e in errors), errors
    after = Matter.objects.count(), AuditEntry.objects.filter(action="matter.create").count()
    assert after == before


def test_revoked_key_is_403(client, grid, light, key):
    api_key_revoke(key=ApiKey.objects.get())
    response = post_form(client, "json", light_pairs(key))
    assert response.status_code == 403
    assert not Matter.objects.exists()


def test_several_errors_come_back_together(client, grid, light, key):
    pairs = [*_without(light_pairs(key), "attribute[severity]", "lat"), ("lat", "x")]
    errors = body(post_form(client, "json", pairs))
    assert {e["description"].split(":")[0] for e in errors} == {"lat", "attribute[severity]"}


def test_missing_description_falls_back_to_the_service_and_attributes(client, grid, light, key):
    pairs = [*_without(light_pairs(key), "description"), ("attribute[kinds][]", "dark")]
    number = body(post_form(client, "json", pairs))[0]["service_request_id"]
    assert (
        Matter.objects.get(number=number).description == "路灯故障\n严重程度：严重\n问题类型：不亮"
    )


# ---------------------------------------------------------------------------------------------
# Not found, methods, formats


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_request_and_any_token_are_404(client, make_matter, fmt):
    make_matter()
    for path in ("requests/19990101000001", "tokens/abc123"):
        response = client.get(f"{BASE}{path}.{fmt}")
        assert response.status_code == 404
        if fmt == "json":
            assert body(response)[0]["code"] == 404
        else:
            assert xml(response).findtext("error/code") == "404"


def test_other_suffixes_and_paths_are_404_in_xml(client):
    for path in ("services.html", "discovery.yaml", "services", "nosuch/thing.xml", ""):
        response = client.get(f"{BASE}{path}")
        assert response.status_code == 404, path
        assert xml(response).findtext("error/code") == "404"
    assert body(client.get(f"{BASE}nosuch.json"))[0]["code"] == 404


def test_other_methods_are_405_with_an_error_body(client, dispute):
    for method, path in [
        ("put", "requests.json"),
        ("delete", "requests/1.json"),
        ("post", "services.json"),
        ("patch", "discovery.json"),
        ("post", "tokens/x.json"),
    ]:
        response = getattr(client, method)(f"{BASE}{path}")
        assert response.status_code == 405, (method, path)
        assert body(response)[0]["code"] == 405
        assert "GET" in response["Allow"]
    response = client.put(f"{BASE}requests.xml")
    assert response["Allow"] == "GET, POST, HEAD"
    assert xml(response).findtext("error/code") == "405"
    assert client.head(f"{BASE}services.xml").status_code == 200


def test_jurisdiction_is_checked_on_reads_and_may_be_configured(client, dispute, settings):
    assert client.get(f"{BASE}services.json?jurisdiction_id=testserver").status_code == 200
    assert client.get(f"{BASE}services.json?jurisdiction_id=").status_code == 200
    assert client.get(f"{BASE}services.json?jurisdiction_id=other.gov").status_code == 404
    settings.GRIDGOV_OPEN311_JURISDICTION = "nanhai.gov.cn"
    assert client.get(f"{BASE}services.json?jurisdiction_id=nanhai.gov.cn").status_code == 200
    response = client.get(f"{BASE}services.xml?jurisdiction_id=testserver")
    assert response.status_code == 404
    assert xml(response).findtext("error/description").startswith("jurisdiction_id")
