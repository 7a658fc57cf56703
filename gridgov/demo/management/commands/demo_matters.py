"""``gridgov demo_matters``: sample residents' matters in the demo village, by the demo users."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.core.context import Source, actor_context
from gridgov.demo.matters import NoDemoUsers, demo_matters_create, has_matters
from gridgov.demo.signins import NoDemoArea, demo_loaded


class Command(BaseCommand):
    # `make run` runs this right after `migrate`, which has run the system checks.
    requires_system_checks: list[str] = []
    help = _(
        "在演示村生成民情事项（由演示账号受理和办理）。需先运行 gridgov demo 和 demo_signins。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=40, help=_("事项数（默认40）"))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help=_("已有事项时什么也不做"))
        parser.add_argument(
            "--if-demo", action="store_true", help=_("只在由 gridgov demo 载入的数据库上生成")
        )

    def handle(self, *args, count, seed, if_empty, if_demo=False, **options):
        if if_demo and not demo_loaded():
            self.stdout.write(_("这个数据库的网格不是由 gridgov demo 载入的：不生成演示事项。"))
            return
        if if_empty and has_matters():
            self.stdout.write(_("已有民情事项，跳过。"))
            return
        try:
            with actor_context(source=Source.CLI):
                made = demo_matters_create(count=count, seed=seed)
        except (NoDemoArea, NoDemoUsers):
            raise CommandError(_("请先运行 gridgov demo 和 gridgov demo_signins")) from None
        states = "、".join(f"{k} {v}" for k, v in sorted(made.by_status.items()))
        self.stdout.write(_("已生成民情事项%(n)d件：%(s)s") % {"n": made.created, "s": states})
