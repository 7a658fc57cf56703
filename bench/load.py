"""API load: concurrent clients creating and updating matters against gunicorn, per engine.

    python -m bench.load                                  # 32 clients × 60 s, SQLite and PostgreSQL
    python -m bench.load --seconds 10 --engines sqlite    # a quick run

For each engine, in one run and on the same machine:
  1. a fresh database (SQLite under var/bench/, or a PostgreSQL database created here and
     dropped at the end), migrated, with the ``village`` demo loaded (its micro-grids have
     boundaries), a county administrator made by ``gridgov firstadmin`` and an API token by
     ``gridgov token create``, all as subprocesses with the server's environment;
  2. gunicorn (gthread workers, no access log, GRIDGOV_DEBUG off) on a free port of 127.0.0.1;
  3. the baseline: ``--clients`` clients on ``GET /api/v1/me`` with the token;
  4. the writes: as many clients each loop create (POST /api/v1/matters/ with a point inside a
     micro-grid), sign, then note or settle (one create and two updates a cycle);
     3 and 4 take turns, ``--rounds`` (3) of each sharing ``--seconds`` (60), so that the
     machine's speed drifting during a run weighs on both alike; their rounds are pooled, and
     each round's pair is reported too;
  5. every matter acknowledged (201 with a number) is looked up in the database: it must be
     there, with the status and version its last acknowledged update gave it; and the audit
     chain must verify (``gridgov audit verify``).

The server: gunicorn's gthread workers, 4 processes × 2 threads (``--workers``, ``--threads``).
Python holds one core per process (the GIL), so two cores need at least two processes, and more
than two so that both cores stay busy while some workers wait on a lock (a keep-alive
connection also stays with the worker that accepted it, and the split is uneven). Every write
queues on one lock (SQLite's write lock; on PostgreSQL the audit chain's head row), and the
thread holding it competes with its siblings for its process's GIL at every round trip: fewer
threads per process hold it shorter. Measured on this machine on 2026-11-30 before 10:37, with
the first write path (15 s, 32 clients, writes req/s SQLite / PostgreSQL): 2 × 4: 103 / 73;
4 × 2: 135 / 73 (PostgreSQL p99 657 ms); 4 × 4: 122 / 69 (p99 978 ms); 8 × 1: 125 / 64;
8 × 2: 123 / 70, eight processes costing 10–20 % of the baseline's rate in switching. With the present write path (30 s, 11:40), 8 × 1 gave 185 / 176
against 4 × 2's 184 / 172: no better. 8 requests are in flight; the other connections wait idle
in the workers' pollers.

The clients are coroutines of this one process, each with its own keep-alive HTTP/1.1
connection over asyncio streams (no client library: threads would spend the CPU the server
needs). A warm-up of ``--warmup`` seconds, the clients arriving 10 ms apart, precedes each
measured phase on the same connections. Requests/s count 2xx answers over the phase's wall time;
p50 and p99 are over all answers; errors are non-2xx answers and connection failures, by kind.
CPU seconds of the client (this process), of gunicorn, of the bench database's PostgreSQL
backends and of everything else on the machine are read from /proc, so that a bottleneck can be
named (and a busy neighbour seen); on PostgreSQL, the backends' wait events are sampled from
pg_stat_activity during the writes.
Targets: 0 errors, 0 missing, writes at least half the baseline's rate.
Figures go to stdout and bench/results/load-<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load_client import (
    Connection,
    Phase,
    baseline_client,
    one_request,
    run_clients,
    writes_client,
)
from bench.load_meters import CpuMeter, WaitSampler, connections_by_worker
from bench.load_stats import merged, summarize
from bench.run import PG_ADMIN, ROOT, VAR, fresh_database, pg_available, save_results
from gridgov.core.management.commands.serve import gunicorn_args

ADMIN = "bench-load-admin"
ENV = {
    "GRIDGOV_DEBUG": "0",
    "GRIDGOV_ALLOWED_HOSTS": "127.0.0.1",
    # The same key for every command and the server: the data key is derived from it.
    "GRIDGOV_SECRET_KEY": "bench-load-not-a-production-secret-key-0123456789",
    "GRIDGOV_LOG_LEVEL": "WARNING",
}
CATEGORIES = ["safety", "environment", "dispute", "livelihood", "public_order"]
TIMEOUT_S = 30.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- setting up -----------------------------------------------------------------------------


def cli(*args: str, env: dict, stdin: str | None = None) -> str:
    """A gridgov command in its own process with the server's environment."""
    proc = subprocess.run(
        [sys.executable, "-m", "gridgov", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"failed: gridgov {' '.join(args)}")
    return proc.stdout


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def connect(url: str):
    """A DB-API connection to the bench database, for reading points and checking matters."""
    if url.startswith("sqlite"):
        import sqlite3

        return sqlite3.connect(url.split("sqlite:///", 1)[1])
    import psycopg

    return psycopg.connect(url)


def microgrid_points(url: str, per_grid: int, seed: int) -> list[tuple[float, float]]:
    """(lat, lng) points inside the micro-grids' boundaries: each one's representative point
    and ``per_grid`` random points within it."""
    import numpy as np
    import shapely
    from shapely.geometry import shape

    con = connect(url)
    try:
        rows = con.execute(
            "SELECT boundary FROM grid_gridnode WHERE level = 'microgrid' AND boundary IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    rng = np.random.default_rng(seed)
    points = []
    for (boundary,) in rows:
        geom = shape(json.loads(boundary) if isinstance(boundary, str) else boundary)
        p = geom.representative_point()
        points.append((round(p.y, 6), round(p.x, 6)))
        minx, miny, maxx, maxy = geom.bounds
        xs, ys = rng.uniform(minx, maxx, 50 * per_grid), rng.uniform(miny, maxy, 50 * per_grid)
        inside = shapely.contains_xy(geom, xs, ys)
        points += [(round(y, 6), round(x, 6)) for x, y in zip(xs[inside], ys[inside], strict=True)][
            :per_grid
        ]
    if not points:
        raise SystemExit("the demo has no micro-grid boundaries: nothing to route points to")
    return points


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path

    def pids(self) -> list[int]:
        """The master and its workers."""
        out = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        out.append(int(entry.name))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def start_server(env: dict, workers: int, threads: int, log: Path) -> Server:
    port = free_port()
    # What ``gridgov serve`` starts, without its access log, and patient with a slow machine.
    args = [
        str(Path(sys.executable).parent / "gunicorn"),
        *gunicorn_args(
            bind=f"127.0.0.1:{port}", workers=workers, threads=threads, access_log=False
        ),
        "--timeout",
        "120",
        "--graceful-timeout",
        "5",
        "--worker-tmp-dir",
        "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp",
        "--log-level",
        "warning",
    ]
    with log.open("w") as f:
        # Its own session: stop() ends the master and its workers by the group's id.
        proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=f,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(proc, port, log)


def wait_ready(server: Server, token: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.proc.returncode}):\n{tail(server.log)}")
        try:
            status, _ = asyncio.run(one_request(server.port, token, "GET", "/api/v1/me"))
            if status == 200:
                return
        except (OSError, EOFError, ValueError):  # not listening yet, or closed while booting
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s:\n{tail(server.log)}")


def tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# --- one engine -----------------------------------------------------------------------------


async def measured(
    server: Server, database: str, token: str, workload, args, points, seconds: float
) -> tuple[Phase, dict]:
    """A warm-up, then the measured phase on the same connections, with the CPU it took and
    the connections' spread over the workers.

    The warm-up brings the clients in one by one, 10 ms apart, while the earlier ones are
    already working, as clients arrive in life: a connection stays with the worker that
    accepted it, and a burst of 32 connects lands mostly on one worker (31 of 32 seen), which
    would measure one worker instead of the server."""
    conns = [Connection(server.port, token) for _ in range(args.clients)]
    try:
        warm = await run_clients(conns, workload, args.warmup, points, ramp=0.01)
        meter = CpuMeter(server, database)
        waits = WaitSampler(database)
        task = asyncio.create_task(run_clients(conns, workload, seconds, points))
        await asyncio.sleep(min(2.0, seconds / 2))
        spread = await asyncio.to_thread(connections_by_worker, server.port)
        phase = await task
        stats = summarize(phase)
        stats["cpu"] = meter.stop()
        stats["pg_waits"] = waits.stop()
    finally:
        for c in conns:
            c.close()
    # CPU per answered request, server side (gunicorn and the database's backends): what
    # bounds the rate when the cores are the limit.
    server_s = stats["cpu"]["gunicorn_s"] + stats["cpu"]["postgres_s"]
    stats["server_cpu_ms_per_request"] = round(1000 * server_s / max(stats["requests"], 1), 2)
    stats["connections_per_worker"] = spread
    # Matters acknowledged in the warm-up are checked too.
    phase.acked = {**warm.acked, **phase.acked}
    phase.maybe = {**warm.maybe, **phase.maybe}
    stats["warmup"] = {"ok": sum(warm.ok.values()), "errors": sum(warm.errors.values())}
    return phase, stats


def verify(url: str, phase: Phase) -> dict:
    """Every acknowledged matter in the database, with the state its last acknowledged update
    gave it (or, after a request that got no answer, the state that request would give)."""
    con = connect(url)
    try:
        rows = con.execute(
            "SELECT m.number, m.status, m.version, "
            "(SELECT COUNT(*) FROM cases_matterevent e WHERE e.matter_id = m.id) "
            "FROM cases_matter m"
        ).fetchall()
    finally:
        con.close()
    stored = {number: (status, version, events) for number, status, version, events in rows}
    missing, wrong, examples = 0, 0, []
    for number, expected in phase.acked.items():
        got = stored.get(number)
        if got is None:
            missing += 1
            examples.append(f"{number}: missing")
            continue
        accepted = {expected, phase.maybe.get(number, expected)}
        if (got[0], got[1]) not in accepted or got[2] != got[1] + 1:
            wrong += 1
            examples.append(f"{number}: expected {sorted(accepted)}, stored {got}")
    return {
        "acknowledged": len(phase.acked),
        "verified": len(phase.acked) - missing - wrong,
        "missing": missing,
        "wrong_state": wrong,
        "unanswered_updates": len(phase.maybe),
        "stored_matters": len(stored),
        "examples": examples[:10],
    }


def bench_engine(engine: str, args) -> dict:
    print(f"== {engine} ==", flush=True)
    var = VAR / f"load-{engine}"
    var.mkdir(parents=True, exist_ok=True)
    url = fresh_database(engine, "load")
    env = {**ENV, "GRIDGOV_DATABASE_URL": url, "GRIDGOV_VAR_DIR": str(var)}
    database = "" if url.startswith("sqlite") else url.rsplit("/", 1)[1]
    server = None
    try:
        t0 = time.perf_counter()
        cli("demo", "--scale", args.demo_scale, "--seed", str(args.seed), env=env)
        cli(
            "firstadmin",
            "--county",
            "440605",
            "--username",
            ADMIN,
            "--password-stdin",
            env=env,
            stdin="bench-load-password-2026\n",
        )
        token = cli("token", "create", ADMIN, "bench-load", "--days", "1", env=env).strip()
        points = microgrid_points(url, per_grid=20, seed=args.seed)
        print(
            f"  database, {args.demo_scale} demo, administrator and token in "
            f"{time.perf_counter() - t0:.0f} s; {len(points)} points inside micro-grids",
            flush=True,
        )
        server = start_server(env, args.workers, args.threads, var / "gunicorn.log")
        wait_ready(server, token)
        result: dict = {
            "engine": engine,
            "server": {"workers": args.workers, "threads": args.threads, "class": "gthread"},
        }
        # Baseline and writes take turns, so that a drift of the machine's speed over the
        # minutes of a run (seen: the same baseline at 372 and at 512 req/s an hour apart)
        # weighs on both alike rather than on whichever ran at the time.
        phases = [("baseline", baseline_client), ("writes", writes_client)]
        rounds: dict[str, list] = {name: [] for name, _ in phases}
        for turn in range(1, args.rounds + 1):
            for name, workload in phases:
                seconds = args.seconds / args.rounds
                measured_round = measured(server, database, token, workload, args, points, seconds)
                phase, stats = asyncio.run(measured_round)
                rounds[name].append((phase, stats))
                print(
                    f"  round {turn}, {name}: {stats['rps']} req/s, p50 {stats['p50_ms']} ms, "
                    f"p99 {stats['p99_ms']} ms, {stats['errors']} errors, "
                    f"client CPU {stats['cpu']['client_cores']} cores",
                    flush=True,
                )
        result["rounds"] = [
            {
                "baseline_rps": b["rps"],
                "writes_rps": w["rps"],
                "ratio": round(w["rps"] / max(b["rps"], 1e-9), 2),
            }
            for (_p, b), (_q, w) in zip(rounds["baseline"], rounds["writes"], strict=True)
        ]
        for name, _ in phases:
            phase, result[name] = merged(rounds[name])
            if name == "writes":
                result["stored"] = verify(url, phase)
        server.stop()
        audit = subprocess.run(
            [sys.executable, "-m", "gridgov", "audit", "verify"],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        result["audit_chain"] = (audit.stdout + audit.stderr).strip().splitlines()[-1:]
        result["audit_chain_ok"] = audit.returncode == 0
        result["ratio"] = round(result["writes"]["rps"] / max(result["baseline"]["rps"], 1e-9), 2)
        result["server_log_tracebacks"] = server.log.read_text(errors="replace").count("Traceback")
        stored = result["stored"]
        print(
            f"  stored: {stored['verified']}/{stored['acknowledged']} acknowledged matters "
            f"verified, {stored['missing']} missing, {stored['wrong_state']} in a wrong state; "
            f"writes/baseline {result['ratio']}",
            flush=True,
        )
        return result
    finally:
        if server is not None:
            server.stop()
        drop_database(url)


def report(run: dict) -> str:
    a = run["args"]
    lines = [
        f"### API load — {a['clients']} clients × {a['seconds']:g} s, {run['date']}, "
        f"{platform.machine()}, {os.cpu_count()} cores; gunicorn gthread "
        f"{a['workers']} workers × {a['threads']} threads",
        "",
        "| engine | workload | req/s | p50 ms | p99 ms | errors | acknowledged | verified "
        "| missing | × baseline | server CPU ms/req "
        "| CPU cores: client / gunicorn / PG / other (machine busy) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in run["engines"]:
        for name in ("baseline", "writes"):
            s = r[name]
            c = s["cpu"]
            stored = r["stored"] if name == "writes" else None
            lines.append(
                f"| {r['engine']} | {'GET /api/v1/me' if name == 'baseline' else 'create + 2 updates'} "
                f"| {s['rps']:,} | {s['p50_ms']} | {s['p99_ms']} | {s['errors']} "
                f"| {stored['acknowledged'] if stored else ''} | {stored['verified'] if stored else ''} "
                f"| {stored['missing'] if stored else ''} | {r['ratio'] if stored else ''} "
                f"| {s['server_cpu_ms_per_request']} "
                f"| {c['client_cores']} / {c['gunicorn_cores']} / {c['postgres_cores']} / {c['other_cores']} "
                f"({c['machine_busy_pct']:.0f} %) |"
            )
    lines += ["", "| engine | write op | 2xx | p50 ms | p99 ms |", "|---|---|---:|---:|---:|"]
    for r in run["engines"]:
        for op, s in r["writes"]["ops"].items():
            lines.append(f"| {r['engine']} | {op} | {s['ok']:,} | {s['p50_ms']} | {s['p99_ms']} |")
    notes = []
    for r in run["engines"]:
        for name in ("baseline", "writes"):
            for kind, n in r[name]["errors_by_kind"].items():
                notes.append(f"- {r['engine']} {name}: {n} × {kind}")
        if r["stored"]["wrong_state"]:
            notes.append(f"- {r['engine']}: {r['stored']['examples']}")
        turns = "; ".join(
            f"{t['baseline_rps']} / {t['writes_rps']} = {t['ratio']}" for t in r.get("rounds", [])
        )
        notes.append(f"- {r['engine']}: rounds, baseline / writes req/s = ratio: {turns}")
        notes.append(
            f"- {r['engine']}: audit chain {'verified' if r['audit_chain_ok'] else 'BROKEN'} "
            f"({' '.join(r['audit_chain'])}); connections per worker "
            f"{r['writes']['connections_per_worker']}; writes per second "
            f"{r['writes']['per_second_min']}–{r['writes']['per_second_max']}"
        )
        waits = r["writes"].get("pg_waits") or {}
        if waits.get("top"):
            top = "; ".join(f"{k} {v}" for k, v in waits["top"].items())
            notes.append(
                f"- {r['engine']} writes, backends active on average "
                f"{waits['mean_active_backends']}, of which (wait · statement): {top}"
            )
    return "\n".join([*lines, "", *notes]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument(
        "--rounds", type=int, default=3, help="turns of baseline and writes sharing --seconds"
    )
    # 4 × 2 on 2 cores: see "The server" in the docstring.
    parser.add_argument("--workers", type=int, default=4, help="gunicorn gthread workers")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker")
    parser.add_argument("--demo-scale", default="village", choices=["village", "town"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tag", default="", help="appended to the result files' names")
    args = parser.parse_args()
    engines = []
    for engine in args.engines.split(","):
        if engine == "postgres" and not pg_available():
            print("PostgreSQL is not reachable on 127.0.0.1:5432: skipped", flush=True)
            continue
        engines.append(bench_engine(engine, args))
    now = dt.datetime.now(dt.UTC)
    run = {"date": f"{now:%Y-%m-%d %H:%M} UTC", "args": vars(args), "engines": engines}
    text = report(run)
    print(text)
    save_results(f"load-{now:%Y%m%d-%H%M}{'-' + args.tag if args.tag else ''}", run, text)


if __name__ == "__main__":
    main()
