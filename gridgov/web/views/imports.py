"""The import page: templates, upload, dry run, progress, result and the error report."""

from __future__ import annotations

import dataclasses
import io
import logging
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.core.context import Source, actor_context
from gridgov.dataio.schemas import SCHEMAS

from ..forms import ImportForm, kind_label
from ..jobs import (
    ImportJob,
    load_job,
    new_job,
    progress_writer,
    reports_dir,
    run_in_thread,
    sweep_uploads,
    uploads_dir,
)
from .common import may_anywhere, page_view

logger = logging.getLogger(__name__)

ERRORS_SHOWN = 200
# Files up to this size are imported within the request; bigger ones in a background thread
# whose progress the page polls.
INLINE_BYTES = getattr(settings, "GRIDGOV_IMPORT_INLINE_BYTES", 256 * 1024)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FORMATS = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


def _require_import(request: HttpRequest) -> None:
    if not may_anywhere(request.user, "import"):
        raise Http404


@page_view
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _require_import(request)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            job = _start(request, form)
            return redirect("web:import_job", job_id=job.id)
    else:
        kind = request.GET.get("kind", "")
        form = ImportForm(initial={"kind": kind if kind in SCHEMAS else "households"})
    schemas = [(kind_label(kind), schema) for kind, schema in SCHEMAS.items()]
    return render(
        request,
        "web/import.html",
        {
            "form": form,
            "schemas": schemas,
            "max_bytes": settings.GRIDGOV_IMPORT_MAX_BYTES,
            "nav": "import",
        },
    )


def _start(request: HttpRequest, form: ImportForm) -> ImportJob:
    upload = form.cleaned_data["file"]
    sweep_uploads()
    job = new_job(
        user_id=request.user.pk,
        kind=form.cleaned_data["kind"],
        filename=Path(upload.name).name[:200],
        dry_run=form.cleaned_data["dry_run"],
    )
    path = uploads_dir() / f"{job.id}{Path(upload.name).suffix.lower()}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    _launch(request, job, path, size=upload.size)
    return job


def _launch(request: HttpRequest, job: ImportJob, path: Path, *, size: int) -> None:
    """Import ``path`` for ``job``: within this request when small, else in a thread."""
    user = getattr(request.user, "_wrapped", request.user)  # the real user, for the thread

    def work() -> None:
        try:
            _run(job, path, user)
        finally:
            # A dry run that passed keeps its file, so that "import it now" needs no new upload.
            if not (job.dry_run and job.result and job.result["ok"]):
                path.unlink(missing_ok=True)

    if size <= INLINE_BYTES:
        try:
            work()
        except Exception as exc:
            logger.exception("import job %s failed", job.id)
            job.status, job.failure = "failed", type(exc).__name__
            job.save()
    else:
        run_in_thread(job, work)


@page_view
@require_POST
def import_commit(request: HttpRequest, job_id: str) -> HttpResponse:
    """Import for real the file of a dry run that passed, without uploading it again."""
    _require_import(request)
    dry = _job_or_404(request, job_id)
    kept = next(uploads_dir().glob(f"{dry.id}.*"), None)
    if not (dry.dry_run and dry.result and dry.result["ok"]) or kept is None:
        raise Http404
    job = new_job(user_id=request.user.pk, kind=dry.kind, filename=dry.filename, dry_run=False)
    try:
        path = kept.rename(uploads_dir() / f"{job.id}{kept.suffix}")
    except FileNotFoundError:  # committed twice at once: the other request took the file
        raise Http404 from None
    _launch(request, job, path, size=path.stat().st_size)
    return redirect("web:import_job", job_id=job.id)


def _run(job: ImportJob, path: Path, user: Any) -> None:
    from gridgov.dataio.services import import_file, write_error_report

    job.status = "running"
    job.save()
    with actor_context(user=user, source=Source.IMPORT):
        result = import_file(
            kind=job.kind,
            path=path,
            dry_run=job.dry_run,
            user=user,
            progress=progress_writer(job),
        )
    job.result = {
        "ok": result.ok,
        "dry_run": result.dry_run,
        "total_rows": result.total_rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "error_count": result.error_count,
        "seconds": round(result.seconds, 1),
    }
    job.errors = [_error_dict(e) for e in result.errors[:ERRORS_SHOWN]]
    if result.errors:
        name = f"{uuid.uuid4().hex}.xlsx"
        write_error_report(result, reports_dir() / name)
        job.report = name
    job.rows_done = result.total_rows
    job.rows_total = result.total_rows
    job.status = "done"
    job.save()


def _error_dict(error: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(error):
        data = dataclasses.asdict(error)
    else:
        data = {k: getattr(error, k, "") for k in ("row", "column", "value", "reason")}
    # Row 0 is the file as a whole (a header problem, an unreadable file): no row number.
    return {
        k: "" if data.get(k) in (None, 0) else str(data.get(k))
        for k in ("row", "column", "value", "reason")
    }


def _job_or_404(request: HttpRequest, job_id: str) -> ImportJob:
    job = load_job(job_id, user_id=request.user.pk)
    if job is None:
        raise Http404
    return job


def _job_context(job: ImportJob) -> dict[str, Any]:
    return {
        "job": job,
        "kind_label": kind_label(job.kind) if job.kind in SCHEMAS else job.kind,
        "errors_shown": ERRORS_SHOWN,
        "progress_url": reverse("web:import_progress", kwargs={"job_id": job.id}),
    }


@page_view
def import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    _require_import(request)
    job = _job_or_404(request, job_id)
    return render(request, "web/import_job.html", {**_job_context(job), "nav": "import"})


@page_view
def import_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's status fragment; htmx polls it every second until the job has finished."""
    _require_import(request)
    job = _job_or_404(request, job_id)
    return render(request, "web/partials/import_status.html", _job_context(job))


@page_view
def import_report(request: HttpRequest, job_id: str) -> FileResponse:
    """The full error report, only to the user who ran the import."""
    _require_import(request)
    job = _job_or_404(request, job_id)
    path = reports_dir() / job.report if job.report else None
    if path is None or not path.is_file():
        raise Http404
    filename = _("错误报告-%(kind)s.xlsx") % {"kind": kind_label(job.kind)}
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)


@page_view
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require_import(request)
    fmt = request.GET.get("format", "xlsx")
    if kind not in SCHEMAS or fmt not in TEMPLATE_FORMATS:
        raise Http404
    from gridgov.dataio.services import write_template

    stream = io.BytesIO()
    write_template(kind, stream, fmt=fmt)
    response = HttpResponse(stream.getvalue(), content_type=TEMPLATE_FORMATS[fmt])
    filename = _("导入模板-%(kind)s.%(fmt)s") % {"kind": kind_label(kind), "fmt": fmt}
    response["Content-Disposition"] = _content_disposition(filename)
    return response


def _content_disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
