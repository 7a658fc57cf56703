"""``gridgov demo``: generate a synthetic area, write it as CSV files and load it."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.core.context import Source, actor_context
from gridgov.demo.generate import generate
from gridgov.demo.loader import LoadError, load
from gridgov.demo.scales import COUNTY_CODE, SCALES
from gridgov.demo.signins import demo_load_record
from gridgov.demo.verify import verify
from gridgov.grid.models import GridNode

from ._text import pad

STAGE_LABELS = {
    "grid": gettext_lazy("网格与边界"),
    "people": gettext_lazy("户与人员"),
    "orgs": gettext_lazy("组织与成员"),
    "write": gettext_lazy("写CSV"),
}


class Command(BaseCommand):
    # `make run` runs this right after `migrate`, which has run the system checks.
    requires_system_checks: list[str] = []
    help = _(
        "生成演示数据（村、镇、县或整个南海区规模），写成CSV并经导入程序载入。"
        "同一种子和基准日期生成的文件逐字节相同。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="village", help=_("规模"))
        parser.add_argument("--seed", type=int, default=1, help=_("随机种子（默认1）"))
        parser.add_argument("--if-empty", action="store_true", help=_("数据库已有网格时什么也不做"))
        parser.add_argument("--out", help=_("CSV目录（默认 var/demo/<规模>-<种子>/）"))
        parser.add_argument("--csv-only", action="store_true", help=_("只写CSV，不导入"))
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            help=_("基准日期 YYYY-MM-DD（年龄、入党时间、任期据此计算；默认今天）"),
        )
        parser.add_argument(
            "--check", action="store_true", help=_("写完后检查CSV（身份证号、引用、边界）")
        )

    def handle(self, *args, **options):
        scale = SCALES[options["scale"]]
        seed = options["seed"]
        csv_only = options["csv_only"]
        if not csv_only and GridNode.objects.exists():
            if options["if_empty"]:
                self.stdout.write(_("数据库已有网格数据，跳过演示数据。"))
                return
            raise CommandError(
                _(
                    "数据库已有网格数据：演示数据只载入空数据库（加 --if-empty 可跳过，或加 --csv-only 只写文件）"
                )
            )
        as_of = options["as_of"] or timezone.localdate()
        out = Path(options["out"] or settings.VAR_DIR / "demo" / f"{scale.name}-{seed}")
        say = self._progress

        say(
            _("生成演示数据：规模%(s)s，种子%(seed)d，基准日期%(d)s → %(out)s")
            % {"s": scale.name, "seed": seed, "d": as_of.isoformat(), "out": out}
        )
        made = generate(scale, seed=seed, out=out, as_of=as_of, progress=say)
        if options["check"]:
            report = verify(out, as_of=as_of)
            for problem in report.problems:
                self.stderr.write(problem)
            if not report.ok:
                raise CommandError(_("CSV检查未通过"))
            say(_("CSV检查通过"))

        loaded = None
        if not csv_only:
            try:
                with actor_context(source=Source.CLI), transaction.atomic():
                    loaded = load(out, progress=say)
                    demo_load_record(
                        scale=scale.name, seed=seed, as_of=as_of.isoformat(), county=COUNTY_CODE
                    )
            except LoadError as exc:
                for line in exc.lines:
                    self.stderr.write(line)
                raise CommandError(str(exc)) from None
        self._summary(made, loaded)

    def _progress(self, message: str) -> None:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    def _summary(self, made, loaded) -> None:
        w = self.stdout.write
        w(_("文件：%(out)s") % {"out": made.out})
        for kind, rows in made.rows.items():
            w(f"  {pad(kind + '.csv', 20)}{rows:>12,}")
        kinds = "、".join(f"{k}{v}" for k, v in sorted(made.org_kinds.items()))
        w(
            _(
                "村级党组织：%(k)s；组上党支部%(b)d个；类型与党员数不符（留作示例）%(m)d个；"
                "不应任职的监委会成员（留作示例）%(x)d人"
            )
            % {"k": kinds, "b": made.branches, "m": len(made.mismatched), "x": made.barred}
        )
        w(_("各阶段耗时："))
        for stage, seconds in made.seconds.items():
            w(f"  {pad(str(STAGE_LABELS[stage]), 20)}{seconds:8.2f} s")
        generated = _("生成合计")  # outside the f-string, where makemessages finds it
        w(f"  {pad(generated, 20)}{made.total_seconds:8.2f} s")
        if loaded is not None:
            for kind, seconds in loaded.seconds.items():
                w(f"  {pad(_('导入') + ' ' + kind, 20)}{seconds:8.2f} s")
            imported = _("导入合计")
            w(f"  {pad(imported, 20)}{loaded.total_seconds:8.2f} s")
