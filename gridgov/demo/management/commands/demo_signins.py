"""``gridgov demo_signins``: the demo users, one per role, and a superuser (public passwords)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.core.context import Source, actor_context
from gridgov.demo.signins import NoDemoArea, demo_loaded, ensure_demo_signins

from ._text import pad, width


class Command(BaseCommand):
    # `make run` runs this right after `migrate`, which has run the system checks.
    requires_system_checks: list[str] = []
    help = _("创建演示账号（每个角色一个，另有超级管理员admin），并列出用户名和密码。仅供演示。")

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-demo",
            action="store_true",
            help=_(
                "只在由 gridgov demo 载入的数据库上创建（make run 用它：真实数据上不建公开密码的账号）"
            ),
        )

    def handle(self, *args, if_demo=False, **options):
        if if_demo and not demo_loaded():
            self.stdout.write(_("这个数据库的网格不是由 gridgov demo 载入的：不创建演示账号。"))
            return
        try:
            with actor_context(source=Source.CLI):
                signins = ensure_demo_signins()
        except NoDemoArea:
            raise CommandError(_("还没有网格数据：请先运行 gridgov demo")) from None
        rows = [(_("用户名"), _("密码"), _("角色"), _("网格"), "")]
        for s in signins:
            node = f"{s.node.name}（{s.node.code}）" if s.node else _("全部")
            rows.append((s.username, s.password, s.role, node, _("新建") if s.created else ""))
        widths = [max(width(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            cells = [pad(row[i], widths[i]) for i in range(4)]
            self.stdout.write("  ".join([*cells, row[4]]).rstrip())
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                _(
                    "以上是演示账号，密码公开，只能用于本机试用；正式部署前请删除这些账号"
                    "或修改密码。已存在的账号不会被改动（密码以实际为准）。"
                )
            )
        )
