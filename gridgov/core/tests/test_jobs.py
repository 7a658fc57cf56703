"""Sealed files, the liveness of jobs at its boundaries, ownership, retention and the sweep."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from gridgov.core import crypto, jobs, sealed
from gridgov.core.models import Job, JobStatus
from gridgov.core.rules import all_rules, rule_value

KEY_A, KEY_B = "11" * 32, "22" * 32


@pytest.fixture
def data_key(settings):
    def use(current: str, previous: str = "") -> None:
        settings.DATA_KEY, settings.DATA_KEY_PREVIOUS = current, previous
        crypto.cipher.cache_clear()
        crypto.previous_ciphers.cache_clear()

    yield use
    crypto.cipher.cache_clear()
    crypto.previous_ciphers.cache_clear()


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096 + 5])
def test_sealing_round_trips_every_size(monkeypatch, size):
    monkeypatch.setattr(sealed, "CHUNK", 4096)
    value = os.urandom(size)
    blob = sealed.seal(value)
    assert sealed.unseal(blob) == value
    assert size < 16 or value not in blob  # (a byte or two may occur anywhere by chance)


def test_a_sealed_file_opens_into_a_file(tmp_path):
    source, target, back = tmp_path / "a.csv", tmp_path / "a.sealed", tmp_path / "b.csv"
    source.write_bytes("身份证号\n440605199001011234\n".encode())
    sealed.seal_file(source, target)
    assert b"440605199001011234" not in target.read_bytes()
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    sealed.unseal_file(target, back)
    assert back.read_bytes() == source.read_bytes()


def test_a_cut_or_changed_blob_does_not_open(monkeypatch):
    monkeypatch.setattr(sealed, "CHUNK", 16)
    blob = sealed.seal(b"x" * 40)  # three chunks: 16, 16, 8
    record = 4 + 16 + 16
    head = len(sealed.MAGIC) + 1 + 8
    cut_at_record = blob[: head + 2 * record]
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    swapped = blob[:head] + blob[head + record : head + 2 * record] + blob[head : head + record]
    swapped += blob[head + 2 * record :]
    for bad in (cut_at_record, blob[:-3], flipped, swapped, b"", b"GGS1", b"not sealed"):
        with pytest.raises(sealed.SealError):
            sealed.unseal(bad)


def test_a_blob_opens_under_a_previous_key_and_not_under_another(data_key, tmp_path):
    data_key(KEY_A)
    blob = sealed.seal(b"report")
    data_key(KEY_B, previous=KEY_A)
    assert sealed.unseal(blob) == b"report"
    data_key(KEY_B)
    with pytest.raises(sealed.SealError):
        sealed.unseal(blob)
    (tmp_path / "x.sealed").write_bytes(blob)
    with pytest.raises(sealed.SealError):
        sealed.unseal_file(tmp_path / "x.sealed", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()  # nothing half-written left behind


def _job(user, **fields) -> Job:
    job = jobs.job_create(owner=user, kind="import", params={"kind": "households"})
    if fields:
        Job.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def test_liveness_at_the_staleness_boundary(db, make_user):
    job = _job(make_user(), status=JobStatus.RUNNING, worker="elsewhere:1:abcd")
    last = job.heartbeat_at.timestamp()
    assert jobs._alive(job, now=last + jobs.STALE_AFTER)
    assert not jobs._alive(job, now=last + jobs.STALE_AFTER + 0.01)


def test_a_heartbeat_file_newer_than_the_row_keeps_a_job_alive(db, make_user):
    job = _job(
        make_user(),
        status=JobStatus.RUNNING,
        worker="elsewhere:1:abcd",
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert not jobs._alive(job)
    jobs._Heartbeat(job.id).write()
    assert jobs._alive(job)


def test_a_job_of_an_ended_process_on_this_host_is_lost_at_once(db, make_user):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    host = socket.gethostname()
    user = make_user()
    gone = _job(user, status=JobStatus.RUNNING, worker=f"{host}:{ended.pid}:abcd")
    running = _job(user, status=JobStatus.RUNNING, worker=f"{host}:{os.getppid()}:abcd")
    earlier = _job(user, status=JobStatus.RUNNING, worker=f"{host}:{os.getpid()}:other")
    assert not jobs._alive(gone)  # fresh heartbeat, but its process is gone
    assert jobs._alive(running)  # a live process: its heartbeat decides
    assert not jobs._alive(earlier)  # this pid, an earlier process's token


def test_a_job_is_its_owners_only(db, make_user):
    owner, other = make_user(), make_user()
    job = _job(owner)
    assert jobs.job_get(job.id.hex, owner=owner) == job
    assert jobs.job_get(job.id.hex, owner=other) is None
    for bad in ("", "x" * 32, job.id.hex[:-1], str(job.id), "../" + job.id.hex[3:]):
        assert jobs.job_get(bad, owner=owner) is None


def test_an_exception_in_the_work_fails_the_job_and_deletes_its_input(db, make_user, caplog):
    job = _job(make_user())
    path = jobs.input_path(job, ".csv")
    path.write_bytes(b"data")

    number = "".join(["440605", "19900101", "1234"])  # not in the source line the frame shows

    def work(progress):
        raise ValueError(f"row 3: {number}")

    jobs.job_start(job, work, input_file=path, background=False)
    job.refresh_from_db()
    assert (job.status, job.failure) == (JobStatus.FAILED, "ValueError")
    assert not list(jobs.jobs_dir().iterdir())
    assert "ValueError" in caplog.text and "work" in caplog.text  # the class and the frames
    assert number not in caplog.text  # not the message, which quotes a row


def test_finished_jobs_and_kept_files_are_forgotten_after_their_retention(db, make_user):
    user, now = make_user(), timezone.now()
    days = dt.timedelta(days=rule_value(jobs.KEEP_RESULTS_DAYS))
    hours = dt.timedelta(hours=rule_value(jobs.KEEP_INPUT_HOURS))
    old = _job(user, status=JobStatus.DONE, finished_at=now - days - dt.timedelta(seconds=1))
    recent = _job(user, status=JobStatus.DONE, finished_at=now - days + dt.timedelta(seconds=1))
    kept = _job(user, status=JobStatus.DONE, finished_at=now - hours + dt.timedelta(seconds=1))
    stale = _job(user, status=JobStatus.DONE, finished_at=now - hours - dt.timedelta(seconds=1))
    for job in (kept, stale):
        jobs.kept_path(job).write_bytes(sealed.seal(b"x"))
    result = jobs.jobs_sweep(now=now)
    assert result.jobs_removed == 1 and result.removed == [jobs.kept_path(stale).name]
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk, stale.pk}
    assert not Job.objects.filter(pk=old.pk).exists()
    assert [p.name for p in jobs.jobs_dir().iterdir()] == [jobs.kept_path(kept).name]


def test_a_young_file_of_a_job_not_yet_visible_is_left_alone(db):
    young = jobs.jobs_dir() / ("a" * 32 + ".work.csv")
    young.write_bytes(b"x")
    assert jobs.jobs_sweep().removed == []
    os.utime(young, (time.time() - jobs.STALE_AFTER - 1,) * 2)
    assert jobs.jobs_sweep().removed == [young.name]


def test_retention_rules_are_listed_with_their_source():
    keys = {rule.key: rule for rule in all_rules()}
    for rule in (jobs.KEEP_INPUT_HOURS, jobs.KEEP_RESULTS_DAYS):
        assert keys[rule.key].source.startswith("《个人信息保护法》第十九条")


def test_heartbeat_writes_progress_atomically(db, make_user):
    job = _job(make_user())
    beat = jobs._Heartbeat(job.id)
    beat.progress(7, 9)
    assert jobs._read_beat(job.id) == {"done": 7, "total": 9}
    beat.stop()
    assert jobs._read_beat(job.id) is None
    assert [p.name for p in jobs.jobs_dir().iterdir()] == []


def test_what_a_process_killed_mid_upload_left_is_swept(db, settings, var_dir):
    settings.FILE_UPLOAD_TEMP_DIR = var_dir / "incoming"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    receiving = settings.FILE_UPLOAD_TEMP_DIR / "tmpabc.upload.csv"
    left = settings.FILE_UPLOAD_TEMP_DIR / "tmpdef.upload.csv"
    receiving.write_bytes(b"x")
    left.write_bytes(b"x")
    os.utime(left, (time.time() - jobs.STALE_AFTER - 1,) * 2)
    assert jobs.jobs_sweep().removed == [left.name]
    assert receiving.exists()
