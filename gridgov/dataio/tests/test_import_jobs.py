"""Import jobs that die are seen to die, and no end of an import leaves personal data in clear.

Every end path is driven through the import page with a persons file that holds a known
citizen ID, then the var folder and the job's columns are searched for the ID's bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from gridgov.conftest import new_citizen_id
from gridgov.core import jobs
from gridgov.core.models import Job, JobStatus
from gridgov.dataio import views as imports
from gridgov.people.models import Household, Person

INTERRUPTED_TEXT = "导入进程已中断，未保存任何数据，请重新导入"
PERSONS = ["身份证号", "姓名", "户编号", "与户主关系"]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def citizen_id() -> str:
    return new_citizen_id(birth=dt.date(1991, 2, 3), sex="F")


def persons_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PERSONS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client, content: bytes, *, kind="persons", dry_run=False):
    data = {"kind": kind, "file": SimpleUploadedFile("人员.csv", content, content_type="text/csv")}
    if dry_run:
        data["dry_run"] = "on"
    response = client.post("/import/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url


def job_of(url: str) -> Job:
    return Job.objects.get(pk=url.rstrip("/").rsplit("/", 1)[1])


def files_holding(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def assert_nothing_in_clear(root: Path, citizen_id: str) -> None:
    assert files_holding(root, citizen_id) == []
    for job in Job.objects.all():
        for value in (job.params, job.result, job.failure, job.worker):
            assert citizen_id not in str(value)
        for blob in (job.sealed, job.report):
            assert blob is None or citizen_id.encode() not in bytes(blob)


@pytest.mark.parametrize("spooled", [False, True])
def test_an_import_that_stores_leaves_no_file(
    cadre_client, world, var_dir, citizen_id, settings, spooled
):
    if spooled:  # received through Django's temporary file, as uploads over 5 MB are
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
        settings.FILE_UPLOAD_TEMP_DIR = var_dir / "incoming"
        settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    content = persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    url = upload(cadre_client, content)
    assert "导入完成" in cadre_client.get(url).content.decode()
    assert Person.objects.filter(name="陈小红").exists()
    assert not list(jobs.jobs_dir().iterdir())
    assert_nothing_in_clear(var_dir, citizen_id)


def test_a_dry_run_keeps_its_file_sealed_only(cadre_client, world, var_dir, citizen_id):
    content = persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    url = upload(cadre_client, content, dry_run=True)
    assert "检查通过" in cadre_client.get(url).content.decode()
    assert [p.suffix for p in jobs.jobs_dir().iterdir()] == [".sealed"]
    assert_nothing_in_clear(var_dir, citizen_id)
    committed = cadre_client.post(url + "commit/")
    assert "导入完成" in cadre_client.get(committed.url).content.decode()
    assert Person.objects.filter(name="陈小红").exists()  # the sealed file opened as it was
    assert not list(jobs.jobs_dir().iterdir())
    assert_nothing_in_clear(var_dir, citizen_id)


@pytest.mark.parametrize("dry_run", [False, True])
def test_errors_are_shown_to_their_owner_and_sealed_at_rest(
    cadre_client, world, var_dir, citizen_id, dry_run
):
    # An ID typed into the wrong column: the error quotes the value, on the page and in the
    # report (the ID column's own errors are masked by the validator; other columns are not).
    other_id = new_citizen_id(birth=dt.date(1992, 4, 5))
    rows = [[other_id, "陈小红", world.household.number, citizen_id]]
    url = upload(cadre_client, persons_csv(rows), dry_run=dry_run)
    html = cadre_client.get(url).content.decode()
    assert "没有保存任何数据" in html and citizen_id in html
    report = cadre_client.get(url + "report/")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert any(citizen_id in str(cell.value) for row in sheet.iter_rows() for cell in row)
    assert not Person.objects.filter(name__in=["陈小红", "陈小兰"]).exists()
    assert not list(jobs.jobs_dir().iterdir())
    assert_nothing_in_clear(var_dir, citizen_id)


def test_an_exception_fails_the_job_and_removes_its_file(
    cadre_client, world, var_dir, citizen_id, monkeypatch
):
    from gridgov.dataio import services

    seen = []

    def broken(*, path, **kwargs):
        seen.append(path.read_bytes())
        raise RuntimeError(f"bad row {citizen_id}")  # its text must reach neither page nor row

    monkeypatch.setattr(services, "import_file", broken)
    url = upload(
        cadre_client, persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    )
    html = cadre_client.get(url).content.decode()
    assert citizen_id.encode() in seen[0]  # the file was there while the job ran
    assert "导入失败，没有保存任何数据" in html and "RuntimeError" in html
    assert citizen_id not in html and "every 1s" not in html
    assert job_of(url).status == JobStatus.FAILED
    assert not list(jobs.jobs_dir().iterdir())
    assert_nothing_in_clear(var_dir, citizen_id)


@pytest.mark.django_db(transaction=True)
def test_a_background_import_leaves_no_file(cadre_client, world, var_dir, citizen_id, monkeypatch):
    monkeypatch.setattr(imports, "INLINE_BYTES", 0)
    threads: list[threading.Thread] = []
    real_start = imports.job_start

    def recording_start(job, work, **kwargs):
        threads.append(real_start(job, work, **kwargs))
        return threads[-1]

    monkeypatch.setattr(imports, "job_start", recording_start)
    url = upload(
        cadre_client, persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    )
    threads[0].join(60)
    assert "导入完成" in cadre_client.get(url).content.decode()
    assert not list(jobs.jobs_dir().iterdir())
    assert_nothing_in_clear(var_dir, citizen_id)


def _running_job(world, *, worker: str, beat_age: float, content: bytes) -> Job:
    job = jobs.job_create(
        owner=world.cadre,
        kind="import",
        params={"kind": "persons", "filename": "人员.csv", "suffix": ".csv", "dry_run": False},
    )
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        worker=worker,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=beat_age),
    )
    jobs.input_path(job, ".csv").write_bytes(content)
    return job


def test_a_job_whose_thread_died_fails_on_its_page(cadre_client, world, var_dir, citizen_id):
    # This process, which does not run it any more (its thread died): failed at once.
    content = persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    job = _running_job(world, worker=jobs._worker_id(), beat_age=0, content=content)
    html = cadre_client.get(f"/import/jobs/{job.id.hex}/progress/").content.decode()
    assert INTERRUPTED_TEXT in html and "every 1s" not in html
    job.refresh_from_db()
    assert (job.status, job.failure) == (JobStatus.FAILED, jobs.INTERRUPTED)
    assert not list(jobs.jobs_dir().iterdir())
    assert_nothing_in_clear(var_dir, citizen_id)


@pytest.mark.parametrize(
    ("beat_age", "lost"), [(jobs.STALE_AFTER - 5, False), (jobs.STALE_AFTER + 5, True)]
)
def test_a_job_of_another_host_is_lost_when_its_heartbeat_is_stale(
    cadre_client, world, var_dir, citizen_id, beat_age, lost
):
    content = persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    job = _running_job(world, worker="elsewhere:4242:abcd", beat_age=beat_age, content=content)
    html = cadre_client.get(f"/import/jobs/{job.id.hex}/").content.decode()
    assert (INTERRUPTED_TEXT in html) is lost
    assert ("正在导入" in html) is not lost
    assert bool(list(jobs.jobs_dir().iterdir())) is not lost


def test_the_sweep_fails_lost_jobs_and_deletes_their_files(world, var_dir, citizen_id):
    content = persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    lost = _running_job(
        world, worker="elsewhere:1:abcd", beat_age=jobs.STALE_AFTER + 1, content=content
    )
    live = _running_job(world, worker="elsewhere:2:abcd", beat_age=1, content=content)
    orphan = jobs.jobs_dir() / ("0" * 32 + ".work.csv")  # a file whose job row is gone
    orphan.write_bytes(content)
    os.utime(orphan, (time.time() - jobs.STALE_AFTER - 1,) * 2)
    legacy = var_dir / "uploads"  # the earlier design's clear uploads and reports
    legacy.mkdir()
    (legacy / "abc.csv").write_bytes(content)
    result = jobs.jobs_sweep()
    assert result.failed == 1
    assert sorted(result.removed) == sorted([f"{lost.id.hex}.work.csv", orphan.name, "abc.csv"])
    lost.refresh_from_db()
    live.refresh_from_db()
    assert (lost.status, lost.failure) == (JobStatus.FAILED, jobs.INTERRUPTED)
    assert live.status == JobStatus.RUNNING
    assert [p.name for p in jobs.jobs_dir().iterdir()] == [f"{live.id.hex}.work.csv"]


def test_the_tick_sweeps(world, var_dir, citizen_id):
    from gridgov.cases.tick import matters_tick

    content = persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    job = _running_job(world, worker=jobs._worker_id(), beat_age=0, content=content)
    matters_tick()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not list(jobs.jobs_dir().iterdir())


def _wait_for_sessions_to_end(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
    raise AssertionError("the killed worker's database session did not end")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_seen_to_die_with_nothing_stored(
    cadre_client, world, var_dir, citizen_id
):
    mg = world.tree.microgrid.code
    rows = [[f"{mg}8{i:03d}", mg, f"西街{i}号", "否"] for i in range(30)]
    rows[0][2] = f"西街0号（户主 {citizen_id}）"  # a known ID in the file, to search for later
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["户编号", "微网格代码", "住址", "低保户"], *rows])
    content = buffer.getvalue().encode()
    job = jobs.job_create(
        owner=world.cadre,
        kind="import",
        params={"kind": "households", "filename": "户.csv", "suffix": ".csv", "dry_run": False},
    )
    path = jobs.input_path(job, ".csv")
    path.write_bytes(content)
    marker = var_dir / "loaded"
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": _database_url(),
        "GRIDGOV_VAR_DIR": str(var_dir),
        "PYTHONPATH": str(Path(__file__).resolve().parents[3]),
    }
    env.pop("GRIDGOV_TEST_DB_NAME", None)
    script = Path(__file__).with_name("killed_import.py")
    worker = subprocess.Popen(
        [sys.executable, str(script), job.id.hex, str(path), str(marker)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert worker.poll() is None, worker.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the worker never loaded its rows"
            time.sleep(0.1)
        assert marker.read_text() == "30"  # every row written in its transaction
        job.refresh_from_db()
        # Alive while its process runs. (Read without a request: on SQLite the worker holds the
        # write lock, and a signed-in request may write its session.)
        assert job.status == JobStatus.RUNNING and jobs._alive(job)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    if connection.vendor == "postgresql":  # the server ends the killed client's session
        _wait_for_sessions_to_end()
    html = cadre_client.get(f"/import/jobs/{job.id.hex}/").content.decode()
    assert INTERRUPTED_TEXT in html and "every 1s" not in html
    job.refresh_from_db()
    assert (job.status, job.failure) == (JobStatus.FAILED, jobs.INTERRUPTED)
    assert not Household.objects.filter(number__startswith=f"{mg}8").exists()
    marker.unlink()
    assert not list(jobs.jobs_dir().iterdir())
    assert_nothing_in_clear(var_dir, citizen_id)


def test_the_interruption_is_said_in_english_too(cadre_client, world, citizen_id):
    content = persons_csv([[citizen_id, "陈小红", world.household.number, "子女"]])
    job = _running_job(world, worker=jobs._worker_id(), beat_age=0, content=content)
    cadre_client.cookies["django_language"] = "en"
    html = cadre_client.get(f"/import/jobs/{job.id.hex}/").content.decode()
    assert "The import process was interrupted. Nothing was saved" in html
    assert "the uploaded file has been deleted" in html
