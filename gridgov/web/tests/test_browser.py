"""One walk through the UI in Chromium on a phone-sized screen: sign in, down the tree, a household."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium (make browser-deps)",
    ),
]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_walk_from_sign_in_to_a_household(live_server, world, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run
    # from it otherwise (the test's own fixtures use the database while the browser is open).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    t = world.tree
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
            )
            page = context.new_page()
            page.set_default_timeout(15_000)

            page.goto(f"{live_server.url}/households/")
            expect(page).to_have_url(f"{live_server.url}/login/?next=/households/")
            page.fill("input[name=username]", world.cadre.username)
            page.fill("input[name=password]", "pw-Test-123")
            page.click("main button[type=submit]")
            expect(page).to_have_url(f"{live_server.url}/households/")

            page.click(".mainnav >> text=网格")
            expect(page.locator("h1")).to_have_text("网格")
            assert no_sideways_scroll(page)

            # Expand the village in place (htmx), then follow the plain links down the tree.
            page.click(f"button[aria-controls='sub-{t.village.code}']")
            expect(page.locator(f"#sub-{t.village.code}")).to_contain_text("第一村民小组")
            page.click(f"a[href='/grid/{t.village.code}/']")
            expect(page.locator("h1")).to_have_text("平东村")
            expect(page.locator("#node-map .leaflet-interactive").first).to_be_visible()
            assert no_sideways_scroll(page)
            page.click(f"main a.node-name[href='/grid/{t.group.code}/']")
            expect(page.locator("h1")).to_have_text("第一村民小组")
            page.click(f"main a.node-name[href='/grid/{t.microgrid.code}/']")
            expect(page.locator("h1")).to_have_text("一组1号微网格")
            expect(page.locator("nav.crumbs")).to_contain_text("平东村")
            assert no_sideways_scroll(page)

            page.click(f"a[href='/households/{world.household.number}/']")
            expect(page.locator("h1")).to_have_text("陈大明户")
            members = page.locator("table.members tbody tr")
            expect(members).to_have_count(3)
            for name in ["陈大明", "李秀英", "陈小华"]:
                expect(page.locator("table.members")).to_contain_text(name)
            expect(page.locator("table.members .badge.party")).to_have_count(1)
            assert world.head_id_number not in page.content()
            assert no_sideways_scroll(page)
        finally:
            browser.close()
            # The ORM calls made inside Playwright's sync API ran in its own context, with a
            # connection of their own: closed here, or the test database could not be dropped
            # ("is being accessed by other users").
            connections.close_all()
