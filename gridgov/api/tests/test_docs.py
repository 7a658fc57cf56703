"""/api/v1/docs works with no internet: every asset comes from this server."""

from __future__ import annotations

import re
import shutil
from urllib.parse import urlsplit

import pytest
from django.test import Client

from gridgov.testing.api import BASE

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_docs_page_references_only_local_assets(db):
    response = Client().get(f"{BASE}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html and "https://" not in html
    assert "<script>" not in html  # no inline script: the CSP can forbid them
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    # Every asset from this server: a path, never another host (a CDN). Not a search for
    # "cdn" in the page, which the random CSRF token in it sometimes contains.
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets)
    assert f"{BASE}/docs/assets/swagger-ui-bundle.js" in assets
    for url in assets:
        asset = Client().get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content), url
    assert (
        Client()
        .get(f"{BASE}/docs/assets/swagger-ui-bundle.js")["Content-Type"]
        .startswith("text/javascript")
    )
    assert Client().get(f"{BASE}/docs/assets/..%2Fsettings.py").status_code == 404
    assert Client().get(f"{BASE}/docs/assets/redoc.standalone.js").status_code == 404


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed")
def test_docs_render_in_a_browser_without_network(live_server):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    host = urlsplit(live_server.url).netloc

    def only_local(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            page.goto(f"{live_server.url}{BASE}/docs")
            page.wait_for_selector(".opblock", timeout=15000)
            assert page.locator(".opblock").count() >= 20
            assert "gridgov API" in page.content()
        finally:
            browser.close()
    assert outside == []
