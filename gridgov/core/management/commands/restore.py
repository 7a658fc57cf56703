"""``gridgov restore PATH``: load an archive into the empty database of GRIDGOV_DATABASE_URL."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from gridgov.core.backup import BackupError, restore_read


class Command(BaseCommand):
    help = (
        "Load an archive written by `gridgov backup` into the empty database named by "
        "GRIDGOV_DATABASE_URL (SQLite or PostgreSQL, whichever wrote it), check it against its "
        "manifest and verify the audit chain. Nothing is written unless all of it holds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive written by `gridgov backup`")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            restore_read(path, progress=self._say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:  # the database cannot be reached or read
            raise CommandError(f"数据库出错：{exc}") from exc

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
