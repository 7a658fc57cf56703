"""A resident on a phone, in Chromium: report a matter, follow it, read the answer, review it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_browser import ARGS, CHROMIUM, no_sideways_scroll

SHOTS = Path("/tmp/shots")
PHONE = {"width": 375, "height": 740}
FAR_FROM_ANY_GRID = {"latitude": 39.9042, "longitude": 116.4074}  # Beijing: in China, no grid

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed at /usr/bin/chromium (make browser-deps)",
    ),
]


def shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the sticky bar at the top of a full-page shot
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_resident_reports_follows_and_reviews_on_a_phone(
    live_server, grid, staff, default_categories, monkeypatch, settings, tmp_path
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.cache import cache
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    from gridgov.cases.models import Matter, Status
    from gridgov.cases.services import matter_act

    cache.clear()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            context = browser.new_context(
                viewport=PHONE,
                locale="zh-CN",
                is_mobile=True,
                has_touch=True,
                geolocation=FAR_FROM_ANY_GRID,
                permissions=["geolocation"],
            )
            page = context.new_page()
            page.set_default_timeout(15_000)

            page.goto(f"{live_server.url}/p/")
            page.click("text=我要反映问题")
            expect(page.locator("h1")).to_have_text("反映问题")
            assert no_sideways_scroll(page)

            page.click("label.tile:has-text('环境卫生')")
            expect(page.locator("input[name=category][value=environment]")).to_be_checked()
            page.fill("textarea[name=description]", "村口垃圾桶满了三天没人清运")
            # The location button (static script) fills the hidden coordinates.
            page.click("#use-location")
            expect(page.locator("#location-status")).to_contain_text("已获取位置")
            assert page.input_value("input[name=lat]").startswith("39.9")
            # Choosing the village loads its groups (htmx).
            page.select_option("select[name=village]", grid.village.code)
            expect(
                page.locator(f"select[name=group] option[value='{grid.group.code}']")
            ).to_have_count(1)
            page.fill("input[name=address]", "村口大榕树旁")
            shot(page, "report.png")
            assert no_sideways_scroll(page)
            page.click("button[type=submit].big-button")

            expect(page.locator(".done-banner h1")).to_have_text("提交成功")
            matter = Matter.objects.get()
            assert matter.grid_node == grid.village  # the point is far from any grid
            expect(page.locator(".big-number")).to_have_text(matter.number)
            shot(page, "report-done.png")
            assert no_sideways_scroll(page)

            page.click("a.track-link")
            expect(page).to_have_url(f"{live_server.url}/p/m/{matter.tracking_token}/")
            expect(page.locator(".done-banner")).to_have_count(0)
            expect(page.locator("dl.facts")).to_contain_text("已受理")
            expect(page.locator("ol.timeline li")).to_have_count(1)
            expect(page.locator("ol.timeline")).to_contain_text("受理")
            shot(page, "track.png")
            assert no_sideways_scroll(page)

            # Staff take it on and settle it; the resident reloads and reads the answer.
            matter = matter_act(matter=matter, user=staff.village, action="sign")
            matter_act(
                matter=matter,
                user=staff.village,
                action="settle",
                answer="垃圾已清运，改为每周两次",
            )
            page.reload()
            expect(page.locator("section.answer")).to_contain_text("垃圾已清运，改为每周两次")
            expect(page.locator("dl.facts")).to_contain_text("已办结")
            page.click("section.review label.tile:has-text('基本满意')")
            page.fill("textarea[name=comment]", "希望保持")
            shot(page, "track-settled.png")
            assert no_sideways_scroll(page)
            page.click("section.review button[type=submit]")
            expect(page.locator(".notice.ok")).to_contain_text("感谢您的评价")
            expect(page.locator("dl.facts")).to_contain_text("已回访")
            matter.refresh_from_db()
            assert matter.status == Status.REVIEWED and matter.satisfaction == "basic"

            # The same matter on the staff pages, on the same phone.
            page.goto(f"{live_server.url}/login/?next=/matters/")
            page.fill("input[name=username]", staff.village.username)
            page.fill("input[name=password]", "pw-Test-123")
            page.click("main button[type=submit]")
            expect(page).to_have_url(f"{live_server.url}/matters/")
            expect(page.locator("table.matters")).to_contain_text(matter.number)
            shot(page, "staff-list.png")
            assert no_sideways_scroll(page)
            page.click(f"a[href='/matters/{matter.number}/']")
            expect(page.locator("h1")).to_contain_text(matter.number)
            expect(page.locator("ol.timeline")).to_contain_text("回访评价")
            page.click("details.action-archive summary")
            shot(page, "staff-detail.png")
            assert no_sideways_scroll(page)
            page.click("details.action-archive button[type=submit]")
            expect(page.locator(".messages")).to_contain_text("“归档”已完成")
            page.click(".mainnav >> text=办理统计")
            expect(page.locator("h1")).to_have_text("办理统计")
            shot(page, "staff-measures.png")
            assert no_sideways_scroll(page)
        finally:
            browser.close()
            # The ORM calls made inside Playwright's sync API ran in its own context, with a
            # connection of their own: closed here, or the test database could not be dropped
            # ("is being accessed by other users").
            connections.close_all()
