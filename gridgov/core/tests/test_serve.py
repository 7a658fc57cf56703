"""``gridgov serve`` starts gunicorn the way bench/load.py measured it best."""

from __future__ import annotations

import os

from django.core.management import call_command

from gridgov.core.management.commands import serve


def test_gthread_two_processes_per_core_and_two_threads(monkeypatch):
    started: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    monkeypatch.delenv("GRIDGOV_WORKERS", raising=False)
    monkeypatch.delenv("GRIDGOV_THREADS", raising=False)
    call_command("serve", "--bind", "127.0.0.1:8123")
    argv = started[0]
    assert argv[1:4] == ["-m", "gunicorn", "gridgov.wsgi:application"]

    def value(flag: str) -> str:
        return argv[argv.index(flag) + 1]

    assert value("--bind") == "127.0.0.1:8123"
    assert value("--worker-class") == "gthread"
    assert value("--workers") == str(2 * (os.cpu_count() or 1)) == str(serve.default_workers())
    assert value("--threads") == "2"


def test_workers_and_threads_given_reach_gunicorn():
    argv = serve.gunicorn_args(bind="0.0.0.0:80", workers=6, threads=3)
    assert argv[argv.index("--workers") + 1] == "6" and argv[argv.index("--threads") + 1] == "3"
