"""``gridgov demo_links``: linkers, a plan, visits and contact cards in the demo village."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.core.context import Source, actor_context
from gridgov.demo.links import NoDemoUsers, demo_links_create, has_links
from gridgov.demo.signins import NoDemoArea, demo_loaded


class Command(BaseCommand):
    # `make run` runs this right after `migrate`, which has run the system checks.
    requires_system_checks: list[str] = []
    help = _(
        "在演示村生成党员联户：联户人、已批准生效的联户方案和一个待批方案、走访和连心卡。"
        "需先运行 gridgov demo 和 demo_signins。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help=_("已有联户人时什么也不做"))
        parser.add_argument(
            "--if-demo", action="store_true", help=_("只在由 gridgov demo 载入的数据库上生成")
        )

    def handle(self, *args, seed, if_empty, if_demo=False, **options):
        if if_demo and not demo_loaded():
            self.stdout.write(_("这个数据库的网格不是由 gridgov demo 载入的：不生成演示联户。"))
            return
        if if_empty and has_links():
            self.stdout.write(_("已有联户人，跳过。"))
            return
        try:
            with actor_context(source=Source.CLI):
                made = demo_links_create(seed=seed)
        except (NoDemoArea, NoDemoUsers):
            raise CommandError(_("请先运行 gridgov demo 和 gridgov demo_signins")) from None
        self.stdout.write(
            _(
                "已生成演示联户：联户人%(linkers)d名，联户关系%(links)d条，走访%(visits)d次，"
                "连心卡%(cards)d张"
            )
            % {
                "linkers": made.linkers,
                "links": made.links,
                "visits": made.visits,
                "cards": made.cards,
            }
        )
