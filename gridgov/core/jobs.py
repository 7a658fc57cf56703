"""Background jobs (imports): state in the database, a heartbeat, and no file left in clear.

A job runs in a thread of the web process that received it (or within the request, when it is
small). Its state, result and sealed details are a ``Job`` row, so every process answers its
page alike. While it runs, a ticker thread touches a heartbeat file every ``HEARTBEAT_EVERY``
seconds, carrying the rows done. Why a file and not a column: on SQLite an import holds the one
write lock for its whole transaction (all or nothing), so a heartbeat written to the database
from beside it would wait for the import's end, and a running import would look dead.

A job whose worker is gone is seen to be gone, on reading its page and by ``jobs_sweep``:

- its own process no longer runs it (the thread died): at once;
- its process has ended (same host, the pid is gone or is another process now): at once;
- otherwise its heartbeat is older than ``STALE_AFTER``.

It is then marked failed with ``INTERRUPTED``; its import's transaction was rolled back when the
process died, so nothing was stored.

Files: the uploaded file is in clear (``<id>.work<suffix>``, mode 0600) only while its job is
queued or running, and deleted on every way out (done, failed, dry run, exception). What outlives
the job is sealed (``gridgov.core.sealed``): the file of a dry run that passed, kept for "import
it now" for ``KEEP_INPUT_HOURS``; the errors shown and the error report (they hold the values
of bad rows), kept in the row for ``KEEP_RESULTS_DAYS``. A worker killed midway leaves its clear
file behind: ``jobs_sweep`` (at ``gridgov serve`` start-up, in ``gridgov tick`` and before each
new import) fails the job and deletes the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import (
    DatabaseError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.utils import timezone

from .models import Job, JobStatus
from .rules import define, rule_value
from .sealed import SealError, seal, seal_file, unseal

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 5.0  # seconds between heartbeats of a running job
# Seconds without a heartbeat before a running job counts as lost: many missed beats, so that a
# thread held for a while (a big sheet parsed in C without releasing the GIL) is not called dead.
STALE_AFTER = 120.0
PROGRESS_EVERY = 0.5  # seconds between progress writes, so a fast import is not slowed by them
INTERRUPTED = "interrupted"  # Job.failure of a job whose worker was lost
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)

_PIPL19 = (
    "《个人信息保护法》第十九条：除法律、行政法规另有规定外，个人信息的保存期限应当为实现处理目的"
    "所必要的最短时间"
)
KEEP_INPUT_HOURS = define(
    "core.job_input_keep_hours",
    24,
    source=_PIPL19,
    description="试导入通过后，为“正式导入此文件”加密保留上传文件的时长（小时），到期删除",
)
KEEP_RESULTS_DAYS = define(
    "core.job_results_keep_days",
    7,
    source=_PIPL19,
    description="后台任务结束后保留其结果、错误明细与错误报告（均加密）的天数，到期删除",
)

# This process: the host name, pid and a token (a pid may come back in a restarted container).
_TOKEN = secrets.token_hex(4)
_LIVE: set[str] = set()  # ids of the jobs this process is running
_LIVE_LOCK = threading.Lock()

Progress = Callable[[int, "int | None"], None]


@dataclass
class Outcome:
    """What a job's work hands back: counts in clear, personal details and a report sealed."""

    result: dict[str, Any]
    details: Any = None  # JSON-able; sealed
    report: bytes | None = None  # a file; sealed
    keep_input: bool = False  # seal the input file for a follow-up job


@dataclass
class SweepResult:
    failed: int = 0
    files_removed: int = 0
    jobs_removed: int = 0
    removed: list[str] = field(default_factory=list)


def jobs_dir() -> Path:
    """``var/jobs/<database>``: one folder per database, so that instances sharing a var folder
    (a test run beside ``make run``, a restore drill) never sweep each other's files."""
    db = connections["default"].settings_dict
    tag = hashlib.sha256(
        f"{db['ENGINE']}|{db.get('HOST', '')}|{db.get('PORT', '')}|{db['NAME']}".encode()
    ).hexdigest()[:12]
    path = Path(settings.VAR_DIR) / "jobs" / tag
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def input_path(job: Job, suffix: str) -> Path:
    """Where the job's input is in clear while it runs; the suffix tells the reader the format."""
    return jobs_dir() / f"{job.id.hex}.work{suffix}"


def kept_path(job: Job) -> Path:
    return jobs_dir() / f"{job.id.hex}.sealed"


def _beat_path(job_id: uuid.UUID) -> Path:
    return jobs_dir() / f"{job_id.hex}.beat"


def private_file(path: Path) -> IO[bytes]:
    """A new binary file only this account may read."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"


def job_create(*, owner: Any, kind: str, params: dict[str, Any]) -> Job:
    """A queued job of ``owner``; ``params`` is shown in clear: nothing personal in it.

    Job rows are written in transactions, so that on SQLite they queue behind a running
    import's write lock like every other write of the site, rather than time out."""
    with transaction.atomic():
        return Job.objects.create(owner=owner, kind=kind, params=params)


def job_get(job_id: str, *, owner: Any) -> Job | None:
    """The job if it exists and is ``owner``'s (anyone else's does not exist), seen as it is now:
    a lost worker makes it failed, a running one shows the rows its heartbeat carries."""
    if len(job_id) != 32 or not job_id.isalnum():
        return None
    try:
        key = uuid.UUID(hex=job_id)
    except ValueError:
        return None
    job = Job.objects.filter(pk=key, owner_id=getattr(owner, "pk", None)).first()
    if job is None:
        return None
    if job.status in ACTIVE:
        if _alive(job):
            beat = _read_beat(job.id)
            if beat:
                job.rows_done, job.rows_total = beat.get("done", 0), beat.get("total")
        else:
            _interrupt(job)
    return job


def job_details(job: Job) -> Any:
    """The sealed details, opened; None if there are none or the data key has changed."""
    return _open_json(job.sealed)


def job_report(job: Job) -> bytes | None:
    if not job.report:
        return None
    try:
        return unseal(job.report)
    except SealError:
        return None


def job_start(
    job: Job,
    work: Callable[[Progress], Outcome],
    *,
    input_file: Path | None = None,
    background: bool,
) -> threading.Thread | None:
    """Run ``work`` for ``job``: in a daemon thread with its own connection, or now.

    Whatever happens, ``input_file`` is deleted at the end (sealed first into ``kept_path`` when
    the outcome asks to keep it), the job ends done or failed, and an exception's class (not its
    text, which may quote a row) is the failure; the traceback goes to the log.
    """
    if not background:
        _run(job, work, input_file)
        return None

    def target() -> None:
        close_old_connections()
        try:
            _run(job, work, input_file)
        finally:
            with contextlib.suppress(Exception):
                connections.close_all()

    thread = threading.Thread(target=target, name=f"job-{job.id.hex[:8]}", daemon=True)
    thread.start()
    return thread


def _run(job: Job, work: Callable[[Progress], Outcome], input_file: Path | None) -> None:
    beat = _Heartbeat(job.id)
    with _LIVE_LOCK:
        _LIVE.add(job.id.hex)  # before the row says running here: a poll must not see it dead
    try:
        # Beating before the row says running: on SQLite that write may wait behind another
        # import for minutes, and a queued job that beats is not lost.
        beat.start()
        with transaction.atomic():
            now = timezone.now()
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.RUNNING, worker=_worker_id(), heartbeat_at=now
            )
        job.status, job.worker, job.heartbeat_at = JobStatus.RUNNING, _worker_id(), now
        try:
            outcome = work(beat.progress)
            if outcome.keep_input and input_file is not None:
                seal_file(input_file, kept_path(job))
        except Exception as exc:
            # The frames without the message, which may quote a row's values.
            logger.error(
                "job %s failed: %s\n%s",
                job.id.hex,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            _finish(job, status=JobStatus.FAILED, failure=type(exc).__name__)
        else:
            done = outcome.result.get("total_rows", beat.done)
            _finish(
                job,
                status=JobStatus.DONE,
                result=outcome.result,
                sealed=None if outcome.details is None else seal(_json(outcome.details)),
                report=None if outcome.report is None else seal(outcome.report),
                rows_done=done,
                rows_total=done,
            )
    finally:
        beat.stop()
        if input_file is not None:
            input_file.unlink(missing_ok=True)
        with _LIVE_LOCK:
            _LIVE.discard(job.id.hex)


def _finish(job: Job, **fields: Any) -> None:
    # Unconditional: a job marked lost while it was in fact only slow ends as what it did.
    fields["finished_at"] = timezone.now()
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _open_json(blob: bytes | None) -> Any:
    if not blob:
        return None
    try:
        return json.loads(unseal(blob))
    except (SealError, ValueError):
        return None


class _Heartbeat:
    """The heartbeat file of a running job: touched every HEARTBEAT_EVERY seconds by a ticker
    thread, and by ``progress`` at most every PROGRESS_EVERY seconds, with the rows done."""

    def __init__(self, job_id: uuid.UUID) -> None:
        self.path = _beat_path(job_id)
        self.done: int = 0
        self.total: int | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._last = 0.0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.write()
        self._thread = threading.Thread(
            target=self._tick, name=f"beat-{self.path.stem[:8]}", daemon=True
        )
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY):
            self.write()

    def progress(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total
        if time.monotonic() - self._last >= PROGRESS_EVERY:
            self.write()

    def write(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            self._last = time.monotonic()
            partial = self.path.with_name(self.path.name + ".part")
            try:
                with private_file(partial) as out:
                    out.write(_json({"done": self.done, "total": self.total}))
                os.replace(partial, self.path)  # a poll never reads half a file
            except OSError:
                logger.warning("heartbeat of %s not written", self.path.stem, exc_info=True)

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(HEARTBEAT_EVERY)
        self.path.unlink(missing_ok=True)


def _read_beat(job_id: uuid.UUID) -> dict[str, Any] | None:
    try:
        beat: dict[str, Any] = json.loads(_beat_path(job_id).read_bytes())
        return beat
    except (OSError, ValueError):
        return None


def _last_beat(job: Job) -> float:
    last = job.heartbeat_at.timestamp()
    with contextlib.suppress(OSError):
        last = max(last, _beat_path(job.id).stat().st_mtime)
    return last


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _alive(job: Job, *, now: float | None = None) -> bool:
    """Whether an active job's worker still runs it (see the module docstring)."""
    host, _, rest = job.worker.partition(":")
    pid_text, _, token = rest.partition(":")
    if job.worker and host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid():
            if token != _TOKEN:
                return False  # an earlier process that had this pid
            with _LIVE_LOCK:
                return job.id.hex in _LIVE
        if not _pid_alive(pid):
            return False
    return (now or time.time()) - _last_beat(job) <= STALE_AFTER


def _interrupt(job: Job) -> tuple[bool, list[str]]:
    """Mark a job whose worker is lost as failed, and delete what it left in clear: whether
    this call marked it, and the names of the files deleted."""
    now = timezone.now()
    try:
        with _tolerant():
            marked = Job.objects.filter(pk=job.pk, status__in=ACTIVE).update(
                status=JobStatus.FAILED, failure=INTERRUPTED, finished_at=now
            )
    except DatabaseError:
        # SQLite busy with another import's write for longer than its timeout: the page says
        # failed all the same (it is computed on each read); the sweep will write it.
        logger.warning("job %s: lost worker not recorded yet", job.id.hex, exc_info=True)
        marked = 0
    job.status, job.failure, job.finished_at = JobStatus.FAILED, INTERRUPTED, now
    return bool(marked), _remove_clear_files(job.id.hex)


def _tolerant() -> contextlib.AbstractContextManager[object]:
    """A write that may fail without harm (it is done again later): in autocommit, so that on
    SQLite it gives up after the busy timeout rather than queue behind a running import; inside
    a caller's transaction, in a savepoint, so that a failure leaves that transaction usable."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def _remove_clear_files(hex_id: str) -> list[str]:
    removed = []
    for path in jobs_dir().glob(f"{hex_id}.*"):
        if path.suffix != ".sealed":
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path.name)
    return removed


def jobs_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Fail the jobs whose worker is lost, delete every file no running job needs, and forget
    finished jobs past their retention. Safe at any time and in several processes at once."""
    now = now or timezone.now()
    result = SweepResult()
    active = set()
    for job in Job.objects.filter(status__in=ACTIVE).only("id", "worker", "heartbeat_at"):
        if _alive(job, now=now.timestamp()):
            active.add(job.id.hex)
        else:
            marked, removed = _interrupt(job)
            result.failed += marked
            result.files_removed += len(removed)
            result.removed.extend(removed)
    keep_input = dt.timedelta(hours=rule_value(KEEP_INPUT_HOURS))
    kept = {
        pk.hex
        for pk in Job.objects.filter(
            status=JobStatus.DONE, finished_at__gte=now - keep_input
        ).values_list("id", flat=True)
    }
    for path in _swept_files():
        hex_id = path.name.split(".", 1)[0]
        if hex_id in active or (path.suffix == ".sealed" and hex_id in kept):
            continue
        if path.parent == _incoming() and not _old(path, now):
            continue  # an upload being received
        if path.parent == jobs_dir() and not _known_or_old(hex_id, path, now):
            continue  # a job being created in another process: its row may not be visible yet
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            result.files_removed += 1
            result.removed.append(path.name)
    old = now - dt.timedelta(days=rule_value(KEEP_RESULTS_DAYS))
    try:
        with _tolerant():
            result.jobs_removed, _ = Job.objects.filter(finished_at__lt=old).delete()
    except DatabaseError:  # SQLite busy with an import past its timeout: next time
        logger.warning("finished jobs not removed yet", exc_info=True)
    return result


def _swept_files() -> list[Path]:
    """Files of jobs, and what the earlier design left in clear (``var/uploads``,
    ``var/reports``, job files of JSON)."""
    var = Path(settings.VAR_DIR)
    files = [p for p in jobs_dir().iterdir() if p.is_file()]
    for legacy in (var / "uploads", var / "reports", var / "jobs", _incoming()):
        if legacy is not None and legacy.is_dir():
            files.extend(p for p in legacy.iterdir() if p.is_file())
    return files


def _incoming() -> Path | None:
    """Django's spool of big uploads, when it is a folder of ours (under ``var/``)."""
    spool = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)
    if not spool:
        return None
    spool = Path(spool)
    return spool if spool.is_relative_to(Path(settings.VAR_DIR)) else None


def _known_or_old(hex_id: str, path: Path, now: dt.datetime) -> bool:
    try:
        key = uuid.UUID(hex=hex_id)
    except ValueError:
        key = None
    if key is not None and Job.objects.filter(pk=key).exists():
        return True
    return _old(path, now)


def _old(path: Path, now: dt.datetime) -> bool:
    try:
        return now.timestamp() - path.stat().st_mtime > STALE_AFTER
    except FileNotFoundError:
        return False
