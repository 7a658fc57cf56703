"""The import page: templates, upload, dry run, progress, result and the error report."""

from __future__ import annotations

import dataclasses
import io
import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.core.context import Source, actor_context
from gridgov.core.jobs import (
    INTERRUPTED,
    Outcome,
    Progress,
    input_path,
    job_create,
    job_details,
    job_get,
    job_report,
    job_start,
    jobs_dir,
    jobs_sweep,
    kept_path,
    private_file,
)
from gridgov.core.models import Job, JobStatus
from gridgov.core.pages import page_view
from gridgov.core.scoping import may_anywhere
from gridgov.core.sealed import SealError, unseal_file

from .forms import ImportForm, kind_label
from .schemas import SCHEMAS

logger = logging.getLogger(__name__)

ERRORS_SHOWN = 200
# Files up to this size are imported within the request; bigger ones in a background thread
# whose progress the page polls.
INLINE_BYTES = getattr(settings, "GRIDGOV_IMPORT_INLINE_BYTES", 256 * 1024)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_FORMATS = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}
JOB_KIND = "import"


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
            return redirect("web:import_job", job_id=job.id.hex)
    else:
        kind = request.GET.get("kind", "")
        form = ImportForm(initial={"kind": kind if kind in SCHEMAS else "households"})
    schemas = [(kind_label(kind), schema) for kind, schema in SCHEMAS.items()]
    return render(
        request,
        "dataio/import.html",
        {
            "form": form,
            "schemas": schemas,
            "max_bytes": settings.GRIDGOV_IMPORT_MAX_BYTES,
            "nav": "import",
        },
    )


def _start(request: HttpRequest, form: ImportForm) -> Job:
    upload = form.cleaned_data["file"]
    jobs_sweep()  # also without `gridgov tick`, nothing waits long in var/jobs
    suffix = Path(upload.name).suffix.lower()
    job = job_create(
        owner=request.user,
        kind=JOB_KIND,
        params={
            "kind": form.cleaned_data["kind"],
            "filename": Path(upload.name).name[:200],
            "suffix": suffix,
            "dry_run": form.cleaned_data["dry_run"],
        },
    )
    path = input_path(job, suffix)
    with private_file(path) as out:
        for chunk in upload.chunks():
            out.write(chunk)
    _launch(request, job, path, size=upload.size)
    return job


def _launch(request: HttpRequest, job: Job, path: Path, *, size: int) -> None:
    """Import ``path`` for ``job``: within this request when small, else in a thread. The job
    deletes the file at its end, whatever the end (``gridgov.core.jobs``)."""
    user = getattr(request.user, "_wrapped", request.user)  # the real user, for the thread
    job_start(
        job,
        lambda progress: _run(job, path, user, progress),
        input_file=path,
        background=size > INLINE_BYTES,
    )


@page_view
@require_POST
def import_commit(request: HttpRequest, job_id: str) -> HttpResponse:
    """Import for real the file of a dry run that passed, without uploading it again."""
    _require_import(request)
    dry = _job_or_404(request, job_id)
    kept = kept_path(dry)
    if not (dry.params.get("dry_run") and dry.result and dry.result["ok"]) or not kept.is_file():
        raise Http404
    job = job_create(owner=request.user, kind=JOB_KIND, params={**dry.params, "dry_run": False})
    claimed = jobs_dir() / f"{job.id.hex}.claim"
    try:
        kept.rename(claimed)  # committed twice at once: only one request gets the file
    except FileNotFoundError:
        job.delete()
        raise Http404 from None
    path = input_path(job, dry.params.get("suffix", ""))
    try:
        unseal_file(claimed, path)
    except SealError:  # sealed under a data key since replaced: upload it again
        job.delete()
        raise Http404 from None
    finally:
        claimed.unlink(missing_ok=True)
    _launch(request, job, path, size=path.stat().st_size)
    return redirect("web:import_job", job_id=job.id.hex)


def _run(job: Job, path: Path, user: Any, progress: Progress) -> Outcome:
    from .services import import_file, write_error_report

    with actor_context(user=user, source=Source.IMPORT):
        result = import_file(
            kind=job.params["kind"],
            path=path,
            dry_run=job.params["dry_run"],
            user=user,
            progress=progress,
        )
    counts = {
        "ok": result.ok,
        "dry_run": result.dry_run,
        "total_rows": result.total_rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "error_count": result.error_count,
        "seconds": round(result.seconds, 1),
    }
    report = None
    if result.errors:
        stream = io.BytesIO()
        write_error_report(result, stream)
        report = stream.getvalue()
    return Outcome(
        result=counts,
        # The values of bad rows may be a citizen ID: sealed, like the report.
        details={"errors": [_error_dict(e) for e in result.errors[:ERRORS_SHOWN]]}
        if result.errors
        else None,
        report=report,
        keep_input=result.dry_run and result.ok,
    )


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


def _job_or_404(request: HttpRequest, job_id: str) -> Job:
    job = job_get(job_id, owner=request.user)
    if job is None or job.kind != JOB_KIND:
        raise Http404
    return job


@dataclasses.dataclass
class JobView:
    """What the job's page shows."""

    id: str
    kind: str
    filename: str
    dry_run: bool
    status: str
    rows_done: int
    rows_total: int | None
    result: dict[str, Any] | None
    errors: list[dict[str, Any]]
    report: bool
    failure: str

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}

    @property
    def interrupted(self) -> bool:
        return self.failure == INTERRUPTED

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, round(100 * self.rows_done / self.rows_total))


def _job_view(job: Job) -> JobView:
    details = job_details(job) if job.sealed else None
    return JobView(
        id=job.id.hex,
        kind=job.params.get("kind", ""),
        filename=job.params.get("filename", ""),
        dry_run=bool(job.params.get("dry_run")),
        status=job.status,
        rows_done=job.rows_done,
        rows_total=job.rows_total,
        result=job.result,
        errors=(details or {}).get("errors", []),
        report=bool(job.report),
        failure=job.failure,
    )


def _job_context(job: Job) -> dict[str, Any]:
    view = _job_view(job)
    return {
        "job": view,
        "kind_label": kind_label(view.kind) if view.kind in SCHEMAS else view.kind,
        "errors_shown": ERRORS_SHOWN,
        "progress_url": reverse("web:import_progress", kwargs={"job_id": view.id}),
    }


@page_view
def import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    _require_import(request)
    job = _job_or_404(request, job_id)
    return render(request, "dataio/import_job.html", {**_job_context(job), "nav": "import"})


@page_view
def import_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's status fragment; htmx polls it every second until the job has finished."""
    _require_import(request)
    job = _job_or_404(request, job_id)
    return render(request, "dataio/import_status.html", _job_context(job))


@page_view
def import_report(request: HttpRequest, job_id: str) -> HttpResponse:
    """The full error report, only to the user who ran the import; sealed at rest."""
    _require_import(request)
    job = _job_or_404(request, job_id)
    content = job_report(job)
    if content is None:
        raise Http404
    filename = _("错误报告-%(kind)s.xlsx") % {"kind": kind_label(job.params.get("kind", ""))}
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = _content_disposition(filename)
    response["Cache-Control"] = "no-store"  # the values of bad rows: no copy in any cache
    return response


@page_view
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require_import(request)
    fmt = request.GET.get("format", "xlsx")
    if kind not in SCHEMAS or fmt not in TEMPLATE_FORMATS:
        raise Http404
    from .services import write_template

    stream = io.BytesIO()
    write_template(kind, stream, fmt=fmt)
    response = HttpResponse(stream.getvalue(), content_type=TEMPLATE_FORMATS[fmt])
    filename = _("导入模板-%(kind)s.%(fmt)s") % {"kind": kind_label(kind), "fmt": fmt}
    response["Content-Disposition"] = _content_disposition(filename)
    return response


def _content_disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
