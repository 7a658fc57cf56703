"""``gridgov serve``: serve the app with gunicorn (static files through WhiteNoise)."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


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
        *(["--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT] if access_log else []),
    ]


class Command(BaseCommand):
    help = "Serve gridgov on http://127.0.0.1:8000 (gunicorn; --dev for Django's runserver)."

    def add_arguments(self, parser):
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

    def handle(self, *args, bind, workers, threads, dev, **options):
        if dev:
            call_command("runserver", bind)
            return
        self.stdout.write(f"gridgov: http://{bind}/  (Ctrl-C to stop)")
        args = gunicorn_args(bind=bind, workers=workers, threads=threads)
        os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *args])
