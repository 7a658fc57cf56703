"""``make bench``: the import benchmark and page timings, on SQLite and PostgreSQL.

For each engine, in one run and on the same machine:
  1. gridgov's importer loads the registry (households, persons, party members) from the demo
     CSV files, validation, encryption and set-based checks included: rows/s and peak memory;
  2. the engine's raw bulk path loads the same rows (sqlite3 executemany / PostgreSQL COPY);
     and the importer's Python part alone (reading, validation, encryption; no writes);
  3. Django's bulk_create inserts the same households and persons;
  4. memory does not grow with the file: peak memory of a dry run of 10 % of the persons file
     beside a dry run of the whole file;
  5. tree and list pages: p50 and p95;
  6. what scoping costs: list and count reads as a village cadre, a town cadre and a county
     administrator, beside the same reads in hand-written SQL (bench/scope.py);
then, after the import stages of both engines:
  7. API load: 32 clients creating and updating matters against gunicorn for 60 s, beside
     ``GET /api/v1/me`` in the same run, every acknowledged matter checked (bench/load.py);
  8. routing: point → micro-grid lookups per second on the nanhai boundaries (bench/routing.py);
  9. the link plan (联户方案) at nanhai scale: compute, exact check, greedy baseline, re-plan, and
     storing the plan on each engine (bench/links_plan.py);
 10. contact cards (连心卡): a village's cards as PDF, beside the same cards without QR codes
     and the work before the PDF (bench/links_cards.py);
 11. meeting rolls (应到) of important matters: a village's rolls as they stood on the day beside
     plain queries, recording a villagers' meeting, the matters' pages (bench/decisions_rolls.py).

    make bench                              # nanhai scale (≈4 million rows), both engines
    make bench BENCH_ARGS="--scale county"  # smaller
    python -m bench.run --only load,routing # only the API load and the routing benchmarks
    python -m bench.run --only links_plan   # only the link plan benchmark
    python -m bench.run --only decisions_rolls   # only the meeting rolls, at the village demo
    python -m bench.run --only load --load-seconds 10 --engines sqlite   # a quick load run
Figures go to stdout and bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get("GRIDGOV_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
REGISTRY = ["households", "persons", "party_members"]
SETUP = ["grid", "party_orgs", "bodies"]


def sh(*args: str, env: dict | None = None) -> str:
    proc = subprocess.run(
        args, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"failed: {' '.join(args)}")
    return proc.stdout


def stage(name: str, db: str, csv_dir: Path, kinds: list[str], *extra: str) -> dict:
    out = sh(
        sys.executable,
        "-m",
        "bench.stage",
        name,
        "--db",
        db,
        "--dir",
        str(csv_dir),
        "--kinds",
        ",".join(kinds),
        *extra,
    )
    return json.loads(out.strip().splitlines()[-1])


def pg_available() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 5432)) == 0


def fresh_database(engine: str, scale: str) -> str:
    VAR.mkdir(parents=True, exist_ok=True)
    if engine == "sqlite":
        path = VAR / f"bench-{scale}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        name = f"gridgov_bench_{scale}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name}")
            con.execute(f"CREATE DATABASE {name}")
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    sh(sys.executable, "-m", "gridgov", "migrate", "-v0", env={"GRIDGOV_DATABASE_URL": url})
    return url


def csv_files(scale: str, seed: int) -> Path:
    out = VAR / f"csv-{scale}-{seed}"
    if not (out / "persons.csv").exists():
        print(f"generating the {scale} demo CSV files in {out} …", flush=True)
        t0 = time.perf_counter()
        sh(
            sys.executable,
            "-m",
            "gridgov",
            "demo",
            "--scale",
            scale,
            "--seed",
            str(seed),
            "--csv-only",
            "--out",
            str(out),
        )
        print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    sample = out / "persons_10pct.csv"
    if not sample.exists():
        # Streamed: this process's peak memory is inherited by the stages it starts (Linux keeps
        # ru_maxrss across fork and exec), so it must stay small.
        with (out / "persons.csv").open(encoding="utf-8-sig") as f:
            rows = sum(1 for _ in f) - 1
        with (
            (out / "persons.csv").open(encoding="utf-8-sig") as f,
            sample.open("w", encoding="utf-8") as w,
        ):
            for _, line in zip(range(1 + rows // 10), f, strict=False):
                w.write(line)
    return out


def bench_engine(engine: str, scale: str, csv_dir: Path) -> dict:
    print(f"== {engine} ==", flush=True)
    db = fresh_database(engine, scale)
    result: dict = {"engine": engine}
    result["setup"] = stage("ours", db, csv_dir, SETUP)
    print(f"  grid and organizations: {result['setup']['rows']} rows", flush=True)
    result["ours_households"] = stage("ours", db, csv_dir, ["households"])
    result["dry_10pct"] = stage("ours", db, csv_dir, ["persons_10pct"], "--dry-run")
    result["dry_full"] = stage("ours", db, csv_dir, ["persons"], "--dry-run")
    result["ours_rest"] = stage("ours", db, csv_dir, ["persons", "party_members"])
    rows = result["ours_households"]["rows"] + result["ours_rest"]["rows"]
    seconds = result["ours_households"]["seconds"] + result["ours_rest"]["seconds"]
    result["ours"] = {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": max(
            result["ours_households"]["peak_rss_mb"], result["ours_rest"]["peak_rss_mb"]
        ),
    }
    print(f"  gridgov import: {rows} rows in {seconds:.1f} s", flush=True)
    result["pages"] = json.loads(
        sh(sys.executable, "-m", "bench.pages", "--db", db).strip().splitlines()[-1]
    )
    result["scope"] = json.loads(
        sh(sys.executable, "-m", "bench.scope", "--db", db).strip().splitlines()[-1]
    )
    result["validate"] = stage("validate", db, csv_dir, REGISTRY)
    print(
        f"  validation alone: {result['validate']['rows']} rows in "
        f"{result['validate']['seconds']} s",
        flush=True,
    )
    result["raw"] = stage("raw", db, csv_dir, REGISTRY)
    print(f"  raw engine: {result['raw']['rows']} rows in {result['raw']['seconds']} s", flush=True)
    result["bulk_create"] = stage("bulk", db, csv_dir, ["households", "persons"])
    print(
        f"  bulk_create: {result['bulk_create']['rows']} rows in {result['bulk_create']['seconds']} s",
        flush=True,
    )
    return result


def report(results: list[dict], scale: str) -> str:
    lines = [
        f"### Import benchmark — scale `{scale}`, {dt.datetime.now(dt.UTC):%Y-%m-%d}, {platform.machine()}, "
        f"{os.cpu_count()} cores",
        "",
        "| engine | what | rows | seconds | rows/s | × raw | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        raw_rate = r["raw"]["rows_per_s"]
        for label, key in [
            ("raw engine bulk path", "raw"),
            ("Django bulk_create (households, persons)", "bulk_create"),
            ("**gridgov import** (households, persons, party members)", "ours"),
            ("reading, validation, encryption alone (one process, no writes)", "validate"),
        ]:
            s = r[key]
            lines.append(
                f"| {r['engine']} | {label} | {s['rows']:,} | {s['seconds']} | {s['rows_per_s']:,} "
                f"| {s['rows_per_s'] / raw_rate:.2f} | {s['peak_rss_mb']} |"
            )
        lines.append(
            f"| {r['engine']} | dry run, 10 % of persons | {r['dry_10pct']['rows']:,} | "
            f"{r['dry_10pct']['seconds']} | {r['dry_10pct']['rows_per_s']:,} | | {r['dry_10pct']['peak_rss_mb']} |"
        )
        lines.append(
            f"| {r['engine']} | dry run, all persons | {r['dry_full']['rows']:,} | "
            f"{r['dry_full']['seconds']} | {r['dry_full']['rows_per_s']:,} | | {r['dry_full']['peak_rss_mb']} |"
        )
    lines += ["", "| engine | page | p50 ms | p95 ms |", "|---|---|---:|---:|"]
    for r in results:
        for label, p in r["pages"].items():
            lines.append(f"| {r['engine']} | {label} | {p['p50_ms']} | {p['p95_ms']} |")
    lines += [
        "",
        "| engine | read | scoped p50 / p95 ms | ORM, no scope | raw SQL | × ORM | × raw |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for label, row in r.get("scope", {}).items():
            sc, orm, raw = row["scoped"], row["orm"], row["raw"]
            lines.append(
                f"| {r['engine']} | {label} | {sc['p50_ms']} / {sc['p95_ms']} "
                f"| {orm['p50_ms']} / {orm['p95_ms']} | {raw['p50_ms']} / {raw['p95_ms']} "
                f"| {row['ratio_orm_p50']} | {row['ratio_p50']} |"
            )
    return "\n".join(lines) + "\n"


def run_module(module: str, *args: str) -> None:
    """A benchmark that prints its own progress and report and writes its own result files."""
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"failed: python -m {module} {' '.join(args)}")


STAGES = ["import", "load", "routing", "links_plan", "links_cards", "decisions_rolls"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", default="nanhai", choices=["village", "town", "county", "nanhai"]
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument(
        "--only",
        default=",".join(STAGES),
        help=(
            "comma-separated stages to run: import (stages 1–6), load (7), routing (8), "
            "links_plan (9), links_cards (10), decisions_rolls (11)"
        ),
    )
    parser.add_argument("--load-clients", type=int, default=32)
    parser.add_argument("--load-seconds", type=float, default=60.0)
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(sorted(unknown))}: choose from {STAGES}")
    if "import" in only:
        bench_import(args)
    if "load" in only:
        run_module(
            "bench.load",
            "--engines",
            args.engines,
            "--clients",
            str(args.load_clients),
            "--seconds",
            str(args.load_seconds),
        )
    if "routing" in only:
        run_module("bench.routing", "--seed", str(args.seed))
    if "links_plan" in only:
        run_module("bench.links_plan", "--seed", str(args.seed), "--engines", args.engines)
    if "links_cards" in only:
        run_module("bench.links_cards", "--seed", str(args.seed))
    if "decisions_rolls" in only:
        run_module("bench.decisions_rolls", "--seed", str(args.seed))


def bench_import(args: argparse.Namespace) -> None:
    csv_dir = csv_files(args.scale, args.seed)
    results = []
    for engine in args.engines.split(","):
        if engine == "postgres" and not pg_available():
            print("PostgreSQL is not reachable on 127.0.0.1:5432: skipped", flush=True)
            continue
        results.append(bench_engine(engine, args.scale, csv_dir))
    text = report(results, args.scale)
    print(text)
    save_results(f"import-{args.scale}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}", results, text)


def save_results(stem: str, data: Any, text: str) -> None:
    """A stage's figures to ``bench/results/<stem>.json`` and its report to ``<stem>.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    (RESULTS / f"{stem}.md").write_text(text)


if __name__ == "__main__":
    main()
