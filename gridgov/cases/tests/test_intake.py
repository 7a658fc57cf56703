"""Intake: routing by household, point, tolerance, place, address, the town's inbox; deadlines;
bad input, each a clear error with nothing stored."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.cases.deadlines import workdays_for
from gridgov.cases.intake import PlaceOutOfScope, matter_create
from gridgov.cases.models import Category, Matter, MatterEvent, MatterPhoto
from gridgov.cases.routing import RoutedBy
from gridgov.core.models import AuditEntry, CalendarDay

from .fixtures import INSIDE_A, INSIDE_B, LAT0, LNG0

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_household_decides_the_grid(new_matter, make_household, grid):
    household = make_household(grid.other_microgrid)
    matter = new_matter(household=household)
    assert matter.grid_node == grid.other_microgrid and matter.routed_by == RoutedBy.HOUSEHOLD


def test_point_inside_a_boundary(new_matter, grid):
    matter = new_matter(lat=INSIDE_B[0], lng=INSIDE_B[1])
    assert matter.grid_node == grid.other_microgrid and matter.routed_by == RoutedBy.INSIDE


def test_a_point_routes_to_the_micro_grids_row_kept_by_the_index(new_matter, grid):
    """The index keeps its micro-grids' rows: routing reads none, hands out a copy, and a
    changed micro-grid is seen once the index is rebuilt."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gridgov.cases.routing import route_matter
    from gridgov.grid.locate import microgrid_index, microgrid_index_reset
    from gridgov.grid.models import GridNode

    category = Category.objects.get(code="dispute")  # starts in the micro-grid
    microgrid_index_reset()
    microgrid_index()
    with CaptureQueriesContext(connection) as queries:
        route = route_matter(category=category, lat=INSIDE_B[0], lng=INSIDE_B[1])
    assert route.place == grid.other_microgrid and route.handler == route.place
    assert not [q for q in queries.captured_queries if "grid_gridnode" in q["sql"]]
    assert route.place.name == grid.other_microgrid.name and route.place.parent_id
    assert {"boundary", "households_count"} <= route.place.get_deferred_fields()
    route.place.name = "改了副本"
    again = route_matter(category=category, lat=INSIDE_B[0], lng=INSIDE_B[1]).place
    assert again.name == grid.other_microgrid.name and again is not route.place
    GridNode.objects.filter(pk=grid.other_microgrid.pk).update(name="平西一号微网格")
    microgrid_index_reset()
    assert route_matter(category=category, lat=INSIDE_B[0], lng=INSIDE_B[1]).place.name == (
        "平西一号微网格"
    )


def test_point_near_a_grid_within_tolerance(new_matter, grid):
    # ≈ 100 m south of micro-grid A: within the 300 m tolerance.
    matter = new_matter(lat=LAT0 - 0.0009, lng=LNG0 + 0.005)
    assert matter.grid_node == grid.microgrid and matter.routed_by == RoutedBy.NEAREST


def test_point_beyond_tolerance_goes_to_the_towns_inbox(new_matter, grid):
    matter = new_matter(lat=LAT0 - 0.05, lng=LNG0 + 0.005)  # ≈ 5.5 km away
    assert matter.grid_node == grid.town and matter.handler_node == grid.town
    assert matter.routed_by == RoutedBy.TOWN_INBOX


def test_place_chosen_on_the_form_lifts_to_the_category_level(new_matter, grid):
    matter = new_matter(place=grid.other_village)
    assert matter.grid_node == grid.other_village and matter.handler_node == grid.other_village
    poverty = Category.objects.get(code="poverty_risk")
    matter = new_matter(category=poverty, lat=INSIDE_A[0], lng=INSIDE_A[1])
    assert matter.grid_node == grid.microgrid and matter.handler_node == grid.village


def test_address_naming_a_village(new_matter, grid):
    matter = new_matter(address="桂城街道平西村文化室门口")
    assert matter.grid_node == grid.other_village and matter.routed_by == RoutedBy.ADDRESS


def test_address_naming_nothing_goes_to_the_top(new_matter, grid):
    matter = new_matter(address="不知道哪里")
    assert matter.grid_node == grid.county and matter.routed_by == RoutedBy.TOP


@pytest.mark.parametrize(
    ("kind_code", "days"),
    [("policy", 2), ("dispute", 10), ("suggestion", 10), ("environment", 15), ("safety", 15)],
)
def test_default_time_limits_by_kind(kind_code, days):
    assert workdays_for(Category.objects.get(code=kind_code), "microgrid") == days


def test_category_and_level_limits_override(category):
    category.deadline_workdays = 5
    category.level_workdays = {"town": 15}
    assert workdays_for(category, "microgrid") == 5
    assert workdays_for(category, "town") == 15


def test_deadline_over_national_day(new_matter):
    # An enquiry (2 working days) received on Wed 2026-09-30: Oct 1-7 are holidays, so the
    # working days after are Thu Oct 8 and Fri Oct 9 (Sat Oct 10 is a make-up workday too).
    received = dt.datetime(2026, 9, 30, 10, tzinfo=CST)
    matter = new_matter(category=Category.objects.get(code="policy"), now=received)
    assert matter.deadline.astimezone(CST).date() == dt.date(2026, 10, 9)
    assert matter.warn_at == matter.deadline - dt.timedelta(hours=24)


def test_deadline_into_an_unannounced_year_uses_entered_holidays(new_matter):
    # Received Thu 2026-12-31; 2027 is not in the package: weekends plus entered days.
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    received = dt.datetime(2026, 12, 31, 10, tzinfo=CST)
    matter = new_matter(category=Category.objects.get(code="policy"), now=received)
    # Fri Jan 1 entered as a holiday, weekend Jan 2-3: Mon Jan 4 and Tue Jan 5.
    assert matter.deadline.astimezone(CST).date() == dt.date(2027, 1, 5)


def test_photos_are_kept_with_their_checked_type(new_matter):
    photos = [
        SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        SimpleUploadedFile("b.jpg", JPEG, content_type="image/jpeg"),
    ]
    matter = new_matter(photos=photos)
    assert list(
        MatterPhoto.objects.filter(matter=matter).values_list("content_type", flat=True)
    ) == [
        "image/png",
        "image/jpeg",
    ]


def test_reporter_is_encrypted_and_anonymous_keeps_nothing(new_matter):
    named = new_matter(reporter_name="李四", reporter_phone="13912345678")
    raw = Matter.objects.filter(pk=named.pk).values_list("reporter_phone_cipher", flat=True)[0]
    assert b"13912345678" not in bytes(raw)
    assert named.reporter_phone == "13912345678" and named.reporter_name == "李四"
    anonymous = new_matter(reporter_name="李四", reporter_phone="13912345678", anonymous=True)
    assert anonymous.reporter_name_cipher is None and anonymous.reporter_phone_cipher is None


BAD = [
    ({"description": "   "}, "description", "不能为空"),
    ({"description": "字" * 4001}, "description", "最长4000"),
    ({"description": "控制\x07字符"}, "description", "控制字符"),
    ({"lat": 40.7, "lng": -74.0}, "lng", "不在中国境内"),
    ({"lat": 60.0, "lng": 100.0}, "lat", "不在中国境内"),
    ({"lat": 23.0, "lng": None}, "lat", "同时提供"),
    ({"reporter_phone": "110"}, "reporter_phone", "格式不对"),
    (
        {"photos": [SimpleUploadedFile("x.jpg", b"MZ\x90\x00" * 20, content_type="image/jpeg")]},
        "photos",
        "不是JPEG",
    ),
    (
        {"photos": [SimpleUploadedFile("x.png", PNG, content_type="image/jpeg")]},
        "photos",
        "声称是image/jpeg",
    ),
    (
        {"photos": [SimpleUploadedFile("big.png", PNG + b"\x00" * (5 * 1024 * 1024), "image/png")]},
        "photos",
        "超过5MB",
    ),
    (
        {"photos": [SimpleUploadedFile(f"{i}.png", PNG, "image/png") for i in range(5)]},
        "photos",
        "最多上传4张",
    ),
]


@pytest.mark.parametrize(("fields", "field", "reason"), BAD)
def test_bad_input_names_the_field_and_stores_nothing(new_matter, fields, field, reason):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        new_matter(**fields)
    messages = caught.value.message_dict
    assert field in messages and reason in " ".join(messages[field])
    assert Matter.objects.count() == 0 and MatterEvent.objects.count() == 0
    assert MatterPhoto.objects.count() == 0 and AuditEntry.objects.count() == audit_before


def test_intake_refuses_a_place_outside_the_acting_users_scope(new_matter, staff, grid):
    """The service itself checks where routing puts the matter, no callback needed: micro-grid
    A's worker may not register a point that falls in B, and nothing is stored, photo included."""
    audit_before = AuditEntry.objects.count()
    photo = SimpleUploadedFile("a.png", PNG, "image/png")
    with pytest.raises(PlaceOutOfScope) as caught:
        new_matter(lat=INSIDE_B[0], lng=INSIDE_B[1], photos=[photo], acting_user=staff.worker)
    assert caught.value.place == grid.other_microgrid
    assert Matter.objects.count() == 0 and MatterEvent.objects.count() == 0
    assert MatterPhoto.objects.count() == 0 and AuditEntry.objects.count() == audit_before
    matter = new_matter(lat=INSIDE_A[0], lng=INSIDE_A[1], acting_user=staff.worker)
    assert matter.grid_node == grid.microgrid


def test_missing_location_is_refused(staff, category):
    with pytest.raises(ValidationError) as caught:
        matter_create(category=category, description="有事", channel="staff")
    assert "location" in caught.value.message_dict
    assert Matter.objects.count() == 0


def test_inactive_category_is_refused(new_matter, category):
    category.is_active = False
    category.save()
    with pytest.raises(ValidationError, match="停用"):
        new_matter()


# Outside any transaction, as a request runs: on PostgreSQL the matter, its event, the
# handlers' messages and the audit entry are then one statement, the row's key drawn first.
@pytest.mark.django_db(transaction=True)
def test_intake_outside_a_transaction_stores_the_matter_and_all_it_announces(
    default_categories, new_matter, staff
):
    from django.utils import timezone

    from gridgov.cases.models import Notification
    from gridgov.cases.numbering import matter_serial
    from gridgov.core.audit import audit_verify

    matter = new_matter()
    stored = Matter.objects.get(pk=matter.pk)
    assert stored.number == matter.number
    day = f"{timezone.localtime(stored.received_at):%Y%m%d}"
    assert matter.number == day + matter_serial(matter.pk)
    assert stored.grid_path == matter.grid_path and stored.deadline == matter.deadline
    assert [e.action for e in MatterEvent.objects.filter(matter=matter)] == ["create"]
    assert matter.timeline[0].pk == MatterEvent.objects.get(matter=matter).pk
    assert list(Notification.objects.filter(matter=matter).values_list("user_id", flat=True))
    entry = AuditEntry.objects.get(action="matter.create", object_id=str(matter.pk))
    assert entry.after["number"] == matter.number
    assert audit_verify().ok
