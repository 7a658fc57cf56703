"""``gridgov serve``: gunicorn as bench/load.py measured it best, the tick beside it (once per
server, not per worker), the signals passed on, and a clear word when the port is taken."""

from __future__ import annotations

import io
import os
import signal
import socket
import sys
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from gridgov.cases.models import Matter, MatterEvent
from gridgov.core.management.commands import serve


@pytest.fixture
def started(monkeypatch):
    """What serve would start: gunicorn's argv and the ticker, without starting either."""
    calls: list[tuple[list[str], serve.Ticker | None]] = []
    monkeypatch.setattr(serve, "supervise", lambda argv, ticker: calls.append((argv, ticker)) or 0)
    monkeypatch.delenv("GRIDGOV_WORKERS", raising=False)
    monkeypatch.delenv("GRIDGOV_THREADS", raising=False)
    return calls


def test_gthread_two_processes_per_core_and_two_threads(started):
    call_command("serve", "--bind", "127.0.0.1:8123", stdout=io.StringIO())
    argv, ticker = started[0]
    assert argv[:4] == [sys.executable, "-m", "gunicorn", "gridgov.wsgi:application"]

    def value(flag: str) -> str:
        return argv[argv.index(flag) + 1]

    assert value("--bind") == "127.0.0.1:8123"
    assert value("--worker-class") == "gthread"
    assert value("--workers") == str(2 * (os.cpu_count() or 1)) == str(serve.default_workers())
    assert value("--threads") == "2"
    # No control socket in the home directory, which two servers (or a test's) would share.
    assert "--no-control-socket" in argv
    # The tick: in this process, every GRIDGOV_TICK_SECONDS (60 by default).
    assert isinstance(ticker, serve.Ticker) and ticker.every == 60
    assert not ticker.is_alive()  # started by supervise, after gunicorn


def test_workers_and_threads_given_reach_gunicorn():
    argv = serve.gunicorn_args(bind="0.0.0.0:80", workers=6, threads=3)
    assert argv[argv.index("--workers") + 1] == "6" and argv[argv.index("--threads") + 1] == "3"


def test_tick_interval_is_a_setting_and_no_tick_turns_it_off(started):
    with override_settings(GRIDGOV_TICK_SECONDS="15"):
        call_command("serve", "--bind", "127.0.0.1:8124", stdout=io.StringIO())
    call_command("serve", "--bind", "127.0.0.1:8124", "--tick-every", "5", stdout=io.StringIO())
    call_command("serve", "--bind", "127.0.0.1:8124", "--no-tick", stdout=io.StringIO())
    assert [t.every if t else None for _argv, t in started] == [15, 5, None]


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "90000"])
def test_a_bad_tick_interval_is_refused_by_name(started, bad):
    with override_settings(GRIDGOV_TICK_SECONDS=bad), pytest.raises(CommandError) as caught:
        call_command("serve", "--bind", "127.0.0.1:8125", stdout=io.StringIO())
    assert "GRIDGOV_TICK_SECONDS" in str(caught.value) and bad in str(caught.value)
    with pytest.raises(CommandError, match="tick-every"):
        call_command("serve", "--tick-every", bad)
    assert started == []


def test_a_taken_port_is_named_and_nothing_starts(started):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(CommandError) as caught:
            call_command("serve", "--bind", f"127.0.0.1:{port}", stdout=io.StringIO())
    text = str(caught.value)
    assert f"127.0.0.1:{port}" in text and "已被占用" in text and "GRIDGOV_BIND" in text
    assert started == []
    # Free again: it starts.
    call_command("serve", "--bind", f"127.0.0.1:{port}", stdout=io.StringIO())
    assert len(started) == 1


@pytest.mark.parametrize(
    ("bind", "expected"),
    [
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("[::1]:8000", ("::1", 8000)),
        (":8000", ("0.0.0.0", 8000)),
        ("unix:/run/gridgov.sock", None),
        ("localhost", None),
    ],
)
def test_bind_forms(bind, expected):
    assert serve.host_port(bind) == expected


# Committed rows: the ticker's thread reads through its own connection.
@pytest.mark.django_db(transaction=True)
def test_ticker_runs_the_tick_repeatedly_and_each_matter_once(default_categories, new_matter):
    matter = new_matter()
    Matter.objects.filter(pk=matter.pk).update(deadline=matter.received_at)
    out, err = io.StringIO(), io.StringIO()
    ticker = serve.Ticker(0.05, out, err)
    ticker.start()
    deadline = time.monotonic() + 30
    while ticker.runs < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    ticker.stop()
    assert not ticker.is_alive() and ticker.runs >= 3 and ticker.failures == 0, err.getvalue()
    lines = out.getvalue().splitlines()
    assert len(lines) == ticker.runs and all(line.startswith("[tick ") for line in lines)
    assert "逾期上报 1" in lines[0] and all("逾期上报 0" in line for line in lines[1:])
    assert MatterEvent.objects.filter(matter=matter, action="auto_escalate").count() == 1


def test_a_failing_tick_is_reported_and_the_next_one_runs(monkeypatch):
    calls = []

    def tick(name, **kw):
        calls.append(name)
        if len(calls) == 1:
            raise RuntimeError("database away")
        kw["stdout"].write("预警 0\n")

    monkeypatch.setattr(serve, "call_command", tick)
    out, err = io.StringIO(), io.StringIO()
    ticker = serve.Ticker(0.01, out, err)
    ticker.start()
    deadline = time.monotonic() + 30
    while ticker.runs < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    ticker.stop()
    assert calls[:2] == ["tick", "tick"] and ticker.failures == 1
    assert "RuntimeError: database away" in err.getvalue() and "[tick " in err.getvalue()
    assert "预警 0" in out.getvalue()


def test_supervise_passes_signals_on_and_ends_with_the_server_and_the_ticker(tmp_path):
    """A stand-in server that records the signal it gets, then exits with a code of its own."""
    got = tmp_path / "got"
    child = (
        "import signal, sys, time\n"
        "def bye(n, f):\n"
        f"    open({str(got)!r}, 'w').write(str(n)); sys.exit(3)\n"
        "signal.signal(signal.SIGTERM, bye)\n"
        f"open({str(got)!r}, 'w').write('ready')\n"
        "time.sleep(60)\n"
    )
    ticks = []

    class Counting(serve.Ticker):
        def tick_once(self):
            ticks.append(1)

    ticker = Counting(0.01, io.StringIO(), io.StringIO())
    before = signal.getsignal(signal.SIGTERM)

    def stop_when_ready():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (got.exists() and got.read_text() == "ready"):
            time.sleep(0.02)
        while not ticks and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGTERM)  # as systemd stops the service

    threading.Thread(target=stop_when_ready, daemon=True).start()
    code = serve.supervise([sys.executable, "-c", child], ticker)
    assert code == 3 and got.read_text() == str(int(signal.SIGTERM))
    assert ticks and not ticker.is_alive()
    assert signal.getsignal(signal.SIGTERM) == before
