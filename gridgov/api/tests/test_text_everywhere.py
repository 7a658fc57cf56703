"""Free text and ``<``: one rule on every channel (core.text.plain_text). Text is stored as typed,
``a < b`` and ``<script>`` alike, and is inert wherever it is shown: escaped in pages, plain in
API JSON, escaped in Open311 (its channel is tested in open311/tests/test_errors.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridgov.cases.models import Matter
from gridgov.cases.tests.fixtures import INSIDE_A

pytestmark = pytest.mark.django_db

TEXTS = ["a < b", "1<2 且 3>2", "<3 谢谢", "x<y>z", "<script>alert(1)</script>", "&amp; &lt;"]
SCRIPT = "<script>alert(1)</script>"


def _page_shows_escaped(html: str, text: str) -> None:
    assert SCRIPT not in html
    if text == SCRIPT:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("text", TEXTS)
def test_public_form_accepts_and_tracking_page_escapes(client, grid, text):
    response = client.post(
        "/p/report/",
        {"category": "environment", "description": text, "village": grid.village.code},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    matter = Matter.objects.get()
    assert matter.description == text
    _page_shows_escaped(client.get(f"/p/m/{matter.tracking_token}/").content.decode(), text)


@pytest.mark.parametrize("text", TEXTS)
def test_staff_form_accepts_and_matter_page_escapes(client, staff, text):
    client.force_login(staff.worker)
    lat, lng = INSIDE_A
    response = client.post(
        "/matters/new/",
        {"category": "dispute", "channel": "staff", "description": text, "lat": lat, "lng": lng},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    matter = Matter.objects.get()
    assert matter.description == text
    _page_shows_escaped(client.get(f"/matters/{matter.number}/").content.decode(), text)


@pytest.mark.parametrize("text", TEXTS)
def test_api_accepts_and_answers_the_text_as_json(staff, api_as, text):
    api = api_as(staff.worker)
    lat, lng = INSIDE_A
    body = {"category": "dispute", "description": text, "lat": lat, "lng": lng}
    response = api.post("/matters/", body)
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["description"] == text
    assert Matter.objects.get().description == text


def test_names_typed_with_markup_are_escaped_on_their_pages(client, staff, grid, api_as):
    """Not only matters: a grid node's name set through the API shows escaped on its page."""
    api = api_as(staff.county)
    name = "<b>一组</b> & <i>"
    response = api.patch(f"/grid-nodes/{grid.group.code}", {"name": name})
    assert response.status_code == 200 and response.json()["name"] == name
    client.force_login(staff.county)
    html = client.get(f"/grid/{grid.village.code}/").content.decode()
    assert "<b>一组</b>" not in html
    assert "&lt;b&gt;一组&lt;/b&gt;" in html or "\\u003Cb\\u003E" in html


def test_no_template_or_view_marks_text_safe():
    """Escaping holds only while nothing turns it off: no |safe, {% autoescape off %},
    mark_safe or format_html around text in our code; the map draws names as text nodes."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.rglob("*"):
        if path.suffix not in {".py", ".html", ".js"} or "vendor" in path.parts:
            continue
        if path.is_relative_to(Path(__file__).resolve().parent):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        markers = ("|safe", "autoescape off", "mark_safe(", "SafeString(", ".innerHTML =")
        offenders += [f"{path.relative_to(root)}: {m}" for m in markers if m in text]
    assert offenders == []
    map_js = (root / "web/static/web/map.js").read_text(encoding="utf-8")
    assert "label.textContent = f.properties.name" in map_js


def test_open311_renders_markup_inert():
    from gridgov.open311.formats import render_json, render_xml

    data = [{"service_request_id": "1", "description": SCRIPT}]
    assert "<script>" not in render_xml("service_requests", data)
    assert "<" not in render_json("service_requests", data)
    assert json.loads(render_json("service_requests", data))[0]["description"] == SCRIPT
