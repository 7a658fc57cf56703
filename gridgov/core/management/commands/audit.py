"""``gridgov audit verify``: check the whole hash chain and name the first broken entry."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gridgov.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` walks the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        result = audit_verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完好：共 {result.checked} 条记录"))
            return
        where = f"第一条损坏的记录 id={result.first_broken_id}" if result.first_broken_id else ""
        raise CommandError(f"审计链损坏：{where}（已核对 {result.checked} 条）：{result.reason}")
