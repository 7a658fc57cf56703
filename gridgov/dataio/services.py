"""Import of registry files: the one service that the CLI, the web UI and the demo call.

``import_file`` reads a CSV or Excel file of one kind (``gridgov.dataio.schemas``), checks every
row, and stores all of it or nothing:

1. the header is matched to the schema (unknown, missing, repeated, empty or merged headers are
   errors on row 1);
2. rows are streamed and validated in chunks (in a worker process for big files), and the valid
   ones loaded into a temporary staging table;
3. cross-row checks run as SQL over the staging table: duplicates within the file, unknown
   references, the user's scope (an out-of-scope reference gets the same words as an unknown
   one, so that it does not tell whether the code exists);
4. if nothing was wrong, the kind's set-based loader upserts on the natural key; rows equal to
   the stored row count as unchanged and are not written.

Everything runs in one transaction; on any error, or for a dry run, it is rolled back. The
result lists the errors (the first 1000, by row) and counts them all.

Audit: one audit entry per import that stores data (action ``import``, object type
``dataio.<kind>``, in the same transaction) with the counts, the file name and the file's
SHA-256; a dry run or a refused file stores nothing, so it leaves no entry. Rows are not audited
one by one: a county's registry is millions of rows, and the file's hash with the counts says
exactly what was loaded; history that matters per row (moves of households and persons) is
still written by the loaders.

Speed (see the report of the import task for figures): rows are validated by plain functions
(``kinds``), IDs through a fast path equal to ``parse_citizen_id``, personal values encrypted
with one cipher object per import; big files are validated in a worker process when a core is
free (``pipeline``); a first load rebuilds the target table's secondary indexes instead of
maintaining them row by row (``gridgov.core.bulkload.indexes_rebuilt``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record
from gridgov.core.context import Source, actor_context, current_actor
from gridgov.core.crypto import rotation_pending
from gridgov.grid.bulk import common_path
from gridgov.grid.models import GridNode

from .errors import ErrorSink, RowError, merged_errors
from .kinds import KINDS, Context, Scope
from .pipeline import collector_paused, use_worker, validated_chunks, worker_chunks
from .readers import ReadError, file_digest_and_lines, open_sheet
from .reports import write_error_report
from .schemas import SCHEMAS
from .staging import Stage
from .templates import write_template
from .validation import match_header, merged_data_errors

__all__ = ["ImportResult", "RowError", "import_file", "write_error_report", "write_template"]

Progress = Callable[[int, "int | None"], None]


@dataclass
class ImportResult:
    kind: str
    ok: bool
    dry_run: bool
    total_rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowError]  # the first 1000, by row; error_count counts all
    error_count: int
    seconds: float


def import_file(
    *,
    kind: str,
    path: Path,
    dry_run: bool = False,
    user=None,
    progress: Progress | None = None,
    under: str | None = None,
    max_bytes: int | object | None = ...,
) -> ImportResult:
    """Import ``path`` as ``kind``: everything or nothing (see the module docstring).

    ``max_bytes`` defaults to GRIDGOV_IMPORT_MAX_BYTES (the web upload limit); ``None`` lifts it
    for operators' own loads (benchmark), which stream CSV in constant memory anyway.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; one of {', '.join(SCHEMAS)}")
    path = Path(path)
    wrap = (
        actor_context(user=user, source=Source.IMPORT)
        if user is not None and current_actor().user is None
        else nullcontext()
    )
    with wrap:
        limit = settings.GRIDGOV_IMPORT_MAX_BYTES if max_bytes is ... else max_bytes
        return _Import(kind, path, dry_run, user, progress, under, limit).run()


class _Import:
    def __init__(self, kind, path, dry_run, user, progress, under, max_bytes) -> None:
        self.kind = KINDS[kind]
        self.max_bytes = max_bytes
        self.path = path
        self.dry_run = dry_run
        self.user = user
        self.progress = progress or (lambda done, total: None)
        self.under = (under or "").strip() or None
        self.file_errors = ErrorSink()
        self.row_errors = ErrorSink()
        self.started = time.perf_counter()
        self.total_rows = 0

    def fail(self, reason: str, row: int = 0, column: str = "", value: str = "") -> None:
        self.file_errors.add(row, column, value, reason)

    def result(self, counts=None, sinks=()) -> ImportResult:
        column_order = {c.header: i for i, c in enumerate(self.kind.schema.columns)}
        errors, count = merged_errors([self.file_errors, self.row_errors, *sinks], column_order)
        ok = count == 0
        return ImportResult(
            kind=self.kind.schema.kind,
            ok=ok,
            dry_run=self.dry_run,
            total_rows=self.total_rows,
            created=counts.created if ok and counts else 0,
            updated=counts.updated if ok and counts else 0,
            unchanged=counts.unchanged if ok and counts else 0,
            errors=errors,
            error_count=count,
            seconds=time.perf_counter() - self.started,
        )

    def run(self) -> ImportResult:
        limit = self.max_bytes
        try:
            size = self.path.stat().st_size
        except OSError as exc:
            self.fail(_("无法打开文件：%(e)s") % {"e": exc.strerror or exc})
            return self.result()
        if limit is not None and size > limit:
            self.fail(
                _("文件太大：%(s).1f MB，上限为%(m).1f MB；请分成几个文件导入")
                % {"s": size / 2**20, "m": limit / 2**20}
            )
            return self.result()
        if rotation_pending():
            # Rows are matched by the current key's hash: a person still under the old key
            # would be registered twice.
            self.fail(
                _(
                    "数据密钥正在轮换：请先运行 gridgov datakey rotate，"
                    "并移除 GRIDGOV_DATA_KEY_PREVIOUS，再导入"
                )
            )
            return self.result()
        if self.under and not GridNode.objects.filter(code=self.under).exists():
            self.fail(_("网格%(c)s不存在") % {"c": self.under})
            return self.result()
        digest, lines = file_digest_and_lines(self.path)
        try:
            sheet = open_sheet(self.path, line_count=lines)
        except ReadError as exc:
            self.fail(str(exc))
            return self.result()
        try:
            layout = match_header(
                self.kind.schema, sheet.header, sheet.header_row, sheet.merged, self.file_errors
            )
            if layout is None:
                return self.result()
            merged_data_errors(layout, sheet.header_row, sheet.merged, self.file_errors)
            return self._load(sheet, layout, digest)
        finally:
            sheet.close()

    def _load(self, sheet, layout, digest: str) -> ImportResult:
        today = timezone.localdate()
        scope = Scope.of(self.user, self.under)
        total = sheet.total
        self.progress(0, total)
        with _import_transaction():
            stage = Stage(f"dataio_stage_{self.kind.schema.kind}", self.kind.columns)
            stage.create()
            ctx = Context(stage, layout, scope, timezone.now(), self.dry_run)
            if use_worker(total):
                sheet.close()
                chunks = worker_chunks(self.path, self.kind.schema.kind, layout, today)
            else:
                chunks = validated_chunks(sheet, self.kind.chunk_validator(layout, today))
            try:
                with collector_paused():
                    for chunk in chunks:
                        stage.load(chunk.rows)
                        self.row_errors.merge(chunk.errors)
                        self.total_rows = chunk.seen
                        self.progress(chunk.seen, max(total, chunk.seen) if total else None)
            except ReadError as exc:
                self.fail(str(exc))
            stage.analyze()
            if not self.total_rows and not self.file_errors:
                self.fail(_("文件中没有数据行：表头之下至少要有一行"))
            counts = None
            if not self.file_errors:
                self.kind.check(ctx)
                if not (self.row_errors or ctx.failed):
                    counts = self.kind.load(ctx)
                    if not self.dry_run:
                        self._audit(counts, digest, ctx)
            stage.drop()
            result = self.result(counts, ctx.sinks)
            if self.dry_run or not result.ok:
                transaction.set_rollback(True)
        return result

    def _audit(self, counts, digest: str, ctx: Context) -> None:
        with connection.cursor() as cursor:
            # The grid paths of the rows: the import is seen where its rows are (docs/security.md
            # §3). A column that names each row's node, or the row its records belong to.
            kind = self.kind.schema.kind
            key = {
                "grid": "code",
                "households": "microgrid",
                "party_orgs": "node",
                "bodies": "node",
                "grid_posts": "node",
            }.get(kind)
            owner = {
                "persons": ("people.Household", "number", "household"),
                "party_members": ("orgs.PartyOrganization", "code", "organization"),
                "memberships": ("orgs.GovernanceBody", "code", "body"),
                "linkers": ("people.Household", "number", "household"),
                "links": ("people.Household", "number", "household"),
            }.get(kind)
            low = high = None
            if key:
                cursor.execute(f"SELECT MIN({key}), MAX({key}) FROM {ctx.stage.table}")
                low, high = cursor.fetchone()
            elif owner:
                table = apps.get_model(owner[0])._meta.db_table
                cursor.execute(
                    f"SELECT MIN(t.grid_path), MAX(t.grid_path) FROM {ctx.stage.table} s "
                    f"JOIN {table} t ON t.{owner[1]} = s.{owner[2]}"
                )
                low, high = cursor.fetchone()
        audit_record(
            action="import",
            object_type=f"dataio.{self.kind.schema.kind}",
            object_repr=self.path.name[:200],
            grid_path=self.under or common_path([low, high]),
            after={
                "file": self.path.name,
                "sha256": digest,
                "rows": self.total_rows,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
                "under": self.under or "",
            },
        )


@contextmanager
def _import_transaction():
    """The import's transaction, with settings for one big write: a larger page cache (SQLite,
    restored afterwards); on PostgreSQL more sort memory, and foreign keys checked per statement
    rather than at commit (Django declares them deferred), so that a million-row insert does not
    queue a million trigger events and its indexes may be rebuilt within the transaction."""
    if connection.vendor == "sqlite":
        tuned = {
            "cache_size": -65536,  # 64 MB
            "threads": 2,  # index rebuilds sort on two threads
            "temp.secure_delete": 0,  # the staging file is unlinked anyway: don't zero it
        }
        with connection.cursor() as cursor:
            previous = {}
            for pragma, value in tuned.items():
                cursor.execute(f"PRAGMA {pragma}")
                previous[pragma] = int(cursor.fetchone()[0])
                cursor.execute(f"PRAGMA {pragma} = {value}")
        try:
            with transaction.atomic():
                yield
        finally:
            with connection.cursor() as cursor:
                for pragma, value in previous.items():
                    cursor.execute(f"PRAGMA {pragma} = {value}")
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # The person insert hashes a district's households (1.2 million) in memory.
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield
