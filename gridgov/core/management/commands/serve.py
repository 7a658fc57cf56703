"""``gridgov serve``: serve the app with gunicorn (static files through WhiteNoise), and run the
time-driven work (``gridgov tick``) while it serves.

The tick runs in this process, in one thread, every ``GRIDGOV_TICK_SECONDS``; gunicorn runs as
its child. So the deadline warnings and escalations run once per server, not once per gunicorn
worker, and need no cron; a deployment that runs ``gridgov tick`` from cron or a systemd timer
passes ``--no-tick``. Two ticks that meet (this one and a cron's, or two servers') are safe:
the tick re-reads each matter under a lock and acts only if it is still due
(``gridgov.cases.tick``). A tick that fails is reported and the next one runs on time; this
thread never starts a tick before the one before it has ended.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import traceback
from types import FrameType
from typing import Any, TextIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.jobs import jobs_sweep

# Signals this process passes on to gunicorn: stop (TERM, INT, QUIT), reload (HUP), and the
# ones gunicorn reads as "more/fewer workers" or "reopen logs" (TTIN, TTOU, USR1, USR2, WINCH).
FORWARDED_SIGNALS = (
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGHUP,
    signal.SIGTTIN,
    signal.SIGTTOU,
    signal.SIGUSR1,
    signal.SIGUSR2,
    signal.SIGWINCH,
)
# How long the last tick may take to end once gunicorn has stopped (a tick is transactional:
# one cut short loses nothing, and the next server's tick does what it left).
TICK_STOP_WAIT_S = 10.0


def default_workers() -> int:
    """Two processes per core: Python runs one thread of a process at a time, and a process
    waiting on the database leaves its core to another (bench/load.py, 2 cores: 4 processes × 2
    threads took 135 writes/s on SQLite where 2 × 4 took 103; on PostgreSQL both 73)."""
    return 2 * (os.cpu_count() or 1)


# gunicorn's default access line holds the request line with its query string and the
# Referer: a URL a client built with a citizen ID or phone in it would be written to the log
# even though the server refuses it (core.urlguard). The path alone, without the query.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def gunicorn_args(*, bind: str, workers: int, threads: int, access_log: bool = True) -> list[str]:
    """gunicorn's arguments (bench/load.py starts the server it measures with them too)."""
    return [
        "gridgov.wsgi:application",
        "--bind",
        bind,
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        # Clients that keep their connection (the API's, a browser's) save a handshake a request.
        "--keep-alive",
        "30",
        # gunicorn's control socket sits at one path in the home directory: a second server
        # (a test's, a colleague's) would take it over. Signals do what it would.
        "--no-control-socket",
        *(["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT] if access_log else []),
    ]


def host_port(bind: str) -> tuple[str, int] | None:
    """The host and port of a TCP ``--bind`` (``127.0.0.1:8000``, ``[::1]:8000``, ``:8000``);
    None for a unix socket or a form gunicorn reads in its own way."""
    if bind.startswith(("unix:", "fd://")) or ":" not in bind:
        return None
    host, _sep, port = bind.rpartition(":")
    if not port.isdigit():
        return None
    return host.strip("[]") or "0.0.0.0", int(port)


def port_taken(bind: str) -> bool:
    """Whether something already listens where we are to listen (gunicorn would retry five
    times, then stop with a traceback-like log that does not say what to do)."""
    where = host_port(bind)
    if where is None:
        return False
    host, port = where
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return False  # gunicorn names the bad address itself
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As gunicorn binds: a port left in TIME_WAIT by the last server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False


class Ticker(threading.Thread):
    """``gridgov tick`` every ``every`` seconds until stopped: the first at once, each next one
    ``every`` seconds after the last ended (so two of this thread's never overlap)."""

    def __init__(
        self, every: float, out: TextIO | OutputWrapper, err: TextIO | OutputWrapper
    ) -> None:
        super().__init__(name="gridgov-tick", daemon=True)
        self.every = every
        self.out, self.err = out, err
        self.stopping = threading.Event()
        self.runs = 0
        self.failures = 0

    def run(self) -> None:
        while not self.stopping.is_set():
            self.tick_once()
            self.stopping.wait(self.every)

    def tick_once(self) -> None:
        said = io.StringIO()
        stamp = timezone.localtime().strftime("%H:%M:%S")
        try:
            call_command("tick", stdout=said, stderr=said)
        except Exception:  # reported; the next tick runs on time
            self.failures += 1
            self.err.write(f"[tick {stamp}] " + _("定时任务出错：") + "\n")
            self.err.write(traceback.format_exc())
            self.err.flush()
        else:
            for line in said.getvalue().splitlines():
                self.out.write(f"[tick {stamp}] {line}\n")
            self.out.flush()
        finally:
            self.runs += 1
            # A connection of this thread is not left open between ticks (SQLite's file, a
            # PostgreSQL backend): the next tick opens a fresh one.
            connections.close_all()

    def stop(self, wait: float = TICK_STOP_WAIT_S) -> None:
        self.stopping.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(wait)


def tick_seconds(value: str) -> float:
    seconds = float(value)
    if not 1 <= seconds <= 24 * 3600:
        raise ValueError(value)
    return seconds


class Command(BaseCommand):
    help = (
        "Serve gridgov on http://127.0.0.1:8000 (gunicorn; --dev for Django's runserver), "
        "running `gridgov tick` every GRIDGOV_TICK_SECONDS while it serves (--no-tick: not)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("GRIDGOV_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("GRIDGOV_WORKERS") or default_workers()),
            help="gunicorn processes (default: two per core)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("GRIDGOV_THREADS") or 2),
            help="threads per process (default 2)",
        )
        parser.add_argument("--dev", action="store_true", help="Django's autoreloading runserver")
        parser.add_argument(
            "--no-tick",
            action="store_true",
            help="do not run `gridgov tick` (when cron or a systemd timer runs it)",
        )
        parser.add_argument(
            "--tick-every",
            type=tick_seconds,
            default=None,
            metavar="SECONDS",
            help="seconds between ticks (default: GRIDGOV_TICK_SECONDS, 60)",
        )

    def handle(
        self,
        *args: Any,
        bind: str,
        workers: int,
        threads: int,
        dev: bool,
        no_tick: bool,
        tick_every: float | None,
        **options: Any,
    ) -> None:
        every = tick_every
        if every is None:
            try:
                every = tick_seconds(str(settings.GRIDGOV_TICK_SECONDS))
            except ValueError:
                raise CommandError(
                    _("GRIDGOV_TICK_SECONDS须为1到86400之间的秒数：%(v)s")
                    % {"v": settings.GRIDGOV_TICK_SECONDS}
                ) from None
        reloaded = os.environ.get("RUN_MAIN") == "true"  # runserver's serving child
        if not reloaded and port_taken(bind):
            raise CommandError(
                _(
                    "%(bind)s 已被占用（另一个 gridgov serve 正在运行？）。"
                    "请先停止它，或换一个地址：gridgov serve --bind 127.0.0.1:8001，"
                    "或 GRIDGOV_BIND=127.0.0.1:8001 make run"
                )
                % {"bind": bind}
            )
        ticker = None if no_tick else Ticker(every, self.stdout, self.stderr)
        if dev:
            # runserver's autoreloader runs this command again in a child that serves (and is
            # restarted on every change): the tick runs there, once.
            if ticker is not None and reloaded:
                ticker.start()
            call_command("runserver", bind)
            return
        tick_note = _("不运行定时任务") if ticker is None else _("定时任务每%(s)g秒") % {"s": every}
        self.stdout.write(f"gridgov: http://{bind}/  (Ctrl-C to stop; {tick_note})")
        server_args = gunicorn_args(bind=bind, workers=workers, threads=threads)
        code = supervise([sys.executable, "-m", "gunicorn", *server_args], ticker)
        if code:
            raise SystemExit(
                code if code > 0 else 128 - code
            )  # killed by a signal: as a shell says


def supervise(argv: list[str], ticker: Ticker | None) -> int:
    """Run gunicorn as a child, pass it the signals this process gets, run the ticker beside
    it, and end with gunicorn: its exit code."""
    if ticker is None:
        # Imports a killed server left behind fail visibly and their files go before serving;
        # with a ticker, its first tick (at once) sweeps them.
        with contextlib.suppress(DatabaseError):  # a database not yet migrated
            jobs_sweep()
    # Connections opened by the checks before serving are not the ticker's to use.
    connections.close_all()
    server: subprocess.Popen[bytes] | None = None
    pending: list[int] = []  # a signal that came before gunicorn started goes to it once it has

    def forward(signum: int, _frame: FrameType | None) -> None:
        if server is None:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            server.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED_SIGNALS}
    try:
        server = subprocess.Popen(argv)
        for signum in pending:
            server.send_signal(signum)
        if ticker is not None:
            ticker.start()
        return server.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if ticker is not None:
            ticker.stop()
        if server is not None and server.poll() is None:  # torn down by an error here
            server.terminate()
            server.wait()
