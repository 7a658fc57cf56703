"""GET requests: the spec's filters, the 90-day window, paging, public fields only, merged and
closed matters, ``extensions=true`` notes, and a query count that does not grow with rows."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.cases import services as cases
from gridgov.cases.models import Matter
from gridgov.open311.formats import format_datetime

from .conftest import BASE, INSIDE_A

pytestmark = pytest.mark.django_db


def get(client, fmt="json", path="requests", **params):
    return client.get(f"{BASE}{path}.{fmt}" + (f"?{urlencode(params)}" if params else ""))


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["service_request_id"] for item in json.loads(response.content)]


@pytest.fixture
def worker(grid, make_user):
    return make_user("grid_worker", grid.microgrid)


def settle(matter, worker, answer="已调解，通道已让出"):
    matter = cases.matter_sign(matter=matter, user=worker)
    return cases.matter_settle(matter=matter, user=worker, answer=answer)


def test_list_is_newest_first_and_service_request_id_overrides_the_rest(client, make_matter):
    old = make_matter(days_ago=200)
    a, b = make_matter(days_ago=2), make_matter(days_ago=1)
    assert ids(get(client)) == [b.number, a.number]  # the last 90 days by default
    # service_request_id overrides every other argument, even a bad date or another code
    response = get(
        client,
        service_request_id=f"{old.number}, {a.number},nosuch",
        service_code="streetlight",
        start_date="not a date",
        status="closed",
    )
    assert sorted(ids(response)) == sorted([old.number, a.number])


def test_service_code_list_and_status(client, make_matter, light, worker):
    disputes = [make_matter(), make_matter()]
    lamp = make_matter(category=light, attributes={"severity": "high"})
    closed = settle(disputes[0], worker)
    assert sorted(ids(get(client, service_code="streetlight,dispute"))) == sorted(
        m.number for m in [*disputes, lamp]
    )
    assert ids(get(client, service_code="streetlight")) == [lamp.number]
    assert ids(get(client, status="closed")) == [closed.number]
    assert sorted(ids(get(client, status="open"))) == sorted([disputes[1].number, lamp.number])
    assert len(ids(get(client, status="open,closed"))) == 3
    response = get(client, status="pending")
    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"].startswith("status")


def test_date_window(client, make_matter):
    m10, m40, m100 = make_matter(days_ago=10), make_matter(days_ago=40), make_matter(days_ago=100)
    now = timezone.now()

    def stamp(days: int) -> str:
        return format_datetime(now - dt.timedelta(days=days))

    assert ids(get(client, start_date=stamp(50), end_date=stamp(5))) == [m10.number, m40.number]
    assert ids(get(client, start_date=stamp(120), end_date=stamp(35))) == [m40.number, m100.number]
    assert ids(get(client, start_date=stamp(120))) == [m40.number, m100.number]  # +90 days
    assert ids(get(client, end_date=stamp(45))) == [m100.number]  # the 90 days before
    utc = (now - dt.timedelta(days=15)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(get(client, start_date=utc)) == [m10.number]  # three's format

    for params, name in [
        ({"start_date": stamp(100), "end_date": stamp(5)}, "start_date/end_date"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"end_date": "2026-13-01"}, "end_date"),
        ({"start_date": stamp(5), "end_date": stamp(10)}, "end_date"),
    ]:
        response = get(client, **params)
        assert response.status_code == 400, params
        assert json.loads(response.content)[0]["description"].startswith(name)


def test_paging(client, make_matter):
    matters = [make_matter(days_ago=n + 1) for n in range(5)]
    numbers = [m.number for m in matters]
    assert ids(get(client, page_size=2)) == numbers[:2]
    assert ids(get(client, page_size=2, page=3)) == numbers[4:]
    assert ids(get(client, page_size=2, page=4)) == []
    assert ids(get(client, page_size=5000)) == numbers  # capped at 1000, not refused
    for bad in ({"page": "0"}, {"page_size": "-1"}, {"page": "two"}):
        response = get(client, **bad)
        assert response.status_code == 400
        assert json.loads(response.content)[0]["description"].startswith(next(iter(bad)))


@pytest.mark.parametrize("extensions", [False, True])
def test_query_count_does_not_grow_with_rows(client, make_matter, light, worker, extensions):
    params = {"extensions": "true"} if extensions else {}

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = get(client, **params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            extra = {"category": light, "attributes": {"severity": "low"}} if i % 2 else {}
            m = make_matter(**extra)
            if i % 3 == 0:
                settle(m, worker)

    add(3)
    few = count_queries()
    add(27)
    assert len(ids(get(client))) == 30
    assert count_queries() == few
    assert few == (2 if extensions else 1)  # the page, and its notes in one more


def test_public_fields_only(client, make_matter, worker, grid):
    lat, lng = INSIDE_A
    m = make_matter(
        reporter_name="李四", reporter_phone="13912345678", address="平东村3巷", lat=lat, lng=lng
    )
    cases.matter_sign(matter=m, user=worker)
    anonymous = make_matter(description="有人深夜焚烧垃圾", anonymous=True)
    content = get(client, extensions="true").content.decode()
    for secret in ("李四", "13912345678", worker.username, m.tracking_token):
        assert secret not in content
    items = {i["service_request_id"]: i for i in json.loads(content)}
    assert items[anonymous.number]["description"] == "有人深夜焚烧垃圾"
    item = items[m.number]
    assert item["address"] == "平东村3巷" and item["agency_responsible"] == grid.microgrid.name
    assert item["status_notes"] == "办理中" and item["status"] == "open"
    assert item["lat"] == m.lat and item["long"] == m.lng
    assert {"service_request_id", "status", "service_code", "requested_datetime"} <= set(item)


def test_closed_and_merged_requests(client, make_matter, worker):
    target, duplicate = make_matter(), make_matter(description="通道被占")
    cases.matter_merge(matter=duplicate, user=worker, into=target)
    items = {i["service_request_id"]: i for i in json.loads(get(client).content)}
    merged = items[duplicate.number]
    assert merged["status"] == "closed" and target.number in merged["status_notes"]

    settle(Matter.objects.get(pk=target.pk), worker, answer="已协调让出通道")
    items = {i["service_request_id"]: i for i in json.loads(get(client).content)}
    settled = Matter.objects.get(pk=target.pk)
    assert items[target.number]["status"] == "closed"
    assert items[target.number]["status_notes"] == "已协调让出通道"
    assert items[target.number]["updated_datetime"] == format_datetime(settled.settled_at)
    assert items[target.number]["service_notice"] is None
    # the merged one now carries the answer too, still pointing at the matter it joined
    assert items[duplicate.number]["status_notes"].endswith("已协调让出通道")
    assert target.number in items[duplicate.number]["status_notes"]


def test_extensions_add_the_public_timeline_as_notes(client, make_matter, worker):
    m = settle(make_matter(), worker, answer="已处理")
    plain = json.loads(get(client, path=f"requests/{m.number}").content)[0]
    assert "notes" not in plain
    item = json.loads(get(client, path=f"requests/{m.number}", extensions="true").content)[0]
    assert [n["type"] for n in item["notes"]] == ["create", "sign", "settle"]
    assert item["notes"][0]["description"].startswith("已受理")
    assert item["notes"][2]["description"] == "已处理"
    assert all(n["datetime"].endswith("+08:00") for n in item["notes"])

    root = ET.fromstring(get(client, "xml", f"requests/{m.number}", extensions="true").content)
    notes = root.findall("request/notes/note")
    assert [n.findtext("type") for n in notes] == ["create", "sign", "settle"]


def test_list_in_xml_has_the_spec_structure(client, make_matter, light):
    make_matter(category=light, attributes={"severity": "high"}, media_urls=["https://x.org/1.jpg"])
    make_matter()
    response = get(client, "xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 2 and all(r.tag == "request" for r in root)
    fields = [child.tag for child in requests[1]]
    assert fields == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert requests[1].findtext("media_url") == "https://x.org/1.jpg"
    assert requests[0].findtext("media_url") == ""  # null → empty element
    assert float(requests[0].findtext("lat")) == pytest.approx(23.035)
    assert ET.fromstring(get(client, "xml", start_date="bad").content).tag == "errors"
