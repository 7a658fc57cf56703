"""``gridgov export KIND FILE [--under CODE]``: export a list (.xlsx or .csv by suffix).

Citizen IDs and phone numbers are masked and sensitive columns left out (see
``gridgov.dataio.exports``); each export is audited.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record
from gridgov.core.context import Source, actor_context
from gridgov.dataio.exports import default_queryset, export_to
from gridgov.dataio.schemas import SCHEMAS
from gridgov.grid.models import GridNode

FORMATS = {".xlsx": "xlsx", ".csv": "csv"}


class Command(BaseCommand):
    help = _("导出登记数据（身份证号和电话已脱敏）")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(SCHEMAS), help=_("导出类别"))
        parser.add_argument("file", help=_("输出文件（.xlsx 或 .csv）"))
        parser.add_argument(
            "--under", metavar="CODE", default="", help=_("只导出此网格代码之下的数据")
        )

    def handle(self, *args, kind, file, under, **options):
        path = Path(file)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise CommandError(_("输出文件应以 .xlsx 或 .csv 结尾"))
        if under and not GridNode.objects.filter(code=under).exists():
            raise CommandError(_("网格%(c)s不存在") % {"c": under})
        with actor_context(source=Source.CLI), path.open("wb") as stream:
            rows = export_to(
                stream, kind=kind, queryset=default_queryset(kind, under=under), fmt=fmt
            )
            audit_record(
                action="export",
                object_type=f"dataio.{kind}",
                object_repr=path.name[:200],
                grid_path=under,
                after={"rows": rows, "format": fmt, "under": under},
            )
        self.stdout.write(
            _("已导出%(title)s %(n)s 行：%(p)s")
            % {"title": SCHEMAS[kind].title, "n": f"{rows:,}", "p": path}
        )
