"""``gridgov backup PATH``: the database, uploaded files and a manifest in one archive."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from gridgov.core.backup import BackupError, backup_write


class Command(BaseCommand):
    help = (
        "Write one archive of the database (a consistent snapshot, taken while the server runs), "
        "the uploaded files and a manifest. The data key is not in it: keep it apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the archive to write (refused if it exists)")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            backup_write(path, progress=self._say)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:  # the database cannot be reached or read
            raise CommandError(f"数据库出错：{exc}") from exc

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
