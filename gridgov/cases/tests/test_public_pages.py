"""Residents' pages under /p/: report without an account, follow by the tracking link, answer.

Bad input gets a clear error next to its field and stores nothing; the tracking page shows the
matter's own public facts only; reports are limited per address and hour.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.cases.models import Channel, Matter, MatterPhoto, Status
from gridgov.cases.rules import PUBLIC_REPORTS_PER_HOUR as _LIMIT
from gridgov.cases.services import matter_act
from gridgov.cases.tests.fixtures import INSIDE_A
from gridgov.core.rules import rule_value

PUBLIC_REPORTS_PER_HOUR = rule_value(_LIMIT)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def report(client, **data):
    payload = {"category": "environment", "description": "村口垃圾三天没人清运", **data}
    return client.post("/p/report/", payload)


def test_home_and_report_form_need_no_account(client, grid):
    html = client.get("/p/").content.decode()
    assert "我要反映问题" in html and 'href="/p/report/"' in html
    html = client.get("/p/report/").content.decode()
    assert "反映问题" in html and "环境卫生" in html and "矛盾纠纷" in html
    # Villages grouped by town; the location button is there for scripts to enable.
    assert '<optgroup label="桂城街道">' in html and "平东村" in html and "平西村" in html
    assert 'id="use-location"' in html and "public.js" in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html and "multiple" in html
    assert "最多4张" in html
    assert "csrfmiddlewaretoken" in html


def test_report_by_point_lands_on_the_micro_grid(client, grid):
    response = report(
        client,
        lat=INSIDE_A[0],
        lng=INSIDE_A[1],
        reporter_name="王小明",
        reporter_phone="13912345678",
        photos=[SimpleUploadedFile("a.png", PNG, "image/png")],
    )
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert response.url == f"/p/m/{matter.tracking_token}/?new=1"
    assert matter.grid_node == grid.microgrid and matter.routed_by == "inside"
    assert matter.channel == Channel.PUBLIC and matter.reporter_user is None
    assert matter.reporter_name == "王小明" and matter.photos.count() == 1
    html = client.get(response.url).content.decode()
    assert "提交成功" in html and matter.number in html
    assert f"/p/m/{matter.tracking_token}/" in html
    assert "已受理" in html and "平东村" in html
    assert "王小明" not in html and "13912345678" not in html


def test_report_without_point_goes_to_the_chosen_village_or_group(client, grid):
    assert report(client, village=grid.other_village.code).status_code == 302
    matter = Matter.objects.get()
    assert matter.grid_node == grid.other_village and matter.routed_by == "place"
    assert matter.handler_node == grid.other_village
    group = grid.group
    assert report(client, village=grid.village.code, group=group.code).status_code == 302
    assert Matter.objects.order_by("-id").first().grid_node == group


def test_groups_of_a_village_for_the_form(client, grid):
    html = client.get("/p/report/groups/", {"village": grid.village.code}).content.decode()
    assert f'value="{grid.group.code}"' in html and "第一村民小组" in html
    html = client.get("/p/report/groups/", {"village": "x"}).content.decode()
    assert "<option" in html and "第一村民小组" not in html


def test_anonymous_reports_keep_no_name(client, grid):
    report(
        client,
        village=grid.village.code,
        reporter_name="王小明",
        reporter_phone="13912345678",
        anonymous="on",
    )
    matter = Matter.objects.get()
    assert matter.anonymous and matter.reporter_name == "" and matter.reporter_phone == ""


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"description": "响铃\x07字符"}, "控制字符"),
        ({"photos": "big"}, "超过5MB"),
        ({"photos": "text"}, "不是JPEG、PNG或WebP图片"),
        ({"photos": "many"}, "最多上传4张照片"),
        ({"village": "", "lat": "60.5", "lng": "113.1"}, "纬度60.5不在中国境内"),
        ({"village": "", "lat": "48.85", "lng": "2.35"}, "经度2.35不在中国境内"),  # Paris
        ({"village": "", "lat": "23.03", "lng": "2.35"}, "经度2.35不在中国境内"),
        ({"village": "", "lat": "abc", "lng": "113"}, "输入一个数字"),
        ({"village": ""}, "请选择所在村（社区），或点击“使用我的位置”"),
        ({"category": "nope"}, "未知的事项类别"),
        ({"category": ""}, "请选择事项类别"),
        ({"description": ""}, "请写下要反映的问题"),
        ({"reporter_phone": "12345"}, "电话"),
        ({"village": "440605001299"}, "选择一个有效的选项"),
        ({"group": "440605001202001"}, "所选村民小组不属于所选的村（社区）"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(client, grid, data, error):
    photos = {
        "big": [SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")],
        "text": [SimpleUploadedFile("photo.jpg", b"just some text, not a photo", "image/jpeg")],
        "many": [SimpleUploadedFile(f"{i}.png", PNG, "image/png") for i in range(5)],
    }
    data = {"village": grid.village.code, **data}
    if "photos" in data:
        data["photos"] = photos[data["photos"]]
    response = report(client, **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html, html[html.find("form-error") - 200 : html.find("form-error") + 400]
    assert "<script>alert(1)" not in html
    assert not Matter.objects.exists() and not MatterPhoto.objects.exists()


def test_reports_are_limited_per_address_and_hour(client, grid):
    for _ in range(PUBLIC_REPORTS_PER_HOUR):
        assert report(client, village=grid.village.code).status_code == 302
    response = report(client, village=grid.village.code)
    assert response.status_code == 429
    assert "提交过于频繁" in response.content.decode()
    assert Matter.objects.count() == PUBLIC_REPORTS_PER_HOUR
    # Another address is not held back; failed attempts do not count.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert report(other, village="").status_code == 400
    assert report(other, village=grid.village.code).status_code == 302


def test_reports_need_the_csrf_token(grid):
    client = Client(enforce_csrf_checks=True)
    assert report(client, village=grid.village.code).status_code == 403
    assert not Matter.objects.exists()


def test_tracking_page_shows_only_public_facts(client, grid, staff):
    report(client, village=grid.village.code, reporter_name="王小明", reporter_phone="13912345678")
    matter = Matter.objects.get()
    matter = matter_act(matter=matter, user=staff.village, action="sign")
    matter = matter_act(
        matter=matter,
        user=staff.village,
        action="note",
        public_note="已安排保洁员清运",
        note="内部：保洁公司合同到期未续",
    )
    matter = matter_act(matter=matter, user=staff.village, action="escalate", reason="村里没钱续约")
    response = client.get(f"/p/m/{matter.tracking_token}/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    html = response.content.decode()
    for shown in [
        matter.number,
        "环境卫生",
        "已受理",
        "平东村",
        "已安排保洁员清运",
        "签收",
        "上报",
    ]:
        assert shown in html, shown
    for hidden in [
        "王小明",
        "13912345678",
        "139****5678",
        "内部：保洁公司合同到期未续",
        "村里没钱续约",
        staff.village.username,
        staff.worker.username,
        "一组1号微网格",  # no finer place than the village
    ]:
        assert hidden not in html, hidden
    # No review before it is settled.
    assert "/review/" not in html and "/reopen/" not in html


def test_review_and_reopen_from_the_tracking_page(client, grid, staff):
    report(client, lat=INSIDE_A[0], lng=INSIDE_A[1])
    matter = Matter.objects.get()
    url = f"/p/m/{matter.tracking_token}/"
    # Before it is settled the resident cannot review it.
    response = client.post(url + "review/", {"satisfaction": "satisfied"})
    assert response.status_code == 400 and "不能回访评价" in response.content.decode()
    matter = matter_act(matter=matter, user=staff.worker, action="sign")
    matter_act(
        matter=matter, user=staff.worker, action="settle", answer="垃圾已清运，已排定每周两次"
    )
    html = client.get(url).content.decode()
    assert "垃圾已清运，已排定每周两次" in html and "已办结" in html
    assert "评价办理结果" in html and "申请重办" in html
    # A review needs a choice.
    response = client.post(url + "review/", {"comment": "还行"})
    assert (
        response.status_code == 400 and "请选择满意、基本满意或不满意" in response.content.decode()
    )
    response = client.post(url + "review/", {"satisfaction": "unsatisfied", "comment": "又堆了"})
    assert response.status_code == 302 and response.url == url + "?done=review"
    matter.refresh_from_db()
    assert matter.status == Status.REVIEWED and matter.satisfaction == "unsatisfied"
    html = client.get(response.url).content.decode()
    assert "感谢您的评价" in html and "不满意" in html
    assert 'id="reopen" open' in html  # not satisfied: the reopen form is offered open
    # A reopen needs a reason.
    assert client.post(url + "reopen/", {"reason": ""}).status_code == 400
    response = client.post(url + "reopen/", {"reason": "周末又堆满了"})
    assert response.status_code == 302 and response.url == url + "?done=reopen"
    matter.refresh_from_db()
    assert matter.status == Status.IN_PROGRESS and matter.reopen_count == 1
    event = matter.events.order_by("-id").first()
    assert event.action == "reopen" and event.actor is None
    html = client.get(url).content.decode()
    assert "申请重办：周末又堆满了" in html and "办理中" in html


def test_unknown_tokens_are_404(client, grid):
    for url in ["/p/m/nope-nope-nope-nope-1/", "/p/m/x/", "/p/m/%3Cscript%3E/"]:
        assert client.get(url).status_code == 404, url
    assert client.post("/p/m/nope-nope-nope-nope-1/review/", {}).status_code == 404
    assert client.get("/p/m/nope-nope-nope-nope-1/review/").status_code in (404, 405)


def test_home_opens_a_matter_by_its_code_or_link(client, grid):
    report(client, village=grid.village.code)
    matter = Matter.objects.get()
    token = matter.tracking_token
    response = client.get("/p/", {"t": token})
    assert response.status_code == 302 and response.url == f"/p/m/{token}/"
    response = client.get("/p/", {"t": f"http://example.org/p/m/{token}/"})
    assert response.status_code == 302 and response.url == f"/p/m/{token}/"
    html = client.get("/p/", {"t": "no-such-code-here-000"}).content.decode()
    assert "没有找到这个查询码" in html


def test_the_limit_counts_in_the_database_and_keeps_no_address(client, grid):
    """Every server process reads the same count; the address is stored only as a keyed hash."""
    report(client, village=grid.village.code)
    matter = Matter.objects.get()
    assert matter.source_hash and "127.0.0.1" not in matter.source_hash
    Matter.objects.update(received_at=matter.received_at - dt.timedelta(minutes=61))
    from gridgov.cases.selectors import public_reports_left

    assert public_reports_left(source_ip="127.0.0.1") == PUBLIC_REPORTS_PER_HOUR
