"""The matters ledger (台账) exported from the list: the list's filters, the user's scope, the
reporters masked, the export audited; bounded queries whatever the rows."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.cases.models import Status
from gridgov.cases.services import matter_act
from gridgov.cases.tests.fixtures import INSIDE_B
from gridgov.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def csv_of(response) -> str:
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_csv_ledger_of_the_village_masks_reporters_and_is_audited(client, staff, new_matter):
    ours = new_matter(
        description="东街路灯不亮", reporter_name="张三丰", reporter_phone="13812345678"
    )
    theirs = new_matter(description="平西村的事", lat=INSIDE_B[0], lng=INSIDE_B[1])
    client.force_login(staff.village)

    text = csv_of(client.get("/matters/", {"format": "csv"}))

    lines = text.splitlines()
    assert lines[0] == "注：反映人姓名和电话，以及内容和答复中的身份证号、手机号、银行卡号已脱敏。"
    assert lines[1].startswith("编号,类别,内容,来源渠道,状态,所在网格")
    assert ours.number in text and "东街路灯不亮" in text and "矛盾纠纷" in text
    assert theirs.number not in text and "平西村的事" not in text
    assert "张三丰" not in text and "13812345678" not in text
    assert "张**" in text and "138****5678" in text
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.actor_id == staff.village.pk and entry.object_type == "cases.matter"
    assert entry.after["rows"] == 1 and entry.after["format"] == "csv"


def test_xlsx_ledger_follows_the_lists_filters(client, staff, new_matter):
    settled = new_matter(description="已经办好的事")
    matter_act(matter=settled, user=staff.worker, action="sign")
    matter_act(matter=settled, user=staff.worker, action="settle", answer="已修好")
    new_matter(description="还没办的事")
    client.force_login(staff.town)

    response = client.get("/matters/", {"status": Status.SETTLED, "format": "xlsx"})

    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert book.worksheets[0].title == "民情事项台账"
    headers, data = rows[1], rows[2:]
    assert len(data) == 1 and data[0][headers.index("编号")] == settled.number
    assert data[0][headers.index("状态")] == "已办结"
    assert data[0][headers.index("答复")] == "已修好"
    assert data[0][headers.index("按期办结")] == "是"
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.after["filters"] == {"status": Status.SETTLED}


def test_only_those_who_may_export_see_the_links_and_get_the_file(client, staff, new_matter):
    new_matter()
    client.force_login(staff.worker)  # a grid worker handles matters but does not export
    assert "format=xlsx" not in client.get("/matters/").content.decode()
    assert client.get("/matters/", {"format": "csv"}).status_code == 404
    client.force_login(staff.supervisor)  # the supervision committee views and exports
    assert "format=xlsx" in client.get("/matters/").content.decode()
    assert client.get("/matters/", {"format": "pdf"}).status_code == 404
    assert client.get("/matters/", {"format": "csv"}).status_code == 200


def test_queries_do_not_grow_with_the_rows(client, staff, new_matter):
    client.force_login(staff.village)
    new_matter()

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            csv_of(client.get("/matters/", {"format": "csv"}))
        return len(ctx.captured_queries)

    few = queries()
    for _ in range(5):
        new_matter()
    assert queries() == few
