"""Restoring an archive into an empty database, of either engine.

Everything that can refuse the archive is checked before the first write: every member's
SHA-256 against the manifest, the migrations against this version's, the data key against the
manifest's check value and a sample of the ciphertext, the target's emptiness. The rows are
then loaded in one transaction, which commits only if the counts match the manifest and the
audit chain verifies up to the manifest's head.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction

from gridgov.core.audit import audit_verify
from gridgov.core.crypto import DataKeyError, decrypt, key_check_values
from gridgov.core.models import AuditHead

from . import format as fmt
from .dump import BackupError, Progress, file_sha256

INSERT_BATCH = 500
KEY_SAMPLE_ROWS = 50
_DATA_NAME = re.compile(r"^data/\d{4}-[a-z0-9_]+\.[a-z0-9_]+\.jsonl\.gz$")
_DAMAGED = "备份文件损坏或不完整"


class _Archive:
    """An archive whose members all match the manifest's SHA-256 (``verify``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.tar = tarfile.open(path, mode="r:")  # noqa: SIM115 (closed by __exit__)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"{_DAMAGED}：{path} 不是可读的备份归档（{exc}）") from exc

    def __enter__(self) -> _Archive:
        try:
            self._index()
        except BaseException:
            self.tar.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.tar.close()

    def _index(self) -> None:
        try:
            infos = self.tar.getmembers()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"{_DAMAGED}：{self.path} 不是可读的备份归档（{exc}）") from exc
        self.infos: dict[str, tarfile.TarInfo] = {}
        for info in infos:
            if not info.isfile() or info.name in self.infos or not _safe(info.name):
                raise BackupError(f"{_DAMAGED}：不应有的成员 {info.name!r}")
            self.infos[info.name] = info
        if fmt.MANIFEST not in self.infos:
            raise BackupError(f"{_DAMAGED}：没有 {fmt.MANIFEST}（文件被截断，或不是 gridgov 备份）")
        try:
            manifest = json.loads(self.read(fmt.MANIFEST))
        except (ValueError, tarfile.TarError, EOFError, OSError) as exc:
            raise BackupError(f"{_DAMAGED}：{fmt.MANIFEST} 无法读取（{exc}）") from exc
        if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT:
            raise BackupError(f"{self.path} 不是 gridgov 备份")
        if manifest.get("format_version") != fmt.FORMAT_VERSION:
            raise BackupError(
                f"备份格式版本 {manifest.get('format_version')} 不受支持"
                f"（本版本读取 {fmt.FORMAT_VERSION}）"
            )
        if not _well_formed(manifest):
            raise BackupError(f"{_DAMAGED}：{fmt.MANIFEST} 的内容不完整")
        self.manifest = manifest
        self.members: dict[str, dict[str, Any]] = manifest["members"]
        self.tables: list[dict[str, Any]] = manifest["tables"]

    def read(self, name: str) -> bytes:
        handle = self.tar.extractfile(self.infos[name])
        assert handle is not None  # regular files only (checked above)
        return handle.read()

    def verify(self, progress: Progress) -> None:
        listed = set(self.members) | {fmt.MANIFEST}
        if extra := sorted(set(self.infos) - listed):
            raise BackupError(f"{_DAMAGED}：清单中没有的成员 {extra[0]}")
        if missing := sorted(listed - set(self.infos)):
            raise BackupError(f"{_DAMAGED}：缺少成员 {missing[0]}（文件被截断？）")
        for table in self.tables:
            if not _DATA_NAME.match(table["member"]) or table["member"] not in self.members:
                raise BackupError(f"{_DAMAGED}：表 {table['model']} 的数据成员不在清单中")
        for name in sorted(self.members):
            if not (name.startswith((fmt.DATA_DIR, fmt.MEDIA_DIR))):
                raise BackupError(f"{_DAMAGED}：不应有的成员 {name!r}")
            sha, size = hashlib.sha256(), 0
            try:
                for block in self.blocks(name):
                    sha.update(block)
                    size += len(block)
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise BackupError(f"{_DAMAGED}：成员 {name} 无法读取（{exc}）") from exc
            expected = self.members[name]
            if size != expected.get("size") or sha.hexdigest() != expected.get("sha256"):
                raise BackupError(f"{_DAMAGED}：成员 {name} 的 SHA-256 与清单不符")
        progress(f"备份文件完好：{len(self.members)} 个成员的 SHA-256 与清单相符")

    def blocks(self, name: str) -> Iterator[bytes]:
        handle = self.tar.extractfile(self.infos[name])
        assert handle is not None
        while block := handle.read(1 << 20):
            yield block

    def rows(self, table: dict[str, Any]) -> Iterator[list[Any]]:
        """The table's rows, its member hashed again as it is read (the file may have changed
        since ``verify``)."""
        name = table["member"]
        handle = self.tar.extractfile(self.infos[name])
        assert handle is not None
        hashing = _Hashing(handle)
        width = len(table["columns"])
        try:
            with gzip.open(hashing, "rt", encoding="utf-8") as lines:
                for line in lines:
                    row = json.loads(line)
                    if not isinstance(row, list) or len(row) != width:
                        raise ValueError(f"a row of {len(row)} values, not {width}")
                    yield row
        except (ValueError, OSError, EOFError, zlib.error, tarfile.TarError) as exc:
            raise BackupError(f"{_DAMAGED}：成员 {name} 无法读取（{exc}）") from exc
        if hashing.sha.hexdigest() != self.members[name]["sha256"]:
            raise BackupError(f"{_DAMAGED}：成员 {name} 在恢复途中变了")


class _Hashing(io.RawIOBase):
    def __init__(self, handle: Any) -> None:
        self.handle, self.sha = handle, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.handle.read(len(buffer))
        self.sha.update(data)
        buffer[: len(data)] = data
        return len(data)


def _well_formed(manifest: dict[str, Any]) -> bool:
    """The manifest has the shape ``dump`` writes (its values are checked where they are used)."""
    members, tables = manifest.get("members"), manifest.get("tables")
    return (
        isinstance(members, dict)
        and all(
            isinstance(m, dict)
            and isinstance(m.get("sha256"), str)
            and isinstance(m.get("size"), int)
            for m in members.values()
        )
        and isinstance(tables, list)
        and all(
            isinstance(t, dict)
            and isinstance(t.get("model"), str)
            and isinstance(t.get("member"), str)
            and isinstance(t.get("columns"), list)
            and isinstance(t.get("rows"), int)
            for t in tables
        )
        and isinstance(manifest.get("migrations"), list)
        and isinstance(manifest.get("data_keys"), list)
        and (manifest.get("audit_head") is None or isinstance(manifest.get("audit_head"), dict))
    )


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and "\x00" not in name
        and (name == fmt.MANIFEST or name.startswith((fmt.DATA_DIR, fmt.MEDIA_DIR)))
    )


def _check_code(archive: _Archive) -> dict[str, type[models.Model]]:
    """The archive's tables and migrations are this version's; its data key is ours."""
    manifest = archive.manifest
    ours, theirs = fmt.code_migrations(), manifest.get("migrations", [])
    if ours != theirs:
        newer = [m for m in theirs if m not in ours]
        older = [m for m in ours if m not in theirs]
        detail = (
            f"备份中有本版本没有的迁移 {'.'.join(newer[0])}"
            if newer
            else f"备份缺少迁移 {'.'.join(older[0])}"
        )
        raise BackupError(
            f"备份的数据库结构与本版本不同：{detail}。请用写下备份的 gridgov "
            f"{manifest.get('gridgov_version')} 恢复，再用本版本 gridgov migrate 升级"
        )
    known = set(key_check_values())
    keys = manifest.get("data_keys") or []
    if not keys or not set(keys) <= known:
        raise BackupError(
            "数据密钥不符：备份是用另一个 GRIDGOV_DATA_KEY 写的。请设置写备份时的数据密钥"
            "（轮换中的旧密钥放在 GRIDGOV_DATA_KEY_PREVIOUS）"
        )
    models_by_label = {m._meta.label_lower: m for m in fmt.carried_models()}
    listed = {t["model"] for t in archive.tables}
    if listed != set(models_by_label):
        strange = sorted(listed ^ set(models_by_label))
        raise BackupError(f"备份的表与本版本不同：{strange[0]}")
    for table in archive.tables:
        model = models_by_label[table["model"]]
        if table["columns"] != [f.attname for f in fmt.columns(model)]:
            raise BackupError(f"备份中表 {table['model']} 的列与本版本不同")
    return models_by_label


def _check_ciphertext(archive: _Archive, models_by_label: dict[str, type[models.Model]]) -> int:
    """Decrypt a sample of every encrypted column: the key check's second witness."""
    tried = 0
    for table in archive.tables:
        fields = fmt.columns(models_by_label[table["model"]])
        ciphers = [
            i
            for i, f in enumerate(fields)
            if isinstance(f, models.BinaryField) and f.name.endswith("_cipher")
        ]
        if not ciphers or not table["rows"]:
            continue
        for number, row in enumerate(archive.rows(table)):
            if number >= KEY_SAMPLE_ROWS:
                break
            for i in ciphers:
                if row[i] is None:
                    continue
                try:
                    decrypt(bytes(fields[i].to_python(row[i])))
                except (DataKeyError, ValueError) as exc:
                    raise BackupError(
                        f"数据密钥不符：{table['model']}.{fields[i].name} 无法用 "
                        "GRIDGOV_DATA_KEY 解密"
                    ) from exc
                tried += 1
    return tried


def _check_target_empty(alias: str, archive: _Archive) -> None:
    connection = connections[alias]
    existing = set(connection.introspection.table_names())
    ignored = {"django_migrations"} | {
        model._meta.db_table
        for label in fmt.MIGRATE_WRITES | fmt.NOT_CARRIED
        if (model := _model(label)) is not None
    }
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(existing - ignored):
            cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")
            if cursor.fetchone() is not None:
                raise BackupError(
                    f"目标数据库不是空的：表 {table} 中已有数据。恢复只写入空数据库"
                    "（新建一个数据库，设置 GRIDGOV_DATABASE_URL 指向它）"
                )
    media = Path(settings.MEDIA_ROOT)
    for name in archive.members:
        if name.startswith(fmt.MEDIA_DIR) and (media / name[len(fmt.MEDIA_DIR) :]).exists():
            raise BackupError(f"上传文件目录中已有 {name[len(fmt.MEDIA_DIR) :]}：恢复不覆盖文件")


def _model(label: str) -> type[models.Model] | None:
    from django.apps import apps

    try:
        return apps.get_model(label)
    except LookupError:
        return None


def restore_read(
    path: str | os.PathLike[str], *, alias: str = DEFAULT_DB_ALIAS, progress: Progress = print
) -> dict[str, Any]:
    """Load the archive at ``path`` into the empty database ``alias``; return its manifest."""
    started = time.monotonic()
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source} 不存在")
    progress(f"SHA-256 {file_sha256(source)}  {source.name}")
    with _Archive(source) as archive:
        return _restore(archive, alias, progress, started)


def _restore(archive: _Archive, alias: str, progress: Progress, started: float) -> dict[str, Any]:
    archive.verify(progress)
    models_by_label = _check_code(archive)
    sampled = _check_ciphertext(archive, models_by_label)
    progress(f"数据密钥相符（抽查解密 {sampled} 个值）")
    _check_target_empty(alias, archive)
    # Nothing was written up to here. An empty target gets gridgov's tables first.
    call_command("migrate", database=alias, interactive=False, verbosity=0)
    staging = Path(settings.MEDIA_ROOT).parent / f".restore-media-{os.getpid()}"
    try:
        try:
            with transaction.atomic(using=alias):
                _load_rows(alias, archive, models_by_label, progress)
                _extract_media(archive, staging)
                _check_loaded(alias, archive, progress)
        except (DatabaseError, ValidationError, ValueError, TypeError) as exc:
            # Rows the database or a field refuses: only a forged archive gets this far.
            raise BackupError(f"备份中的数据无法写入，未写入任何数据：{exc}") from exc
        ContentType.objects.clear_cache()
        moved = _move_media(staging, Path(settings.MEDIA_ROOT))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    rows = sum(t["rows"] for t in archive.tables)
    progress(
        f"恢复完成：{len(archive.tables)} 个表 {rows} 行，{moved} 个上传文件，"
        f"{time.monotonic() - started:.1f} 秒"
    )
    if archive.manifest["data_keys"][0] != key_check_values()[0]:
        progress("备份中的数据是用旧数据密钥加密的：请运行 gridgov datakey rotate")
    return archive.manifest


def _load_rows(
    alias: str,
    archive: _Archive,
    models_by_label: dict[str, type[models.Model]],
    progress: Progress,
) -> None:
    connection = connections[alias]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if fmt.applied_migrations(connection) != archive.manifest["migrations"]:
            raise BackupError("目标数据库的迁移状态与备份不同")
        # What migrate wrote (content types, permissions, default categories) gives way to the
        # archive's rows, which the other rows point to by id.
        for label in sorted(fmt.MIGRATE_WRITES):
            if (model := _model(label)) is not None:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")
        for table in archive.tables:
            model = models_by_label[table["model"]]
            fields = fmt.columns(model)
            decoders = [fmt.decoder(f) for f in fields]
            sql = "INSERT INTO {} ({}) VALUES ({})".format(
                quote(model._meta.db_table),
                ", ".join(quote(f.column) for f in fields),
                ", ".join(["%s"] * len(fields)),
            )
            batch: list[list[Any]] = []
            count = 0
            for row in archive.rows(table):
                batch.append(
                    [
                        None if value is None else field.get_db_prep_save(decode(value), connection)
                        for value, field, decode in zip(row, fields, decoders, strict=True)
                    ]
                )
                if len(batch) >= INSERT_BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
                    if count % 50_000 == 0:
                        progress(f"  {table['model']}: {count} 行…")
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
            if count != table["rows"]:
                raise BackupError(
                    f"{_DAMAGED}：表 {table['model']} 有 {count} 行，清单说 {table['rows']} 行"
                )
            if count:
                progress(f"{table['model']}: {count} 行")
        # PostgreSQL's sequences do not move when ids are given: set them past the largest.
        for statement in connection.ops.sequence_reset_sql(
            no_style(), list(models_by_label.values())
        ):
            cursor.execute(statement)


def _check_loaded(alias: str, archive: _Archive, progress: Progress) -> None:
    connection = connections[alias]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in archive.tables:
            model = _model(table["model"])
            assert model is not None
            cursor.execute(f"SELECT COUNT(*) FROM {quote(model._meta.db_table)}")
            (count,) = cursor.fetchone()
            if count != table["rows"]:
                raise BackupError(
                    f"表 {table['model']} 恢复后有 {count} 行，备份中有 {table['rows']} 行"
                )
    result = audit_verify()
    if not result.ok:
        where = (
            f"（第一条损坏的记录 id={result.first_broken_id}）" if result.first_broken_id else ""
        )
        raise BackupError(f"审计链核对失败{where}：{result.reason}。未写入任何数据")
    head = AuditHead.objects.using(alias).filter(pk=1).values("last_hash", "count").first()
    if head != archive.manifest.get("audit_head"):
        raise BackupError("审计链头与备份清单不符。未写入任何数据")
    progress(f"审计链完好：共 {result.checked} 条记录，链头与清单相符")


def _extract_media(archive: _Archive, staging: Path) -> None:
    for name in sorted(archive.members):
        if not name.startswith(fmt.MEDIA_DIR):
            continue
        out = staging / name[len(fmt.MEDIA_DIR) :]
        out.parent.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256()
        with out.open("xb") as handle:
            for block in archive.blocks(name):
                sha.update(block)
                handle.write(block)
        if sha.hexdigest() != archive.members[name]["sha256"]:
            raise BackupError(f"{_DAMAGED}：成员 {name} 在恢复途中变了")


def _move_media(staging: Path, media: Path) -> int:
    moved = 0
    if not staging.exists():
        return 0
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = media / source.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        moved += 1
    return moved
