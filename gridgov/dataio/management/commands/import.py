"""``gridgov import KIND FILE``: import a registry file; ``--template FILE`` writes a blank one.

Progress (rows, rows per second, percent) goes to stderr, the summary to stdout. The exit code
is 1 when the file has errors; the error report (行号, 列, 值, 原因) is written to ``--report``
(XLSX, or CSV when the name ends in .csv), by default next to the file.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gridgov.core.context import Source, actor_context
from gridgov.dataio.schemas import SCHEMAS
from gridgov.dataio.services import import_file, write_error_report, write_template

SHOWN_ERRORS = 20


def report_format(path: Path) -> str:
    return "csv" if path.suffix.lower() == ".csv" else "xlsx"


class Progress:
    """``已读 123,456 行（41%），98,765 行/秒`` on one stderr line, at most five times a second."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.started = time.perf_counter()
        self.last = 0.0
        self.tty = stream.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        now = time.perf_counter()
        if not done or (now - self.last < 0.2 and done != total):
            return
        self.last = now
        rate = done / max(now - self.started, 1e-6)
        text = _("已读 %(n)s 行") % {"n": f"{done:,}"}
        if total:
            text += f"（{min(100, done * 100 // total)}%）"
        text += _("，%(r)s 行/秒") % {"r": f"{rate:,.0f}"}
        self.stream.write(
            ("\r" + text + "   ") if self.tty else text, ending="" if self.tty else "\n"
        )
        self.stream.flush()

    def end(self) -> None:
        if self.tty:
            self.stream.write("")


class Command(BaseCommand):
    help = _("导入登记数据（全部成功才保存）；--template 写出空白模板")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(SCHEMAS), help=_("导入类别"))
        parser.add_argument("file", nargs="?", help=_("要导入的 .xlsx 或 .csv 文件"))
        parser.add_argument(
            "--template", metavar="FILE", help=_("写出该类别的空白模板（.xlsx 或 .csv）")
        )
        parser.add_argument("--dry-run", action="store_true", help=_("只检查，不保存"))
        parser.add_argument("--report", metavar="FILE", help=_("错误报告文件（.xlsx 或 .csv）"))
        parser.add_argument("--under", metavar="CODE", help=_("只允许导入此网格代码之下的数据"))
        parser.add_argument(
            "--max-mb",
            type=int,
            help=_("本次导入允许的最大文件大小（MB），默认为 GRIDGOV_IMPORT_MAX_BYTES"),
        )

    def handle(self, *args, kind, file, template, dry_run, report, under, max_mb, **options):
        if template:
            target = Path(template)
            with target.open("wb") as stream:
                write_template(kind, stream, fmt=report_format(target))
            self.stdout.write(_("已写出模板：%(p)s") % {"p": target})
            return
        if not file:
            raise CommandError(_("请给出要导入的文件，或用 --template 写出模板"))
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("文件不存在：%(p)s") % {"p": path})
        if max_mb:
            # This process runs one import: the operator's limit replaces the web upload limit.
            settings.GRIDGOV_IMPORT_MAX_BYTES = max_mb * 2**20
        progress = Progress(self.stderr)
        with actor_context(source=Source.CLI):
            result = import_file(
                kind=kind, path=path, dry_run=dry_run, progress=progress, under=under
            )
        progress.end()
        title = SCHEMAS[kind].title
        if result.ok:
            verb = _("检查通过（未保存）") if dry_run else _("导入完成")
            self.stdout.write(
                _(
                    "%(verb)s：%(title)s %(n)s 行，新增 %(c)s，更新 %(u)s，未变 %(s)s；"
                    "用时 %(t).1f 秒（%(r)s 行/秒）"
                )
                % {
                    "verb": verb,
                    "title": title,
                    "n": f"{result.total_rows:,}",
                    "c": f"{result.created:,}",
                    "u": f"{result.updated:,}",
                    "s": f"{result.unchanged:,}",
                    "t": result.seconds,
                    "r": f"{result.total_rows / max(result.seconds, 1e-6):,.0f}",
                }
            )
            return
        report_path = Path(report) if report else path.with_name(f"{path.stem}-错误报告.xlsx")
        with report_path.open("wb") as stream:
            write_error_report(result, stream, fmt=report_format(report_path))
        for error in result.errors[:SHOWN_ERRORS]:
            where = _("第%(r)d行") % {"r": error.row} if error.row else _("文件")
            self.stderr.write(f"{where} {error.column} {error.value}：{error.reason}")
        raise CommandError(
            _("%(title)s导入失败：共 %(n)s 处错误，没有保存任何数据。错误报告：%(p)s")
            % {"title": title, "n": f"{result.error_count:,}", "p": report_path}
        )
