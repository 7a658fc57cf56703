"""``gridgov serve``: serve the app with gunicorn (static files through WhiteNoise)."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve gridgov on http://127.0.0.1:8000 (gunicorn; --dev for Django's runserver)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("GRIDGOV_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("GRIDGOV_WORKERS", "2"))
        )
        parser.add_argument("--dev", action="store_true", help="Django's autoreloading runserver")

    def handle(self, *args, bind, workers, dev, **options):
        if dev:
            call_command("runserver", bind)
            return
        self.stdout.write(f"gridgov: http://{bind}/  (Ctrl-C to stop)")
        os.execv(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "gridgov.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
        )
