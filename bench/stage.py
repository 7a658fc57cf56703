"""One measured stage of the import benchmark, run in its own process so that its peak memory
(ru_maxrss) is its own. Prints one JSON line.

    python -m bench.stage ours     --db URL --dir CSV_DIR --kinds households,persons
    python -m bench.stage raw      --db URL --dir CSV_DIR --kinds households,persons
    python -m bench.stage bulk     --db URL --dir CSV_DIR --kinds households,persons
    python -m bench.stage validate --db URL --dir CSV_DIR --kinds households,persons
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import time
from pathlib import Path


def _setup(db_url: str) -> None:
    os.environ["GRIDGOV_DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()


def _rows(path: Path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        yield header
        yield from reader


def stage_ours(dir_: Path, kinds: list[str], *, dry_run: bool = False) -> dict:
    """gridgov's importer: validation, encryption, set-based checks, upsert, counters."""
    from gridgov.core.context import Source, actor_context
    from gridgov.dataio.services import import_file

    per_kind = {}
    total_rows = 0
    start = time.perf_counter()
    with actor_context(source=Source.IMPORT):
        for kind in kinds:
            t0 = time.perf_counter()
            schema_kind = kind.split("_10pct")[0]
            result = import_file(
                kind=schema_kind, path=dir_ / f"{kind}.csv", dry_run=dry_run, max_bytes=None
            )
            if not result.ok:
                raise SystemExit(f"{kind}: {result.error_count} errors, first: {result.errors[:3]}")
            seconds = time.perf_counter() - t0
            per_kind[kind] = {"rows": result.total_rows, "seconds": round(seconds, 3)}
            total_rows += result.total_rows
    return {"rows": total_rows, "seconds": time.perf_counter() - start, "kinds": per_kind}


def stage_validate(dir_: Path, kinds: list[str]) -> dict:
    """Reading, validation and encryption alone, in this one process, nothing written: the
    part of the import that is Python's, and the floor of its time on one core."""
    from django.utils import timezone

    from gridgov.dataio.errors import ErrorSink
    from gridgov.dataio.kinds import KINDS
    from gridgov.dataio.pipeline import collector_paused, validated_chunks
    from gridgov.dataio.readers import open_sheet
    from gridgov.dataio.validation import match_header

    total = 0
    start = time.perf_counter()
    for kind in kinds:
        sheet = open_sheet(dir_ / f"{kind}.csv")
        spec = KINDS[kind.split("_10pct")[0]]
        errors = ErrorSink()
        layout = match_header(spec.schema, sheet.header, sheet.header_row, sheet.merged, errors)
        validate = spec.chunk_validator(layout, timezone.localdate())
        with collector_paused():
            for chunk in validated_chunks(sheet, validate):
                total += len(chunk.rows)
                errors.merge(chunk.errors)
        sheet.close()
        if errors:
            raise SystemExit(f"{kind}: {errors.count} errors, first: {errors.items[:3]}")
    return {"rows": total, "seconds": time.perf_counter() - start}


def stage_raw(db_url: str, dir_: Path, kinds: list[str]) -> dict:
    """The engine's own bulk path for the same rows: sqlite3 executemany / PostgreSQL COPY."""
    total = 0
    start = time.perf_counter()
    if db_url.startswith("sqlite"):
        import sqlite3

        con = sqlite3.connect(db_url.split("sqlite:///", 1)[1])
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        for kind in kinds:
            rows = _rows(dir_ / f"{kind}.csv")
            header = next(rows)
            cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
            con.execute(f"DROP TABLE IF EXISTS raw_{kind}")
            con.execute(f"CREATE TABLE raw_{kind} ({cols})")
            marks = ", ".join("?" * len(header))
            with con:
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) == 50_000:
                        con.executemany(f"INSERT INTO raw_{kind} VALUES ({marks})", batch)
                        total += len(batch)
                        batch = []
                con.executemany(f"INSERT INTO raw_{kind} VALUES ({marks})", batch)
                total += len(batch)
        con.close()
    else:
        import psycopg

        with psycopg.connect(db_url) as con, con.cursor() as cur:
            for kind in kinds:
                path = dir_ / f"{kind}.csv"
                rows = _rows(path)
                header = next(rows)
                cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
                cur.execute(f"DROP TABLE IF EXISTS raw_{kind}")
                cur.execute(f"CREATE TABLE raw_{kind} ({cols})")
                with (
                    cur.copy(f"COPY raw_{kind} FROM STDIN (FORMAT csv, HEADER true)") as copy,
                    path.open("rb") as f,
                ):
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
                cur.execute(f"SELECT COUNT(*) FROM raw_{kind}")
                total += cur.fetchone()[0]
            con.commit()
    return {"rows": total, "seconds": time.perf_counter() - start}


def stage_bulk(dir_: Path, kinds: list[str]) -> dict:
    """Django's bulk_create of the same rows into gridgov's tables, without validation or
    encryption (values stored as given): the ORM's own cost of inserting them."""
    import datetime as dt

    from django.db import transaction

    from gridgov.dataio.schemas import SCHEMAS
    from gridgov.grid.models import GridNode
    from gridgov.people.models import Household, Person

    total = 0
    start = time.perf_counter()
    node_ids = dict(GridNode.objects.values_list("code", "id"))
    for kind in kinds:
        rows = _rows(dir_ / f"{kind}.csv")
        header = next(rows)
        index = {c.key: header.index(c.header) for c in SCHEMAS[kind].columns}
        batch = []
        with transaction.atomic():
            if kind == "households":
                model = Household
                for row in rows:
                    code = row[index["microgrid"]]
                    batch.append(
                        Household(
                            number="b" + row[index["number"]],
                            microgrid_id=node_ids[code],
                            grid_path=code,
                            address=row[index["address"]],
                        )
                    )
                    if len(batch) == 5000:
                        Household.objects.bulk_create(batch)
                        total += len(batch)
                        batch = []
                Household.objects.bulk_create(batch)
                total += len(batch)
                hh_ids = dict(
                    Household.objects.filter(number__startswith="b").values_list("number", "id")
                )
            elif kind == "persons":
                model = Person
                for row in rows:
                    cid = row[index["citizen_id"]]
                    batch.append(
                        Person(
                            household_id=hh_ids["b" + row[index["household"]]],
                            grid_path=row[index["household"]][:18],
                            name=row[index["name"]],
                            id_cipher=cid.encode(),
                            id_hash="b" + cid,
                            id_masked=cid,
                            sex="M",
                            birth_date=dt.date(int(cid[6:10]), int(cid[10:12]), int(cid[12:14])),
                            relation="other",
                        )
                    )
                    if len(batch) == 5000:
                        Person.objects.bulk_create(batch)
                        total += len(batch)
                        batch = []
                Person.objects.bulk_create(batch)
                total += len(batch)
            else:
                continue
            del model
    return {"rows": total, "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stage", choices=["ours", "raw", "bulk", "validate"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--kinds", required=True)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    _setup(args.db)
    if args.stage == "ours":
        out = stage_ours(args.dir, kinds, dry_run=args.dry_run)
    elif args.stage == "raw":
        out = stage_raw(args.db, args.dir, kinds)
    elif args.stage == "validate":
        out = stage_validate(args.dir, kinds)
    else:
        out = stage_bulk(args.dir, kinds)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out["rows_per_s"] = round(out["rows"] / out["seconds"]) if out["seconds"] else None
    out["seconds"] = round(out["seconds"], 3)
    print(json.dumps(out, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
