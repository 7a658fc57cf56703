"""What ``make run`` runs, on an empty database, twice; then the server it starts, signed in.

The commands are read from the Makefile's ``run`` recipe itself, so this test runs what a fresh
clone runs (not a copy of it that could drift). Each runs as its own process, on a database of
its own: an SQLite file, or, when the suite runs on PostgreSQL, a new database on that server.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from gridgov.accounts.roles import Role
from gridgov.demo.signins import password_for, username_for

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
STEP_TIMEOUT_S = 300
SERVE_READY_S = 60

# Row counts of every table and the audit chain's head, as one line of JSON.
SNAPSHOT = """
import json, django
django.setup()
from django.apps import apps
from gridgov.core.models import AuditEntry
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
head = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
print(json.dumps({"counts": counts, "head": head}, sort_keys=True))
"""


def run_recipe() -> list[list[str]]:
    """The commands of the Makefile's ``run`` target, ``$(BIN)`` made this environment's."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^run:", line))
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        commands.append(shlex.split(line.strip().replace("$(BIN)", str(BIN))))
    return commands


@pytest.fixture
def database_url(tmp_path):
    """An empty database of the suite's kind, dropped afterwards."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        # Whether or not this worker has made its test database yet, a name no one else uses.
        name = f"{db['NAME']}"[:40] + f"_makerun_{os.getpid()}"
        params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432}
        params |= {"user": db["USER"], "password": db["PASSWORD"] or None}
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'run.sqlite3'}"


@pytest.fixture
def run_env(tmp_path, database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "DJANGO_"))}
    env |= {
        "GRIDGOV_DATABASE_URL": database_url,
        "GRIDGOV_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_TICK_SECONDS": "1",
    }
    return env


def run(argv: list[str], env: dict) -> str:
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT_S
    )
    assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def snapshot(env: dict) -> str:
    return run([str(BIN / "python"), "-c", SNAPSHOT], env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVE_READY_S
    while time.monotonic() < deadline:
        assert server.poll() is None, "gridgov serve ended before it listened"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise AssertionError("gridgov serve did not listen in time")


@pytest.mark.slow
def test_make_run_twice_then_serve_signed_in(run_env, tmp_path):
    steps = run_recipe()
    assert [argv[1] for argv in steps] == [
        "migrate",
        "demo",
        "demo_signins",
        "demo_matters",
        "demo_links",
        "demo_decisions",
        "serve",
    ], "the Makefile's run recipe changed: update this test to what it runs now"
    *setup, serve = steps

    for argv in setup:
        run(argv, run_env)
    first = snapshot(run_env)
    counts = json.loads(first)["counts"]
    # 40 demo matters, and one a demo visit found (demo_links).
    assert counts["cases.Matter"] == 41 and counts["grid.GridNode"] > 0, counts
    assert counts["people.Household"] > 0 and counts["accounts.Assignment"] == len(Role)
    assert counts["links.Link"] > 0 and counts["links.Visit"] > 0, counts
    assert counts["links.LinkPlan"] == 2 and counts["links.CardToken"] > 0, counts
    # Important matters at every stage, three notices printed (demo_decisions).
    assert counts["decisions.Matter"] == 7 and counts["decisions.Meeting"] == 20, counts
    assert counts["core.PrintedDocument"] == 3, counts
    for argv in setup:
        run(argv, run_env)
    assert snapshot(run_env) == first  # the second run changes nothing
    assert "审计链完好" in run([str(BIN / "gridgov"), "audit", "verify"], run_env)

    # One open matter past its deadline: the tick that serve runs must escalate it.
    overdue = run(
        [
            str(BIN / "python"),
            "-c",
            "import django; django.setup()\n"
            "from django.utils import timezone\n"
            "from gridgov.cases.models import Matter, OPEN_STATUSES\n"
            "m = Matter.objects.filter(status__in=OPEN_STATUSES).order_by('id').first()\n"
            "Matter.objects.filter(pk=m.pk).update(deadline=timezone.now())\n"
            "print(m.pk)",
        ],
        run_env,
    ).strip()

    port = free_port()
    log = tmp_path / "serve.log"
    argv = [*serve, "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    with log.open("w") as out:
        server = subprocess.Popen(
            argv, cwd=ROOT, env=run_env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    try:
        wait_listening(port, server)
        base = f"http://127.0.0.1:{port}"
        web = requests.Session()
        page = web.get(f"{base}/login/", timeout=30)
        assert page.status_code == 200 and 'name="password"' in page.text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        worker = username_for(Role.GRID_WORKER)
        signed = web.post(
            f"{base}/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": worker,
                "password": password_for(Role.GRID_WORKER),
                "next": "/matters/",
            },
            headers={"Referer": f"{base}/login/"},
            timeout=30,
        )
        assert signed.status_code == 200 and signed.url == f"{base}/matters/", signed.url
        assert "演示·网格员" in signed.text  # the signed-in user's own page
        # The tick runs while the server serves: the overdue matter is escalated.
        deadline = time.monotonic() + 30
        while "[tick" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=60)
    printed = log.read_text()
    assert code == 0, printed
    assert re.search(r"\[tick [\d:]+\] 预警 \d+，", printed), printed
    escalated = run(
        [
            str(BIN / "python"),
            "-c",
            "import django; django.setup()\n"
            "from gridgov.cases.models import MatterEvent\n"
            f"print(MatterEvent.objects.filter(matter_id={overdue}, "
            "action__in=['auto_escalate', 'overdue']).count())",
        ],
        run_env,
    ).strip()
    assert escalated == "1", printed


@pytest.mark.parametrize(("ci", "code"), [("true", 2), ("1", 2), ("", 0), ("false", 0)])
def test_postgres_that_does_not_answer_fails_on_ci_only(ci, code):
    """``make test`` on CI must not pass with half the suite (PostgreSQL's) left out."""
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GRIDGOV_TEST_DATABASE_URL")}
    env["CI"] = ci
    url = f"postgres://postgres@127.0.0.1:{port}/test"
    done = subprocess.run(
        ["make", "-s", "--no-print-directory", "test-postgres", f"PG_URL={url}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code, done.stdout + done.stderr
    if code:
        assert f"PostgreSQL does not answer at {url}" in done.stderr
    else:
        assert "skipped" in done.stdout
