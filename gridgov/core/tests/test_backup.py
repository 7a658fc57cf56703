"""``gridgov backup`` and ``gridgov restore``, run as an operator runs them: in processes of their
own, with GRIDGOV_DATABASE_URL naming SQLite files or throwaway PostgreSQL databases.

PostgreSQL is reached at 127.0.0.1:5432 as postgres (GRIDGOV_BACKUP_TEST_PG to change it);
when it does not answer the PostgreSQL cases are skipped, except on CI (CI=true), where they
fail. Each case runs once per `make test`: a round trip from SQLite in the suite's SQLite run,
one from PostgreSQL in its PostgreSQL run; the refusals into the suite's own engine.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

PG = os.environ.get("GRIDGOV_BACKUP_TEST_PG", "postgres://postgres@127.0.0.1:5432")
DATA_KEY = "11" * 32
OTHER_KEY = "22" * 32
_names = itertools.count(1)


def _pg_admin():
    import psycopg

    try:
        return psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"PostgreSQL at {PG} does not answer on CI: {exc}")
        pytest.skip(f"PostgreSQL at {PG} does not answer: {exc}")


class Site:
    """One installation: a database and a var directory (its uploaded files)."""

    def __init__(self, url: str, var: Path) -> None:
        self.url, self.var = url, var
        var.mkdir(parents=True, exist_ok=True)

    def env(self, key: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
        env |= {
            "GRIDGOV_DATABASE_URL": self.url,
            "GRIDGOV_VAR_DIR": str(self.var),
            "GRIDGOV_DATA_KEY": key,
            "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        }
        return env

    def run(self, *args: str, key: str = DATA_KEY, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, *args], env=self.env(key), capture_output=True, text=True, timeout=300
        )
        if ok and done.returncode:
            raise AssertionError(f"{args} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def gridgov(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.run("-m", "gridgov", *args, **kw)

    def driver(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.run("-m", "gridgov.core.tests.backup_driver", *args, **kw)

    def facts(self, *command: str) -> dict:
        """What the database holds (after running the driver's ``command``)."""
        return json.loads(self.driver(*(command or ("facts",))).stdout)

    def popen_driver(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "gridgov.core.tests.backup_driver", *args],
            env=self.env(DATA_KEY),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


class Sites:
    """Makes installations under one directory; its PostgreSQL databases are dropped at the end.

    A migrated installation is copied from one migrated once (a template database on
    PostgreSQL, SQLite's backup API for a file): migrating costs seconds each time.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.admin: Any = None
        self.databases: list[str] = []
        self.templates: dict[str, str] = {}

    def make(self, engine: str, *, migrated: bool = False) -> Site:
        n = next(_names)
        var = self.root / f"site{n}"
        if engine == "sqlite":
            path = self.root / f"site{n}.sqlite3"
            if migrated:
                with sqlite3.connect(self._template(engine)) as tpl, sqlite3.connect(path) as db:
                    tpl.backup(db)
            return Site(f"sqlite:///{path}", var)
        self.admin = self.admin or _pg_admin()
        name = f"backup_{os.getpid()}_{n}"
        template = f' TEMPLATE "{self._template(engine)}"' if migrated else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{template}')
        self.databases.append(name)
        return Site(f"{PG}/{name}", var)

    def _template(self, engine: str) -> str:
        if engine not in self.templates:
            site = self.make(engine)
            site.gridgov("migrate", "--noinput", "-v0")
            self.templates[engine] = (
                site.url.removeprefix("sqlite:///")
                if engine == "sqlite"
                else site.url.rsplit("/", 1)[-1]
            )
        return self.templates[engine]

    def tables(self, site: Site) -> list[str]:
        """The tables of the site's database: none means nothing was ever written to it."""
        if site.url.startswith("sqlite:///"):
            path = Path(site.url.removeprefix("sqlite:///"))
            if not path.exists():
                return []
            with sqlite3.connect(path) as db:
                sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
                return [r[0] for r in db.execute(sql)]
        import psycopg

        with psycopg.connect(site.url, connect_timeout=3) as db:
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            return [r[0] for r in db.execute(sql)]

    def close(self) -> None:
        if self.admin is not None:
            for name in self.databases:
                self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    made = Sites(tmp_path_factory.mktemp("backup"))
    yield made
    made.close()


@pytest.fixture
def make_site(sites):
    return sites.make


def _suite_engine() -> str:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if engine.endswith("postgresql") else "sqlite"


def _in_this_run(source: str) -> None:
    """A case whose source is the other engine runs in the suite's run on that engine:
    `make test` runs the suite on SQLite and on PostgreSQL, and each case once is enough."""
    if source != _suite_engine():
        pytest.skip(f"runs in the suite's run on {source}")


def _seeded(site: Site) -> tuple[Site, dict]:
    return site, site.facts("seed")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "target", "migrate_first"),
    [
        ("sqlite", "sqlite", False),
        ("postgresql", "postgresql", True),
        ("sqlite", "postgresql", False),
        ("postgresql", "sqlite", True),
    ],
)
def test_a_restored_installation_equals_the_one_backed_up(
    make_site, tmp_path, source, target, migrate_first
):
    _in_this_run(source)
    src, before = _seeded(make_site(source, migrated=True))
    archive = tmp_path / "nightly.tar"
    said = src.gridgov("backup", str(archive)).stdout
    assert archive.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert f"SHA-256 {hashlib.sha256(archive.read_bytes()).hexdigest()}" in said

    # Into a database that `migrate` made (migrate writes a few rows itself), or into one
    # without a table, which restore migrates first.
    dst = make_site(target, migrated=migrate_first)
    out = dst.gridgov("restore", str(archive)).stdout
    assert "审计链完好" in out

    after = dst.facts()
    assert after == before
    assert after["audit_ok"] and after["audit_checked"] == before["counts"]["core.auditentry"]
    assert len(after["persons"]) == 8 and len(after["photos"]) == 3
    assert after["matters_created"] == sorted(after["matters"])
    # The restored installation goes on: new rows get new ids (sequences moved past the
    # archive's), and the chain grows from the restored head.
    grown = dst.facts("write", str(tmp_path / "no-stop"), str(tmp_path / "count"), "1")
    assert len(grown["matters"]) == len(before["matters"]) + 1
    assert grown["audit_ok"]


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_backup_taken_while_matters_are_written_restores_consistently(
    make_site, tmp_path, engine
):
    _in_this_run(engine)
    src, _ = _seeded(make_site(engine, migrated=True))
    stop, count = tmp_path / "stop", tmp_path / "count"

    def made() -> int:
        return int(count.read_text() or 0) if count.exists() else 0

    writer = src.popen_driver("write", str(stop), str(count))
    try:
        _wait(lambda: made() >= 3, writer)
        src.gridgov("backup", str(tmp_path / "busy.tar"))
        at_backup_end = made()
        _wait(lambda: made() > at_backup_end, writer)  # it was still writing
    finally:
        stop.touch()
        _, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors

    dst = make_site(engine)
    dst.gridgov("restore", str(tmp_path / "busy.tar"))
    facts = dst.facts()
    restored = len(facts["matters"]) - 3  # the writer's matters in the snapshot
    assert 3 <= restored < made()
    # Each matter with its creation entry and nothing half-written: events and messages of
    # exactly the matters there are, and a chain that verifies up to its head.
    assert facts["matters_created"] == sorted(facts["matters"])
    assert facts["counts"]["cases.matterevent"] == len(facts["matters"])
    assert facts["audit_ok"]
    assert facts["audit_checked"] == facts["counts"]["core.auditentry"]


def _wait(condition, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if process.poll() is not None:
            stderr = process.stderr.read() if process.stderr else ""
            raise AssertionError(f"the writer stopped: {stderr}")
        if time.monotonic() > deadline:
            raise AssertionError("the writer made no progress")
        time.sleep(0.05)


# Refusals: each leaves the target as it was.


@pytest.fixture(scope="module")
def archive(sites) -> tuple[Path, dict]:
    """An archive of the suite's engine; the refusals below restore it into that engine."""
    src, facts = _seeded(sites.make(_suite_engine(), migrated=True))
    path = sites.root / "good.tar"
    src.gridgov("backup", str(path))
    return path, facts


def _restore_refused(site: Site, path: Path, *, key: str = DATA_KEY) -> str:
    done = site.gridgov("restore", str(path), key=key, ok=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    return done.stderr


def test_a_truncated_archive_is_refused_and_nothing_is_written(sites, archive, tmp_path):
    good, _ = archive
    data = good.read_bytes()
    with tarfile.open(good) as tar:
        manifest = tar.getmember("manifest.json")
    # Cut in the middle of the tables, and in the middle of the manifest (the last member).
    for cut in (len(data) // 3, manifest.offset_data + manifest.size // 2):
        short = tmp_path / f"short{cut}.tar"
        short.write_bytes(data[:cut])
        dst = sites.make(_suite_engine())
        assert "备份文件损坏或不完整" in _restore_refused(dst, short)
        assert sites.tables(dst) == []
        assert not (dst.var / "media").exists() or not any((dst.var / "media").rglob("*.jpg"))


def test_an_archive_with_one_changed_byte_is_refused(sites, archive, tmp_path):
    good, _ = archive
    with tarfile.open(good) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("people.person.jsonl.gz"))
    data = bytearray(good.read_bytes())
    data[member.offset_data + member.size // 2] ^= 0x01
    bad = tmp_path / "flipped.tar"
    bad.write_bytes(bytes(data))
    dst = sites.make(_suite_engine())
    message = _restore_refused(dst, bad)
    assert "SHA-256 与清单不符" in message and "people.person" in message
    assert sites.tables(dst) == []


def test_a_wrong_data_key_is_refused_and_nothing_is_written(sites, archive):
    good, _ = archive
    dst = sites.make(_suite_engine())
    message = _restore_refused(dst, good, key=OTHER_KEY)
    assert "数据密钥不符" in message
    assert DATA_KEY not in message and OTHER_KEY not in message
    assert sites.tables(dst) == []


def test_a_target_with_data_is_refused_and_kept_as_it_was(sites, archive):
    good, _ = archive
    dst, before = _seeded(sites.make(_suite_engine(), migrated=True))
    assert "目标数据库不是空的" in _restore_refused(dst, good)
    assert dst.facts() == before


def test_backup_does_not_overwrite_a_file(archive, tmp_path):
    good, _ = archive
    site = Site(f"sqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "x")
    done = site.gridgov("backup", str(good), ok=False)
    assert done.returncode != 0 and "已存在" in done.stderr


def test_the_manifest_names_what_the_archive_holds_and_not_the_key(archive):
    good, facts = archive
    with tarfile.open(good) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        raw = b"".join(tar.extractfile(m).read() for m in tar.getmembers())
    assert names[-1] == "manifest.json"
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    assert {t["model"]: t["rows"] for t in manifest["tables"]} == facts["counts"]
    assert manifest["audit_head"]["count"] == facts["counts"]["core.auditentry"]
    assert manifest["migrations"] and manifest["gridgov_version"]
    assert sum(n.startswith("media/matters/") for n in names) == 3
    assert "sessions.session" not in {t["model"] for t in manifest["tables"]}
    # Neither the key nor any value it protects: ciphertext only.
    assert DATA_KEY.encode() not in raw and bytes.fromhex(DATA_KEY) not in raw
    persons = next(t for t in manifest["tables"] if t["model"] == "people.person")
    with tarfile.open(good) as tar:
        text = gzip.decompress(tar.extractfile(persons["member"]).read()).decode()
    assert all(cid not in text and phone not in text for cid, phone in facts["persons"].values())


def _rewritten(good: Path, out: Path, change) -> Path:
    """The archive with its manifest changed by ``change`` (the members' hashes still hold)."""
    with tarfile.open(good) as tar, tarfile.open(out, "w") as new:
        for member in tar.getmembers():
            body = tar.extractfile(member).read()  # type: ignore[union-attr]  # files only
            if member.name == "manifest.json":
                manifest = json.loads(body)
                change(manifest)
                body = json.dumps(manifest).encode()
                member.size = len(body)
            new.addfile(member, io.BytesIO(body))
    return out


def test_ciphertext_under_another_key_is_refused_even_if_the_manifest_says_otherwise(
    archive, tmp_path
):
    """The manifest's key check is the first witness, a sample decryption the second."""
    from gridgov.core.backup import BackupError, restore_read
    from gridgov.core.crypto import key_check_values

    good, _ = archive

    def claim_our_key(manifest):
        manifest["data_keys"] = key_check_values()  # this process's key, not the archive's

    forged = _rewritten(good, tmp_path / "forged.tar", claim_our_key)
    with pytest.raises(BackupError, match="无法用 GRIDGOV_DATA_KEY 解密"):
        restore_read(forged, progress=lambda _: None)


def test_an_archive_of_another_schema_is_refused(archive, tmp_path):
    from gridgov.core.backup import BackupError, restore_read

    good, _ = archive

    def newer(manifest):
        manifest["migrations"].append(["people", "9999_from_the_future"])

    with pytest.raises(BackupError, match=r"people\.9999_from_the_future"):
        restore_read(_rewritten(good, tmp_path / "newer.tar", newer), progress=lambda _: None)


@pytest.mark.parametrize("name", ["../outside.jpg", "media/../../outside.jpg", "/etc/passwd"])
def test_a_member_outside_the_archive_is_refused(tmp_path, name):
    from gridgov.core.backup import BackupError, restore_read

    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="不应有的成员"):
        restore_read(path, progress=lambda _: None)
    assert not (tmp_path.parent / "outside.jpg").exists()


@pytest.mark.django_db(transaction=True)
def test_the_snapshot_does_not_see_writes_that_commit_during_it():
    """What makes a backup consistent: every table is read as it was when the backup began."""
    from django.db import connection

    from gridgov.core.backup.dump import snapshot
    from gridgov.core.models import CalendarDay

    CalendarDay.objects.create(date="2026-10-01", name="国庆节")

    def write_elsewhere():
        from django.db import connection as other

        CalendarDay.objects.create(date="2026-10-02", name="国庆节")
        other.close()

    with snapshot():
        assert CalendarDay.objects.count() == 1
        thread = threading.Thread(target=write_elsewhere)
        thread.start()
        thread.join()
        assert CalendarDay.objects.count() == 1  # committed, but after the snapshot began
    assert CalendarDay.objects.count() == 2
    assert connection.get_autocommit()
