"""``gridgov tick``: the time-driven work; run it every minute (cron or a systemd timer).

Idempotent and safe when two run at once (see ``gridgov.cases.tick``).
"""

from django.core.management.base import BaseCommand

from gridgov.cases.tick import TICK_STEPS, matters_tick
from gridgov.core.context import Source, actor_context


class Command(BaseCommand):
    help = "Deadline warnings, escalation of overdue matters, delivery of notifications."

    def handle(self, *args, **options):
        with actor_context(source=Source.SYSTEM):
            result = matters_tick()
        self.stdout.write(
            f"预警 {result.warned}，逾期上报 {result.escalated}，最高层级逾期 {result.overdue_at_top}，"
            f"外发 {result.sent}（失败 {result.failed}）"
        )
        for step in TICK_STEPS:
            with actor_context(source=Source.SYSTEM):
                line = step()
            if line:
                self.stdout.write(line)
