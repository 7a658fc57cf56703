"""Writing an archive: every table read inside one snapshot of the database, then the media."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from gridgov.core.crypto import key_check_values
from gridgov.core.models import AuditHead

from . import format as fmt

Progress = Callable[[str], None]
CHUNK_ROWS = 2000  # rows fetched per round trip; memory stays flat whatever the table's size
PROGRESS_EVERY = 50_000


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@contextlib.contextmanager
def snapshot(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """One read-only transaction that sees the database as it was when the backup began.

    PostgreSQL: ``REPEATABLE READ, READ ONLY`` gives every statement of the transaction the
    same snapshot, and blocks no writer. SQLite: a deferred ``BEGIN`` (not Django's ``atomic``,
    which begins ``IMMEDIATE`` here and would hold the write lock for the whole backup); in WAL
    mode the read transaction keeps the snapshot of its first read while writers go on.
    """
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with transaction.atomic(using=alias):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor != "sqlite":
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    connection.ensure_connection()
    if not connection.get_autocommit() or connection.in_atomic_block:
        raise BackupError("备份须在事务之外开始")
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        # The snapshot is fixed by the first read, so read at once.
        cursor.execute("SELECT count(*) FROM sqlite_master")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")  # it wrote nothing


class _HashingReader(io.RawIOBase):
    """Feeds a file to ``tarfile`` and hashes what it reads, so each member is read once."""

    def __init__(self, handle: Any) -> None:
        self.handle, self.sha = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.handle.read(size)
        self.sha.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, source: Path, mtime: float) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = source.stat().st_size, int(mtime), 0o600
    with source.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"sha256": reader.sha.hexdigest(), "size": info.size}


def _dump_table(
    model: type[models.Model], out: Path, alias: str, files: set[str], progress: Progress
) -> tuple[list[str], int]:
    fields = fmt.columns(model)
    encoders = [fmt.encoder(f) for f in fields]
    file_columns = [i for i, f in enumerate(fields) if isinstance(f, models.FileField)]
    rows = (
        model._base_manager.using(alias)
        .order_by("pk")
        .values_list(*(f.attname for f in fields))
        .iterator(chunk_size=CHUNK_ROWS)
    )
    count = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=6) as handle:
        for row in rows:
            handle.write(json.dumps(fmt.encode_row(row, encoders), ensure_ascii=False))
            handle.write("\n")
            files.update(row[i] for i in file_columns if row[i])
            count += 1
            if count % PROGRESS_EVERY == 0:
                progress(f"  {model._meta.label_lower}: {count} 行…")
    return [f.attname for f in fields], count


def backup_write(
    path: str | os.PathLike[str], *, alias: str = DEFAULT_DB_ALIAS, progress: Progress = print
) -> dict[str, Any]:
    """Write the archive to ``path`` (refused if it exists) and return its manifest.

    The archive appears under its name only when complete (written beside it, then renamed),
    readable by its owner only: it holds everything but the data key.
    """
    target = Path(path).resolve()
    if target.exists():
        raise BackupError(f"{target} 已存在：备份不覆盖已有文件")
    if not target.parent.is_dir():
        raise BackupError(f"目录 {target.parent} 不存在")
    started = time.monotonic()
    partial = target.with_name(f".{target.name}.partial")
    connection = connections[alias]
    manifest: dict[str, Any] = {
        "format": fmt.FORMAT,
        "format_version": fmt.FORMAT_VERSION,
        "gridgov_version": fmt.gridgov_version(),
        "created_at": timezone.now().isoformat(),
        "source_engine": connection.vendor,
        "data_keys": key_check_values(),
    }
    members: dict[str, dict[str, Any]] = {}
    tables: list[dict[str, Any]] = []
    files: set[str] = set()
    now = time.time()
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
            tempfile.TemporaryDirectory(prefix=".gridgov-backup-", dir=target.parent) as spool,
        ):
            with snapshot(alias):
                manifest["migrations"] = fmt.applied_migrations(connection)
                head = AuditHead.objects.using(alias).filter(pk=1).values("last_hash", "count")
                manifest["audit_head"] = head.first()
                for number, model in enumerate(fmt.carried_models(), start=1):
                    label = model._meta.label_lower
                    name = f"{fmt.DATA_DIR}{number:04d}-{label}.jsonl.gz"
                    spooled = Path(spool) / f"{number:04d}.gz"
                    cols, count = _dump_table(model, spooled, alias, files, progress)
                    members[name] = _add_file(tar, name, spooled, now)
                    spooled.unlink()
                    tables.append({"model": label, "member": name, "columns": cols, "rows": count})
                    if count:
                        progress(f"{label}: {count} 行")
            # After the snapshot: a file is stored before the row that names it commits, so
            # every file the snapshot's rows name is already there.
            missing = _add_media(tar, sorted(files), members, now)
            for name in missing:
                progress(f"缺少上传文件：{name}（数据库中有记录，磁盘上没有）")
            manifest |= {"tables": tables, "media_missing": missing, "members": members}
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(fmt.MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(now), 0o600
            tar.addfile(info, io.BytesIO(body))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    rows = sum(t["rows"] for t in tables)
    progress(
        f"备份完成：{target}，{len(tables)} 个表 {rows} 行，"
        f"{len(files) - len(manifest['media_missing'])} 个上传文件，"
        f"{time.monotonic() - started:.1f} 秒"
    )
    # For the operator's log, kept apart from the archive: the members' sums inside it catch
    # damage, this one also catches an archive rewritten as a whole.
    progress(f"SHA-256 {file_sha256(target)}  {target.name}")
    return manifest


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def _add_media(
    tar: tarfile.TarFile, names: list[str], members: dict[str, dict[str, Any]], now: float
) -> list[str]:
    missing = []
    for name in names:
        try:
            source = Path(default_storage.path(name))
        except SuspiciousFileOperation:  # a name outside the media folder is never followed
            missing.append(name)
            continue
        if not source.is_file():
            missing.append(name)
            continue
        member = fmt.MEDIA_DIR + name
        members[member] = _add_file(tar, member, source, now)
    return missing
