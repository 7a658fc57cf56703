"""``gridgov links``: the link plan from the command line (联户方案).

    gridgov links plan --under CODE                    # compute a draft and print its figures
    gridgov links plan --under CODE --apply --user U   # compute, approve and apply as U

``--apply`` is for scripted use by an administrator: the plan is approved with the meeting
"命令行" and today's date, then applied as the approval would, all as ``--user``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gridgov.core.context import Source, actor_context
from gridgov.grid.models import GridNode
from gridgov.links.models import LinkPlan
from gridgov.links.planning import plan_apply, plan_approve, plan_compute

CLI_MEETING = "命令行"


class Command(BaseCommand):
    help = "联户方案：plan 计算方案并输出统计（--apply 批准并生效）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="计算联户方案")
        plan.add_argument("--under", required=True, help="网格代码（微网格至区县）")
        plan.add_argument("--apply", action="store_true", help="计算后批准并生效")
        plan.add_argument("--user", default="", help="操作的管理员账号（--apply 时必填）")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with actor_context(source=Source.CLI):
            getattr(self, f"_{action}")(**options)

    def _plan(self, *, under: str, apply: bool, user: str, **_options: Any) -> None:
        node = GridNode.objects.filter(code=under.strip()).first()
        if node is None:
            raise CommandError(f"没有网格 {under}")
        by = None
        if user:
            by = get_user_model().objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(f"没有有效用户 {user}")
        elif apply:
            raise CommandError("--apply 须用 --user 指明操作的管理员")
        try:
            plan = plan_compute(node=node, by=by)
            self._print(plan)
            if apply:
                plan = plan_approve(
                    plan=plan, by=by, meeting=CLI_MEETING, meeting_on=timezone.localdate()
                )
                plan = plan_apply(plan=plan, by=by)
                self.stdout.write(f"方案 {plan.pk} 已批准并生效。")
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "无权操作") from None

    def _print(self, plan: LinkPlan) -> None:
        t = plan.figures["total"]
        w = self.stdout.write

        def pct(a: int, b: int) -> str:
            return f"{100 * a / b:.1f}%" if b else "—"

        w(f"联户方案 {plan.pk}：{plan.node.name}（{plan.node.code}）")
        w(f"户数 {t['households']}，联户人 {t['linkers']}")
        w(f"覆盖 {t['covered']}/{t['households']}（{pct(t['covered'], t['households'])}）")
        w(
            f"重点户覆盖 {t['priority_covered']}/{t['priority']}"
            f"（{pct(t['priority_covered'], t['priority'])}）"
        )
        w(f"总距离 {t['total_distance_m']} 米，平均 {t['mean_distance_m']} 米")
        w(
            f"调整 {t['moved']} 户，新增 {t['added']} 户，保持 {t['kept']} 户，"
            f"结束 {t['ended']} 户，未覆盖 {t['uncovered']} 户"
        )
        w(f"无坐标按微网格中心计 {t['at_centre']} 户")
        short = [m for m in plan.figures["microgrids"] if m["shortfall"] > 0]
        w(f"缺口 {t['shortfall']} 户，涉及 {len(short)} 个微网格")
        for m in short:
            w(f"  {m['code']} {m['name']}：缺口 {m['shortfall']} 户（共 {m['households']} 户）")
