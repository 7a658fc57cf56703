"""Background import jobs: run in a thread, state kept in a small JSON file per job.

This is deliberately simple. The job runs in a thread of the web process that received the
upload; its state (progress, result, error) lives in ``VAR_DIR/jobs/<id>.json`` so that any
worker process can answer the progress poll. If the process dies mid-import, the import's own
transaction rolls back (imports are all-or-nothing) and the job shows as interrupted once its
heartbeat is older than ``STALE_AFTER``. A real queue (e.g. a worker command) can replace the
thread later without changing the pages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

STALE_AFTER = 10 * 60  # seconds without a heartbeat before a running job counts as lost
KEEP_UPLOADS = 24 * 3600  # seconds a passed dry run's file waits to be imported for real
WRITE_EVERY = 0.5  # seconds between progress writes, so a fast import is not slowed by them


def jobs_dir() -> Path:
    path = Path(settings.VAR_DIR) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def reports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def uploads_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_uploads() -> None:
    """Remove uploads left behind (dry runs never imported, interrupted jobs) after a day."""
    limit = time.time() - KEEP_UPLOADS
    for path in uploads_dir().iterdir():
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()


@dataclasses.dataclass
class ImportJob:
    id: str
    user_id: int
    kind: str
    filename: str
    dry_run: bool
    status: str = "queued"  # queued | running | done | failed
    rows_done: int = 0
    rows_total: int | None = None
    started_at: float = dataclasses.field(default_factory=time.time)
    updated_at: float = dataclasses.field(default_factory=time.time)
    result: dict[str, Any] | None = None  # ImportResult without its errors (they go below)
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # the first ones
    report: str = ""  # file name of the error report under reports_dir()
    failure: str = ""  # the class of an unexpected exception; the traceback is in the log

    @property
    def finished(self) -> bool:
        return self.status in {"done", "failed"}

    @property
    def stale(self) -> bool:
        return not self.finished and time.time() - self.updated_at > STALE_AFTER

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def elapsed(self) -> float:
        return self.updated_at - self.started_at

    def save(self) -> None:
        self.updated_at = time.time()
        path = jobs_dir() / f"{self.id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(dataclasses.asdict(self), ensure_ascii=False))
        os.replace(tmp, path)  # atomic: a poll never reads half a file


def new_job(*, user_id: int, kind: str, filename: str, dry_run: bool) -> ImportJob:
    job = ImportJob(
        id=uuid.uuid4().hex, user_id=user_id, kind=kind, filename=filename, dry_run=dry_run
    )
    job.save()
    return job


def load_job(job_id: str, *, user_id: int) -> ImportJob | None:
    """The job if it exists and belongs to this user; anyone else's job does not exist."""
    if not job_id.isalnum() or len(job_id) != 32:
        return None
    path = jobs_dir() / f"{job_id}.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    fields = {f.name for f in dataclasses.fields(ImportJob)}
    job = ImportJob(**{k: v for k, v in data.items() if k in fields})
    return job if job.user_id == user_id else None


def progress_writer(job: ImportJob) -> Callable[[int, int | None], None]:
    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        job.rows_done, job.rows_total = done, total
        now = time.monotonic()
        if now - last[0] >= WRITE_EVERY:
            last[0] = now
            job.save()

    return progress


def run_in_thread(job: ImportJob, work: Callable[[], None]) -> threading.Thread:
    """Run ``work`` in a daemon thread with its own database connection."""

    def target() -> None:
        close_old_connections()
        try:
            work()
        except Exception as exc:  # the page must say it failed rather than poll forever
            logger.exception("import job %s failed", job.id)
            job.status, job.failure = "failed", type(exc).__name__  # details go to the log
            job.save()
        finally:
            with contextlib.suppress(Exception):
                connections.close_all()

    thread = threading.Thread(target=target, name=f"import-{job.id[:8]}", daemon=True)
    thread.start()
    return thread
