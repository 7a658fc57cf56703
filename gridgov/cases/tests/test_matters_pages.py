"""The staff pages of residents' matters: list, intake, detail with its step forms, inbox and
measures; scoped (404 out of scope), with bounded queries, every step through the page."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.cases.models import Category, Department, Matter, MatterEvent, Notification, Status
from gridgov.cases.services import matter_act
from gridgov.cases.tests.fixtures import INSIDE_A, INSIDE_B

pytestmark = pytest.mark.django_db

BASE = 3  # session, user, the user's assignments
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def html_of(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------------------------------------
# Sign-in and scope


def test_every_matters_page_needs_sign_in(client, new_matter):
    m = new_matter()
    for url in [
        "/matters/",
        "/matters/new/",
        f"/matters/{m.number}/",
        "/matters/measures/",
        "/inbox/",
        "/inbox/unread/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url, url
    response = client.post(f"/matters/{m.number}/act/sign/")
    assert response.status_code == 302 and "/login/" in response.url
    assert Matter.objects.get(pk=m.pk).status == Status.RECEIVED


def test_list_shows_own_village_only(as_user, staff, new_matter):
    ours = new_matter(description="东街路灯不亮")
    theirs = new_matter(description="平西村的事", lat=INSIDE_B[0], lng=INSIDE_B[1])
    html = html_of(as_user(staff.village).get("/matters/"))
    assert ours.number in html and "东街路灯不亮" in html and "矛盾纠纷" in html
    assert theirs.number not in html and "平西村的事" not in html
    assert "一组1号微网格" in html and "共 1 条" in html
    html = html_of(as_user(staff.town).get("/matters/"))
    assert ours.number in html and theirs.number in html


def test_detail_act_and_photo_out_of_scope_are_404(as_user, staff, new_matter, tmp_path):
    theirs = new_matter(
        lat=INSIDE_B[0],
        lng=INSIDE_B[1],
        photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
    )
    photo = theirs.photos.get()
    client = as_user(staff.village)
    for url in [
        f"/matters/{theirs.number}/",
        f"/matters/{theirs.number}/photos/{photo.pk}/",
        "/matters/2099010199999/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "平西" not in html_of(response)
    response = client.post(f"/matters/{theirs.number}/act/sign/")
    assert response.status_code == 404
    assert Matter.objects.get(pk=theirs.pk).status == Status.RECEIVED
    # The town sees the photo, served through the scoped view.
    response = as_user(staff.town).get(f"/matters/{theirs.number}/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_measures_of_a_node_out_of_scope_are_404(as_user, staff, grid):
    client = as_user(staff.village)
    assert client.get("/matters/measures/", {"node": grid.other_village.code}).status_code == 404
    assert client.get("/matters/measures/", {"node": grid.village.code}).status_code == 200


# ---------------------------------------------------------------------------------------------
# The list's filters


def test_list_filters(as_user, staff, new_matter, grid):
    first = new_matter(description="占用通道")
    second = new_matter(description="垃圾堆放", category=Category.objects.get(code="environment"))
    third = new_matter(description="道路积水", place=grid.village, lat=None, lng=None)
    matter_act(matter=second, user=staff.worker, action="sign")
    Matter.objects.filter(pk=third.pk).update(
        deadline=dt.datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))
    )
    client = as_user(staff.village)

    def numbers(**params) -> set[str]:
        html = html_of(client.get("/matters/", params))
        return {m.number for m in (first, second, third) if m.number in html}

    assert numbers(category="environment") == {second.number}
    assert numbers(status="in_progress") == {second.number}
    assert numbers(status="open") == {first.number, second.number, third.number}
    assert numbers(status="settled") == set()
    assert numbers(overdue="1") == {third.number}
    assert numbers(mine="1") == set()
    assert numbers(q=first.number) == {first.number}
    assert numbers(q="积水") == {third.number}
    assert numbers(under=grid.microgrid.code) == {first.number, second.number}
    # Another village's code: nothing, and the same answer as a code that does not exist.
    html = html_of(client.get("/matters/", {"under": grid.other_village.code}))
    assert "共 0 条" in html and "不存在或不在您的范围内" in html
    # Overdue deadlines are marked.
    html = html_of(client.get("/matters/", {"q": third.number}))
    assert 'class="overdue"' in html
    html = html_of(as_user(staff.worker).get("/matters/", {"mine": "1"}))
    assert second.number in html and first.number not in html


def test_list_is_paginated(as_user, staff, new_matter):
    for i in range(55):
        new_matter(description=f"第{i}件")
    client = as_user(staff.village)
    html = html_of(client.get("/matters/"))
    assert "共 55 条" in html and html.count('data-label="类别"') == 50 and "下一页" in html
    html = html_of(client.get("/matters/", {"page": 2}))
    assert html.count('data-label="类别"') == 5


# ---------------------------------------------------------------------------------------------
# Intake


def test_worker_registers_a_matter_for_a_household_with_photos(
    as_user, staff, make_household, grid
):
    household = make_household(address="东街3号")
    client = as_user(staff.worker)
    assert "登记民情事项" in html_of(client.get("/matters/new/"))
    response = client.post(
        "/matters/new/",
        {
            "category": "dispute",
            "description": "东街3号与邻居因排水沟起争执",
            "household": household.number,
            "channel": "visit",
            "reporter_name": "陈大明",
            "reporter_phone": "13812345678",
            "photos": [
                SimpleUploadedFile("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "image/jpeg"),
                SimpleUploadedFile("b.png", PNG, "image/png"),
            ],
        },
    )
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert response.url == f"/matters/{matter.number}/"
    assert matter.household == household and matter.grid_path == grid.microgrid.code
    assert matter.channel == "visit" and matter.reporter_user == staff.worker
    assert matter.photos.count() == 2
    html = html_of(client.get(response.url))
    assert "已登记" in html and matter.number in html
    # The reporter is masked on the page: first character, and the phone's middle digits.
    assert "陈**" in html and "138****5678" in html
    assert "陈大明" not in html and "13812345678" not in html
    assert html.count(f"/matters/{matter.number}/photos/") >= 2
    assert f"/p/m/{matter.tracking_token}/" in html


def test_intake_by_point_and_the_duplicates_it_offers(as_user, staff, new_matter):
    earlier = new_matter(description="通道被占")
    client = as_user(staff.worker)
    response = client.post(
        "/matters/new/",
        {
            "category": "dispute",
            "description": "同一处通道又被占了",
            "lat": INSIDE_A[0] + 0.0003,
            "lng": INSIDE_A[1],
            "channel": "staff",
        },
    )
    assert response.status_code == 302
    html = html_of(client.get(response.url))
    assert "可能重复的事项" in html and earlier.number in html
    assert 'action="/matters/' in html and "/act/merge/" in html


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"description": "x", "household": "nope"}, "不存在或不在您的范围内"),
        ({"description": "x"}, "请填写户编号、选择所在网格或填写坐标、地点之一"),
        (
            {"description": "响铃\x07字符", "lat": INSIDE_A[0], "lng": INSIDE_A[1]},
            "控制字符",
        ),
        ({"description": "x", "lat": INSIDE_B[0], "lng": INSIDE_B[1]}, "不在您负责的网格内"),
        ({"description": "x", "lat": 48.85, "lng": 2.35}, "不在中国境内"),
        ({"description": "x", "lat": INSIDE_A[0]}, "经纬度须同时提供"),
        (
            {"description": "x", "lat": INSIDE_A[0], "lng": INSIDE_A[1], "category": "nope"},
            "未知的事项类别",
        ),
    ],
)
def test_intake_errors_are_shown_and_nothing_is_stored(as_user, staff, data, field_error):
    data = {"category": "dispute", "channel": "staff", **data}
    response = as_user(staff.worker).post("/matters/new/", data)
    assert response.status_code == 400
    assert field_error in html_of(response)
    assert not Matter.objects.exists()


def test_intake_needs_report_matter_somewhere(as_user, staff):
    assert as_user(staff.viewer).get("/matters/new/").status_code == 404
    assert as_user(staff.supervisor).post("/matters/new/", {}).status_code == 404


def test_intake_of_another_village_household_is_refused(as_user, staff, make_household, grid):
    theirs = make_household(grid.other_microgrid)
    response = as_user(staff.worker).post(
        "/matters/new/",
        {"category": "dispute", "description": "x", "household": theirs.number, "channel": "staff"},
    )
    assert response.status_code == 400 and "不在您的范围内" in html_of(response)
    assert not Matter.objects.exists()


# ---------------------------------------------------------------------------------------------
# The detail page and its steps


def test_detail_shows_forms_for_the_steps_the_user_may_take(as_user, staff, new_matter):
    m = new_matter()
    html = html_of(as_user(staff.worker).get(f"/matters/{m.number}/"))
    for action in ("assign", "sign", "note", "escalate", "decline"):
        assert f"/act/{action}/" in html, action
    for action in ("settle", "supervise", "approve_extension", "review", "archive"):
        assert f"/act/{action}/" not in html, action
    # A viewer sees everything about it and may take no step.
    html = html_of(as_user(staff.viewer).get(f"/matters/{m.number}/"))
    assert m.number in html and "/act/" not in html and "您现在没有可办理的操作" in html
    # The village may supervise it; assignees are the people who may handle at the level.
    html = html_of(as_user(staff.village).get(f"/matters/{m.number}/"))
    assert "/act/supervise/" in html
    assert staff.worker2.username in html and staff.other_worker.username not in html


def test_sign_settle_then_review_and_archive_through_the_page(as_user, staff, new_matter):
    m = new_matter()
    client = as_user(staff.worker)
    response = client.post(f"/matters/{m.number}/act/sign/")
    assert response.status_code == 302 and response.url == f"/matters/{m.number}/"
    assert "“签收”已完成" in html_of(client.get(response.url))
    m.refresh_from_db()
    assert m.status == Status.IN_PROGRESS and m.assignee == staff.worker
    response = client.post(
        f"/matters/{m.number}/act/settle/", {"answer": "已调解，通道已让出", "note": "双方签字"}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == Status.SETTLED and m.answer == "已调解，通道已让出"
    html = html_of(client.get(f"/matters/{m.number}/"))
    assert "双方签字" in html and "内部" in html  # staff see the internal note
    response = client.post(f"/matters/{m.number}/act/review/", {"satisfaction": "satisfied"})
    assert response.status_code == 302
    response = client.post(f"/matters/{m.number}/act/archive/")
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.status == Status.ARCHIVED


def test_escalate_and_supervise_through_the_page(as_user, staff, new_matter, grid):
    m = new_matter()
    client = as_user(staff.worker)
    response = client.post(f"/matters/{m.number}/act/escalate/", {"reason": "涉及宅基地边界"})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.handler_path == grid.group.code and m.status == Status.RECEIVED
    response = as_user(staff.village).post(
        f"/matters/{m.number}/act/supervise/", {"note": "请三日内答复"}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.supervised_at is not None
    assert MatterEvent.objects.filter(matter=m, action="supervise", note="请三日内答复").exists()


def test_assign_transfer_extension_and_merge_through_the_page(as_user, staff, new_matter, grid):
    department = Department.objects.create(name="桂城综合执法办", node=grid.town)
    Department.objects.create(name="平西村调解室", node=grid.other_village)
    m = new_matter()
    other = new_matter(description="同一件事")
    client = as_user(staff.worker)
    html = html_of(client.get(f"/matters/{m.number}/"))
    assert "桂城综合执法办" in html and "平西村调解室" not in html
    response = client.post(f"/matters/{m.number}/act/assign/", {"assignee": staff.worker2.pk})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.assignee == staff.worker2 and m.status == Status.ASSIGNED
    # Only the assignee may sign now: the form is not offered to the worker.
    assert "/act/sign/" not in html_of(client.get(f"/matters/{m.number}/"))
    client2 = as_user(staff.worker2)
    assert client2.post(f"/matters/{m.number}/act/sign/").status_code == 302
    response = client2.post(
        f"/matters/{m.number}/act/request_extension/", {"workdays": 3, "reason": "等当事人返乡"}
    )
    assert response.status_code == 302
    html = html_of(client2.get(f"/matters/{m.number}/"))
    assert "/act/approve_extension/" not in html  # not one's own
    village = as_user(staff.village)
    assert village.post(f"/matters/{m.number}/act/approve_extension/").status_code == 302
    m.refresh_from_db()
    assert m.extension_days is None
    response = village.post(
        f"/matters/{other.number}/act/transfer/", {"department": department.pk, "reason": "属执法"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.department == department
    third = new_matter(description="又一次反映")
    response = village.post(f"/matters/{third.number}/act/merge/", {"into": m.number})
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.status == Status.MERGED and third.merged_into == m


def test_step_errors_are_shown_on_the_page(as_user, staff, new_matter):
    m = new_matter()
    client = as_user(staff.worker)
    client.post(f"/matters/{m.number}/act/sign/")
    # A missing answer: the form's error, the form open, nothing changed.
    response = client.post(f"/matters/{m.number}/act/settle/", {"answer": ""})
    assert response.status_code == 400
    html = html_of(response)
    assert "这个字段是必填项" in html and 'id="action-settle" open' in html
    # The service's own check (no control characters) lands on the field too.
    response = client.post(f"/matters/{m.number}/act/settle/", {"answer": "好\x07"})
    assert response.status_code == 400 and "控制字符" in html_of(response)
    # A step the status does not allow.
    response = client.post(f"/matters/{m.number}/act/decline/", {"answer": "不受理"})
    assert response.status_code == 400 and "不能不予受理" in html_of(response)
    # In scope but not the user's to act on: the reason, not a 404.
    response = as_user(staff.viewer).post(f"/matters/{m.number}/act/note/", {"public_note": "x"})
    assert response.status_code == 403 and "无权办理进展此事项" in html_of(response)
    # An action that does not exist.
    assert client.post(f"/matters/{m.number}/act/explode/").status_code == 404
    assert client.get(f"/matters/{m.number}/act/sign/").status_code == 405
    m.refresh_from_db()
    assert m.status == Status.IN_PROGRESS and m.answer == ""


def test_calendar_warning_for_deadlines_past_the_official_calendar(as_user, staff, new_matter):
    m = new_matter(now=dt.datetime(2026, 12, 28, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    html = html_of(as_user(staff.worker).get(f"/matters/{m.number}/"))
    assert "2027年的国务院办公厅节假日安排尚未收入工作日历" in html


# ---------------------------------------------------------------------------------------------
# Inbox


def test_inbox_lists_messages_and_marks_them_read(as_user, staff, new_matter):
    m = new_matter()
    matter_act(matter=m, user=staff.village, action="supervise", note="请加快")
    client = as_user(staff.worker)
    assert html_of(client.get("/inbox/unread/")).strip().endswith(">2</span>")
    html = html_of(client.get("/inbox/"))
    assert 'class="unread"' in html and f"/matters/{m.number}/" in html
    assert "督办" in html and "新事项" in html and "2条未读" in html
    response = client.post("/inbox/read/")
    assert response.status_code == 302 and response.url == "/inbox/"
    assert not Notification.objects.filter(user=staff.worker, read_at__isnull=True).exists()
    html = html_of(client.get("/inbox/"))
    assert 'class="unread"' not in html and 'class="read"' in html
    assert 'class="nav-count"></span>' in html_of(client.get("/inbox/unread/"))
    # Another user's messages never show.
    html = html_of(as_user(staff.other_worker).get("/inbox/"))
    assert m.number not in html and "没有消息" in html


def test_menu_links_to_matters_inbox_and_measures(as_user, staff):
    html = html_of(as_user(staff.worker).get("/matters/"))
    for text in ["民情事项", "消息", "办理统计", 'hx-get="/inbox/unread/"']:
        assert text in html


# ---------------------------------------------------------------------------------------------
# Measures


def test_measures_of_the_users_node_and_its_children(as_user, staff, new_matter, grid):
    a = new_matter()
    b = new_matter(description="第二件")
    new_matter(description="平西", lat=INSIDE_B[0], lng=INSIDE_B[1])
    matter_act(matter=a, user=staff.worker, action="sign")
    matter_act(matter=a, user=staff.worker, action="settle", answer="已办结")
    Matter.objects.filter(pk=b.pk).update(deadline=dt.datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC")))
    client = as_user(staff.village)
    html = html_of(client.get("/matters/measures/"))
    assert (
        "平东村" in html and "小事不出网" in html and "大事不出村" in html and "件件有回音" in html
    )
    assert "100.0%" in html  # a settled in the micro-grid
    assert "第一村民小组" in html  # the child table
    assert b.number in html and "逾期未办结" in html  # the overdue list, with whom
    assert 'class="low"' in html  # b is past due and unanswered: 件件有回音 under 100%
    assert "平西" not in html
    # The town sees both villages as rows.
    html = html_of(as_user(staff.town).get("/matters/measures/"))
    assert "平东村" in html and "平西村" in html
    # Periods: the year, and a custom range with nothing in it.
    html = html_of(client.get("/matters/measures/", {"period": "year"}))
    assert "2026-01-01" in html
    html = html_of(
        client.get(
            "/matters/measures/", {"period": "custom", "start": "2020-01-01", "end": "2020-02-01"}
        )
    )
    assert "2020-01-01 – 2020-02-01" in html
    html = html_of(
        client.get(
            "/matters/measures/", {"period": "custom", "start": "2020-03-01", "end": "2020-02-01"}
        )
    )
    assert "截止日期不能早于起始日期" in html


# ---------------------------------------------------------------------------------------------
# Query counts


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


BOUNDS = {
    "list": BASE + 5,
    "list_filtered": BASE + 7,
    "detail": BASE + 12,
    "inbox": BASE + 4,
    "measures": BASE + 8,
}


def test_matters_pages_queries_do_not_grow_with_rows(staff, new_matter, grid):
    from django.test import Client

    first = new_matter()
    village, worker = Client(), Client()
    village.force_login(staff.village)
    worker.force_login(staff.worker)  # the one whose inbox fills up
    urls = {
        "list": (village, "/matters/"),
        "list_filtered": (village, f"/matters/?status=open&under={grid.village.code}&q=通道"),
        "detail": (village, f"/matters/{first.number}/"),
        "inbox": (worker, "/inbox/"),
        "measures": (village, "/matters/measures/"),
    }

    def grow(n: int) -> None:
        for i in range(n):
            m = new_matter(
                description=f"通道第{i}件", photos=[SimpleUploadedFile("a.png", PNG, "image/png")]
            )
            matter_act(matter=m, user=staff.village, action="supervise", note="请加快")
            matter_act(matter=first, user=staff.worker, action="note", public_note=f"进展{i}")
            Matter.objects.filter(pk=m.pk).update(
                deadline=dt.datetime(2020, 1, 1, tzinfo=ZoneInfo("UTC"))
            )

    grow(2)
    few = {name: count_queries(client, url) for name, (client, url) in urls.items()}
    grow(27)
    many = {name: count_queries(client, url) for name, (client, url) in urls.items()}
    assert few == many
    for name, bound in BOUNDS.items():
        assert many[name] <= bound, (name, many[name], bound)


def test_pages_for_users_without_assignments_and_for_superusers(as_user, make_user, new_matter):
    m = new_matter()
    client = as_user(make_user())
    assert "您还没有被分配到任何网格" in html_of(client.get("/matters/measures/"))
    assert "共 0 条" in html_of(client.get("/matters/"))
    assert client.get(f"/matters/{m.number}/").status_code == 404
    client = as_user(make_user(superuser=True))
    html = html_of(client.get("/matters/measures/"))
    assert "南海区" in html and "桂城街道" in html
    assert m.number in html_of(client.get("/matters/"))
    assert "/act/sign/" in html_of(client.get(f"/matters/{m.number}/"))
