"""The import page (upload, dry run, errors, report, background progress) and list exports."""

from __future__ import annotations

import csv
import io
import threading

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.core import jobs
from gridgov.core.models import AuditEntry, Job, JobStatus
from gridgov.dataio import views as imports
from gridgov.people.models import Household

HEADER = ["户编号", "微网格代码", "住址", "低保户"]


def households_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client, content: bytes, *, name="户.csv", kind="households", dry_run=False):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/import/", data)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_import_page_lists_kinds_and_serves_templates(cadre_client, world):
    html = cadre_client.get("/import/").content.decode()
    for label in ["网格", "党组织", "户", "人员", "党员", "网格岗位"]:
        assert f"<summary>{label}</summary>" in html
    response = cadre_client.get("/import/template/households/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in next(book.worksheets[0].iter_rows(max_row=1))]
    assert any(str(h).startswith("户编号") for h in headers)
    assert cadre_client.get("/import/template/nope/").status_code == 404


def test_dry_run_checks_and_saves_nothing(cadre_client, world):
    mg = world.tree.microgrid.code
    content = households_csv([[f"{mg}9001", mg, "东街2号", "是"], [f"{mg}9002", mg, "", "否"]])
    response = upload(cadre_client, content, dry_run=True)
    assert response.status_code == 302
    html = cadre_client.get(response.url).content.decode()
    assert "检查通过" in html and "将新增" in html
    assert not Household.objects.filter(number__startswith=f"{mg}900").exists()


def test_a_passed_dry_run_is_imported_without_uploading_again(cadre_client, world, make_user):
    mg = world.tree.microgrid.code
    response = upload(
        cadre_client, households_csv([[f"{mg}9001", mg, "东街2号", "是"]]), dry_run=True
    )
    dry_id = response.url.rstrip("/").rsplit("/", 1)[1]
    html = cadre_client.get(response.url).content.decode()
    assert f'action="/import/jobs/{dry_id}/commit/"' in html
    assert [p.suffix for p in jobs.jobs_dir().iterdir()] == [".sealed"]  # kept, sealed
    other = Client()
    other.force_login(make_user(Role.VILLAGE_CADRE, world.tree.village))
    assert other.post(f"/import/jobs/{dry_id}/commit/").status_code == 404
    assert cadre_client.get(f"/import/jobs/{dry_id}/commit/").status_code == 405
    response = cadre_client.post(f"/import/jobs/{dry_id}/commit/")
    assert response.status_code == 302
    html = cadre_client.get(response.url).content.decode()
    assert "导入完成" in html and "正式导入此文件" not in html
    assert Household.objects.filter(number=f"{mg}9001", is_dibao=True).exists()
    assert not list(jobs.jobs_dir().iterdir())
    assert cadre_client.post(f"/import/jobs/{dry_id}/commit/").status_code == 404


def test_import_creates_and_shows_counts(cadre_client, world):
    mg = world.tree.microgrid.code
    content = households_csv([[f"{mg}9001", mg, "东街2号", "是"], [f"{mg}9002", mg, "", "否"]])
    response = upload(cadre_client, content)
    html = cadre_client.get(response.url).content.decode()
    assert "导入完成" in html
    created = Household.objects.filter(number__startswith=f"{mg}900")
    assert created.count() == 2 and created.get(number=f"{mg}9001").is_dibao
    assert not list(jobs.jobs_dir().iterdir())  # the upload is removed afterwards


def test_errors_are_listed_with_row_column_value_reason_and_a_report(
    cadre_client, world, make_user
):
    mg = world.tree.microgrid.code
    content = households_csv([[f"{mg}9001", mg, "东街2号", "是"], [f"{mg}9002", "123", "", "也许"]])
    response = upload(cadre_client, content)
    job_url = response.url
    html = cadre_client.get(job_url).content.decode()
    assert "没有保存任何数据" in html
    for header in ["行号", "列", "值", "原因"]:
        assert f"<th>{header}</th>" in html
    assert "也许" in html or "123" in html
    assert not Household.objects.filter(number__startswith=f"{mg}900").exists()
    job_id = job_url.rstrip("/").rsplit("/", 1)[1]
    report = cadre_client.get(f"/import/jobs/{job_id}/report/")
    assert report.status_code == 200
    assert report["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(report.content))
    assert book.worksheets[0].max_row >= 2
    # Another user sees neither the job nor its report.
    other = Client()
    other.force_login(make_user(Role.VILLAGE_CADRE, world.tree.village))
    assert other.get(job_url).status_code == 404
    assert other.get(f"/import/jobs/{job_id}/report/").status_code == 404


def test_rows_outside_the_users_scope_are_refused(cadre_client, world):
    other = world.tree.other_microgrid.code
    response = upload(cadre_client, households_csv([[f"{other}9001", other, "西街", "否"]]))
    html = cadre_client.get(response.url).content.decode()
    assert "发现 1 处错误" in html and "<th>原因</th>" in html
    row = html.split("<tbody>")[-1].split("</tr>")[0]
    assert ">2</td>" in row and "微网格代码" in row and other in row
    assert not Household.objects.filter(number=f"{other}9001").exists()


def test_bad_files_are_refused_before_importing(cadre_client, world, settings):
    response = upload(cadre_client, b"hello", name="notes.txt")
    assert response.status_code == 200 and "只接受 .xlsx 或 .csv 文件" in response.content.decode()
    settings.GRIDGOV_IMPORT_MAX_BYTES = 10
    response = upload(cadre_client, households_csv([]))
    assert response.status_code == 200 and "文件太大" in response.content.decode()
    assert not list(jobs.jobs_dir().iterdir())


def test_import_needs_the_import_permission(client, world, make_user):
    client.force_login(make_user(Role.VIEWER, world.tree.village))
    assert client.get("/import/").status_code == 404
    assert client.get("/import/template/households/").status_code == 404
    assert 'href="/import/"' not in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_big_imports_run_in_the_background_and_report_progress(cadre_client, world, monkeypatch):
    # The thread is held at its start while the page is polled: SQLite's in-memory test
    # database locks whole tables, so the test's requests must not overlap the import's write.
    monkeypatch.setattr(imports, "INLINE_BYTES", 0)
    go, threads = threading.Event(), []
    real_run, real_start = imports._run, imports.job_start

    def held_run(*args):
        assert go.wait(30)
        return real_run(*args)

    def recording_start(job, work, **kwargs):
        threads.append(real_start(job, work, **kwargs))
        return threads[-1]

    monkeypatch.setattr(imports, "_run", held_run)
    monkeypatch.setattr(imports, "job_start", recording_start)
    mg = world.tree.microgrid.code
    content = households_csv([[f"{mg}9{i:03d}", mg, f"东街{i}号", "否"] for i in range(40)])
    response = upload(cadre_client, content)
    assert response.status_code == 302 and len(threads) == 1
    progress_url = response.url + "progress/"
    html = cadre_client.get(response.url).content.decode()
    assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 1s"' in html
    fragment = cadre_client.get(progress_url).content.decode()
    # Queued until its thread has marked it running (which may come first on PostgreSQL).
    assert "排队中" in fragment or "正在导入" in fragment
    assert 'hx-trigger="every 1s"' in fragment and "<html" not in fragment
    go.set()
    threads[0].join(60)
    assert not threads[0].is_alive()
    fragment = cadre_client.get(progress_url).content.decode()
    assert "导入完成" in fragment and "every 1s" not in fragment
    assert Household.objects.filter(number__startswith=f"{mg}9").count() == 40


def test_running_jobs_show_rows_done(cadre_client, world):
    job = jobs.job_create(owner=world.cadre, kind="import", params={"kind": "households"})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker=jobs._worker_id())
    jobs._LIVE.add(job.id.hex)  # as a running job of this process is
    beat = jobs._Heartbeat(job.id)
    beat.start()
    try:
        beat.progress(20, 40)
        beat.write()
        fragment = cadre_client.get(f"/import/jobs/{job.id.hex}/progress/").content.decode()
    finally:
        beat.stop()
        jobs._LIVE.discard(job.id.hex)
    assert "正在导入" in fragment and "已处理 20 / 40 行" in fragment
    assert 'value="50"' in fragment and 'hx-trigger="every 1s"' in fragment


# Exports: the same filtered queryset as the page, through dataio.exports.export_to.


def test_export_csv_of_the_filtered_list(cadre_client, world, make_household):
    make_household(address="另一户")
    response = cadre_client.get("/households/", {"tag": "dibao", "format": "csv"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert world.household.number in text and "另一户" not in text
    assert world.other_household.number not in text
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.actor_id == world.cadre.pk and entry.after["filters"] == {"tag": "dibao"}


def test_export_xlsx_of_persons_masks_ids_and_stays_in_scope(cadre_client, world):
    response = cadre_client.get(
        "/persons/", {"under": world.tree.other_village.code, "format": "xlsx"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [str(c.value) for row in book.worksheets[0].iter_rows() for c in row]
    assert "赵秘密" not in cells
    response = cadre_client.get("/persons/", {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row)
    assert "陈大明" in text and world.head.id_masked in text
    assert world.head_id_number not in text and "13812345678" not in text


@pytest.mark.parametrize("path", ["/orgs/", "/members/"])
def test_export_orgs_and_members(cadre_client, world, path):
    name = "平东村党支部" if path == "/orgs/" else world.head.id_masked
    response = cadre_client.get(path, {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert name in text and "平西村" not in text


def test_export_needs_the_export_permission(client, world, make_user):
    client.force_login(make_user(Role.GROUP_LEADER, world.tree.village))
    html = client.get("/households/").content.decode()
    assert "format=xlsx" not in html
    assert client.get("/households/", {"format": "csv"}).status_code == 404
    assert client.get("/households/", {"format": "pdf"}).status_code == 404
