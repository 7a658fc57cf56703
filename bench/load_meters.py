"""CPU accounting and wait sampling of the load benchmark (bench/load.py): from /proc and
pg_stat_activity, so that a bottleneck can be named."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.run import PG_ADMIN

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- CPU accounting -------------------------------------------------------------------------


def proc_cpu(pids: list[int]) -> dict[int, float]:
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


def postgres_pids(database: str) -> list[int]:
    """The backends serving ``database`` (their command line names it); PostgreSQL's shared
    processes (WAL writer, checkpointer) and other databases' backends are left out."""
    out = []
    if not database:
        return out
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                words = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().split()
                if database in words:
                    out.append(int(entry.name))
    return out


def machine_busy() -> tuple[float, float]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / CLK_TCK, sum(fields) / CLK_TCK


class CpuMeter:
    """CPU seconds used by this process (the client), gunicorn and PostgreSQL over a phase.

    Processes are read four times a second and each one's last reading kept: a PostgreSQL
    backend that ends during the phase (Django closes its connection after
    GRIDGOV_DB_CONN_MAX_AGE seconds) keeps what it used."""

    def __init__(self, server: Any, database: str) -> None:  # a bench.load.Server
        self.server = server
        self.database = database
        self.client = time.process_time()
        self.first = {"gunicorn": self._gunicorn(), "postgres": self._postgres()}
        self.last = {k: dict(v) for k, v in self.first.items()}
        self.busy, self.total = machine_busy()
        self.wall = time.perf_counter()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _gunicorn(self) -> dict[int, float]:
        return proc_cpu(self.server.pids())

    def _postgres(self) -> dict[int, float]:
        return proc_cpu(postgres_pids(self.database))

    def _poll(self) -> None:
        self.last["gunicorn"].update(self._gunicorn())
        self.last["postgres"].update(self._postgres())

    def _run(self) -> None:
        while not self.done.wait(0.25):
            self._poll()

    def stop(self) -> dict:
        self.done.set()
        self.thread.join(timeout=5)
        self._poll()
        busy, total = machine_busy()
        wall = time.perf_counter() - self.wall
        out = {"client_s": time.process_time() - self.client}
        for group in ("gunicorn", "postgres"):
            before = self.first[group]
            out[f"{group}_s"] = sum(v - before.get(pid, 0.0) for pid, v in self.last[group].items())
        # Whatever else ran on the machine meanwhile (another job's tests, say).
        out["other_s"] = max(0.0, busy - self.busy - sum(out.values()))
        out["machine_busy_pct"] = 100 * (busy - self.busy) / max(total - self.total, 1e-9)
        return {
            **{k: round(v, 1) for k, v in out.items()},
            **{k.replace("_s", "_cores"): round(out[k] / wall, 2) for k in out if k.endswith("_s")},
        }


class WaitSampler:
    """What PostgreSQL's backends of the bench database are doing, ten times a second:
    (wait event, statement) of every active one, from pg_stat_activity. Shows where writes
    queue: a row lock (``Lock:tuple``, ``Lock:transactionid``) or the WAL flush at commit."""

    STATEMENT = re.compile(
        r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|COMMIT|BEGIN|SAVEPOINT|RELEASE)"
        r'(?:.*?\bFROM\s+)?\s*"?(\w*)"?',
        re.IGNORECASE | re.DOTALL,
    )

    def __init__(self, database: str) -> None:
        self.database = database
        self.samples = 0
        self.active = 0
        self.seen: Counter = Counter()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        if database:
            self.thread.start()

    def _label(self, wait: str, query: str) -> str:
        m = self.STATEMENT.match(query)
        stmt = f"{m.group(1).upper()} {m.group(2)}".strip() if m else query[:30]
        if stmt.startswith("SELECT") and "FOR UPDATE" in query.upper():
            stmt += " FOR UPDATE"
        return f"{wait} · {stmt}"

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as con:
            while not self.done.wait(0.1):
                rows = con.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), query "
                    "FROM pg_stat_activity WHERE datname = %s AND state = 'active'",
                    [self.database],
                ).fetchall()
                self.samples += 1
                self.active += len(rows)
                self.seen.update(self._label(w, q) for w, q in rows)

    def stop(self) -> dict:
        if not self.database:
            return {}
        self.done.set()
        self.thread.join(timeout=5)
        n = max(self.samples, 1)
        return {
            "samples": self.samples,
            "mean_active_backends": round(self.active / n, 2),
            "top": {k: round(v / n, 2) for k, v in self.seen.most_common(8)},
        }


def connections_by_worker(port: int) -> list[int]:
    """How the clients' keep-alive connections are spread over the workers (from ``ss``)."""
    try:
        out = subprocess.run(
            ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    pids = Counter()
    for line in out.splitlines():
        if "pid=" in line:
            pids[line.split("pid=", 1)[1].split(",", 1)[0]] += 1
    return sorted(pids.values(), reverse=True)
