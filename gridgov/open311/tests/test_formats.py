"""Open311 documents in both formats, after the spec's own examples, and parameter parsing."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from gridgov.open311 import formats
from gridgov.open311.formats import (
    FormatError,
    document_response,
    error_response,
    param,
    param_list,
    parse_attributes,
    parse_comma_list,
    parse_datetime_param,
    parse_status_list,
    render_json,
    render_xml,
)

UTC = dt.UTC
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

SERVICES = [
    {
        "service_code": "001",
        "service_name": "Cans left out 24x7",
        "description": "Garbage or recycling cans that have been left out for more than 24 "
        "hours after collection. Violators will be cited.",
        "metadata": True,
        "type": "realtime",
        "keywords": "lorem, ipsum, dolor",
        "group": "sanitation",
    },
    {
        "service_code": "002",
        "service_name": "Construction plate shifted",
        "description": "Metal construction plate covering the street or sidewalk has been moved.",
        "metadata": False,
        "type": "realtime",
        "keywords": "lorem, ipsum, dolor",
        "group": "street",
    },
]

DEFINITION = {
    "service_code": "DMV66",
    "attributes": [
        {
            "variable": True,
            "code": "WHISHETN",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 1,
            "description": "What is the ticket/tag/DL number?",
            "values": [{"key": 123, "name": "Ford"}, {"key": 124, "name": "Chrysler"}],
        }
    ],
}

# The spec's GET requests example, 2010-04-14T06:37:38-08:00 being 22:37:38 in Beijing.
REQUESTED = dt.datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)
REQUEST = {
    "service_request_id": 638344,
    "status": "closed",
    "status_notes": "Duplicate request.",
    "service_name": "Sidewalk and Curb Issues",
    "service_code": "006",
    "description": None,
    "agency_responsible": None,
    "service_notice": None,
    "requested_datetime": REQUESTED,
    "updated_datetime": REQUESTED,
    "expected_datetime": REQUESTED + dt.timedelta(days=1),
    "address": "8TH AVE and JUDAH ST",
    "address_id": 545483,
    "zipcode": 94122,
    "lat": Decimal("37.762221815"),
    "long": -122.4651145,
    "media_url": "http://city.gov.s3.amazonaws.com/requests/media/638344.jpg",
}


def xml_root(text: str) -> ET.Element:
    assert text.startswith(DECLARATION)
    return ET.fromstring(text.encode("utf-8"))


def test_services_list_in_both_formats():
    text = render_xml("services", SERVICES)
    root = xml_root(text)
    assert root.tag == "services" and [el.tag for el in root] == ["service", "service"]
    first = root[0]
    assert [el.tag for el in first] == list(SERVICES[0])
    assert first.findtext("service_code") == "001"
    assert first.findtext("metadata") == "true"
    assert root[1].findtext("metadata") == "false"
    assert "xmlns" not in text

    data = json.loads(render_json("services", SERVICES))
    assert isinstance(data, list) and len(data) == 2
    assert data[0]["service_code"] == "001" and data[0]["metadata"] is True
    assert data[1] == SERVICES[1]


def test_service_codes_are_strings_even_when_given_as_numbers():
    data = json.loads(render_json("services", [{**SERVICES[0], "service_code": 1}]))
    assert data[0]["service_code"] == "1"


def test_service_definition_with_a_singlevaluelist():
    root = xml_root(render_xml("service_definition", DEFINITION))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "DMV66"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("required") == "true"
    assert attribute.findtext("order") == "1"
    assert attribute.find("datatype_description").text in ("", None)  # empty, as in the spec
    values = attribute.findall("values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("123", "Ford"),
        ("124", "Chrysler"),
    ]
    assert "<datatype_description></datatype_description>" in render_xml(
        "service_definition", DEFINITION
    )

    data = json.loads(render_json("service_definition", DEFINITION))
    assert isinstance(data, dict) and data["service_code"] == "DMV66"
    attr = data["attributes"][0]
    assert attr["datatype_description"] is None and attr["order"] == 1
    assert attr["values"] == [{"key": "123", "name": "Ford"}, {"key": "124", "name": "Chrysler"}]


def test_post_response_in_both_formats():
    post = [{"service_request_id": 293944, "service_notice": "24小时内处理", "account_id": None}]
    root = xml_root(render_xml("service_requests", post))
    request = root.find("request")
    assert root.tag == "service_requests" and len(root) == 1
    assert request.findtext("service_request_id") == "293944"
    assert request.findtext("service_notice") == "24小时内处理"
    assert request.find("account_id") is not None and not request.findtext("account_id")
    assert request.find("token") is None  # absent key: not written

    assert json.loads(render_json("service_requests", post)) == [
        {"service_request_id": "293944", "service_notice": "24小时内处理", "account_id": None}
    ]


def test_get_requests_in_both_formats_with_beijing_time():
    root = xml_root(render_xml("service_requests", [REQUEST]))
    request = root.find("request")
    assert request.findtext("service_request_id") == "638344"
    assert request.findtext("requested_datetime") == "2010-04-14T22:37:38+08:00"
    assert request.findtext("expected_datetime") == "2010-04-15T22:37:38+08:00"
    assert request.findtext("lat") == "37.762221815"
    assert request.findtext("long") == "-122.4651145"
    assert request.findtext("address_id") == "545483"
    assert "<agency_responsible></agency_responsible>" in render_xml("service_requests", [REQUEST])

    data = json.loads(render_json("service_requests", [REQUEST]))
    assert isinstance(data, list) and len(data) == 1  # one request: a one-element array
    item = data[0]
    assert item["service_request_id"] == "638344" and item["service_code"] == "006"
    assert item["address_id"] == "545483" and item["zipcode"] == "94122"
    assert item["requested_datetime"] == "2010-04-14T22:37:38+08:00"
    assert item["lat"] == 37.762221815 and item["long"] == -122.4651145
    assert item["description"] is None and item["status"] == "closed"


def test_datetimes_drop_microseconds_and_refuse_naive_values():
    aware = dt.datetime(2026, 3, 1, 1, 30, 0, 123456, tzinfo=UTC)
    assert formats.format_datetime(aware) == "2026-03-01T09:30:00+08:00"
    with pytest.raises(FormatError, match="naive"):
        naive = dt.datetime(2026, 3, 1)  # noqa: DTZ001
        render_json("service_requests", [{"requested_datetime": naive}])


def test_empty_lists_and_an_empty_document():
    assert render_xml("services", []) == DECLARATION + "<services></services>\n"
    assert render_json("services", []) == "[]"
    root = xml_root(render_xml("service_definition", {"service_code": "X", "attributes": []}))
    assert root.find("attributes") is not None and len(root.find("attributes")) == 0


def test_script_text_is_escaped():
    evil = [{**REQUEST, "description": '<script>alert("x")</script> & 更多'}]
    text = render_xml("service_requests", evil)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text and "&amp; 更多" in text
    assert xml_root(text).findtext("request/description") == evil[0]["description"]
    json_text = render_json("service_requests", evil)
    assert "<script>" not in json_text and "更多" in json_text
    assert json.loads(json_text)[0]["description"] == evil[0]["description"]


def test_control_characters_do_not_break_the_xml():
    text = render_xml("service_requests", [{**REQUEST, "description": "a\x0bb\x00c\nd"}])
    assert xml_root(text).findtext("request/description") == "abc\nd"


def test_discovery_in_both_formats():
    discovery = {
        "changeset": dt.datetime(2026, 3, 1, tzinfo=UTC),
        "contact": "平东村党群服务中心",
        "key_service": "向县级管理员申请",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "https://gridgov.example/open311/v2",
                "changeset": dt.datetime(2026, 3, 1, tzinfo=UTC),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    root = xml_root(render_xml("discovery", discovery))
    assert root.findtext("changeset") == "2026-03-01T08:00:00+08:00"
    formats_ = [el.text for el in root.findall("endpoints/endpoint/formats/format")]
    assert formats_ == ["text/xml", "application/json"]
    data = json.loads(render_json("discovery", discovery))
    assert isinstance(data, dict)
    assert data["endpoints"][0]["formats"] == ["text/xml", "application/json"]


def test_error_documents_and_responses():
    errors = [(403, "Invalid api_key received -- can't proceed with create_request.")]
    response = error_response("xml", 403, errors)
    assert response.status_code == 403
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = xml_root(response.content.decode())
    assert root.tag == "errors"
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("403", errors[0][1])
    ]

    response = error_response("json", 400, [(400, "缺少 service_code"), ("bad_date", "日期")])
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content) == [
        {"code": 400, "description": "缺少 service_code"},
        {"code": "bad_date", "description": "日期"},
    ]
    # An unknown suffix still gets an error document, in XML.
    assert error_response("html", 404, [(404, "x")])["Content-Type"].startswith("text/xml")


def test_document_response_content_types():
    response = document_response("json", "services", SERVICES)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    response = document_response("xml", "service_requests", [REQUEST], status=201)
    assert response.status_code == 201 and response.content.startswith(DECLARATION.encode())
    with pytest.raises(FormatError):
        document_response("csv", "services", SERVICES)
    with pytest.raises(FormatError):
        render_json("requests", [])
    with pytest.raises(FormatError):
        render_json("services", {"service_code": "1"})


def test_attribute_parsing_single_and_multi_values():
    query = QueryDict(mutable=True)
    query.update(
        {
            "attribute[WHISPAWN]": "123456",
            "attribute[WHISDORN]": "COISL001",
            "attribute[EMPTY]": "",
            "service_code": "001",
            "attribute[]": "no code",
            "attributes[X]": "not an attribute",
        }
    )
    query.setlist("attribute[KINDS][]", ["a", "b", ""])
    query.setlist("attribute[IDX][0]", ["x"])
    query.setlist("attribute[IDX][1]", ["y"])
    assert parse_attributes(query) == {
        "WHISPAWN": "123456",
        "WHISDORN": "COISL001",
        "KINDS": ["a", "b"],
        "IDX": ["x", "y"],
    }


def test_attribute_parsing_of_the_spec_example_body():
    body = (
        "api_key=xyz&jurisdiction_id=city.gov&service_code=001&lat=37.76524078"
        "&attribute[WHISPAWN]=123456&attribute[WHISDORN]=COISL001"
        "&attribute[code1][]=value1&attribute[code1][]=value2&attribute[code1][]=value3"
    )
    assert parse_attributes(QueryDict(body)) == {
        "WHISPAWN": "123456",
        "WHISDORN": "COISL001",
        "code1": ["value1", "value2", "value3"],
    }
    assert parse_attributes({"attribute[A]": "1", "attribute[B][]": ["2", "3"]}) == {
        "A": "1",
        "B": ["2", "3"],
    }


def test_param_reads_body_then_query_and_empty_is_absent():
    rf = RequestFactory()
    # The open311 1.1 client: api_key and an empty jurisdiction_id in the POST URL.
    request = rf.post(
        "/open311/v2/requests.xml?jurisdiction_id=&api_key=k1",
        {"service_code": "001", "description": "  ", "media_url": ["u1", "", "u2"]},
    )
    assert param(request, "jurisdiction_id") is None
    assert param(request, "api_key") == "k1"
    assert param(request, "service_code") == "001"
    assert param(request, "description") is None
    assert param(request, "missing") is None
    assert param_list(request, "media_url") == ["u1", "u2"]
    # FixMyStreet and three: in the body, which wins over the query string.
    request = rf.post("/r.xml?api_key=from-query", {"api_key": "from-body"})
    assert param(request, "api_key") == "from-body"
    request = rf.get("/requests.json", {"jurisdiction_id": "", "status": "open"})
    assert param(request, "jurisdiction_id") is None and param(request, "status") == "open"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2010-01-01T00:00:00Z", dt.datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-01-01T08:00:00+08:00", dt.datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-01-01T08:00:00+0800", dt.datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-01-01T08:00:00 08:00", dt.datetime(2010, 1, 1, tzinfo=UTC)),  # "+" decoded
        ("2010-01-01T03:00:00-05:00", dt.datetime(2010, 1, 1, 8, tzinfo=UTC)),
        ("2010-01-01T08:00:00.123456789Z", dt.datetime(2010, 1, 1, 8, 0, 0, 123456, tzinfo=UTC)),
        ("2010-01-01T08:00:00", dt.datetime(2010, 1, 1, tzinfo=UTC)),  # naive: Beijing time
        ("2010-01-01T08:00", dt.datetime(2010, 1, 1, tzinfo=UTC)),
        ("2010-01-01", dt.datetime(2009, 12, 31, 16, tzinfo=UTC)),
        (" 2010-01-01t08:00:00z ", dt.datetime(2010, 1, 1, 8, tzinfo=UTC)),
    ],
)
def test_datetime_parameters(value, expected):
    parsed = parse_datetime_param(value)
    assert parsed.tzinfo is not None
    assert parsed == expected


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "2010-13-01T00:00:00Z", "2010-01-01T25:00:00Z", "2010-W01-1", "1262304000"],
)
def test_bad_datetime_parameters(value):
    with pytest.raises(ValueError, match=r"start_date: .*2010-01-01T00:00:00Z"):
        parse_datetime_param(value, name="start_date")


def test_comma_and_status_lists():
    assert parse_comma_list(None) == []
    assert parse_comma_list("001, 002,,001 ") == ["001", "002"]
    assert parse_status_list("") == []
    assert parse_status_list("Open,closed,open") == ["open", "closed"]
    with pytest.raises(ValueError, match="pending"):
        parse_status_list("open,pending")
