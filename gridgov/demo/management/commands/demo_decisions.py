"""``gridgov demo_decisions``: important matters at every stage of 四议两公开 in the demo village."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.core.context import Source, actor_context
from gridgov.demo.decisions import demo_decisions_create, has_decisions
from gridgov.demo.links import NoDemoUsers
from gridgov.demo.signins import NoDemoArea, demo_loaded


class Command(BaseCommand):
    # `make run` runs this right after `migrate`, which has run the system checks.
    requires_system_checks: list[str] = []
    help = _(
        "在演示村生成重要事项决策（四议两公开）：支委会和村民代表会议名册、县重要事权清单，"
        "处于各环节的事项、会议记录、特别通过、监督异议和已印发的公告。"
        "需先运行 gridgov demo 和 demo_signins。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--if-empty", action="store_true", help=_("已有重要事项时什么也不做"))
        parser.add_argument(
            "--if-demo", action="store_true", help=_("只在由 gridgov demo 载入的数据库上生成")
        )

    def handle(self, *args, seed, if_empty, if_demo=False, **options):
        if if_demo and not demo_loaded():
            self.stdout.write(_("这个数据库的网格不是由 gridgov demo 载入的：不生成演示重要事项。"))
            return
        if if_empty and has_decisions():
            self.stdout.write(_("已有重要事项，跳过。"))
            return
        try:
            with actor_context(source=Source.CLI):
                made = demo_decisions_create(seed=seed)
        except (NoDemoArea, NoDemoUsers):
            raise CommandError(_("请先运行 gridgov demo 和 gridgov demo_signins")) from None
        for line in made.lines:
            self.stdout.write(f"  {line}")
        self.stdout.write(
            _(
                "已生成演示重要事项：事项%(matters)d项，会议%(meetings)d次，"
                "公告%(notices)d份（已印发%(printed)d份），新建名册%(bodies)d个"
            )
            % {
                "matters": made.matters,
                "meetings": made.meetings,
                "notices": made.notices,
                "printed": made.printed,
                "bodies": made.bodies,
            }
        )
