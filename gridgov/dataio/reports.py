"""The error report of an import (错误报告): one line per error with 行号, 列, 值, 原因.

A cadre opens it in Excel next to the file: the row number is the row in the sheet (the header
is row 1). Errors about the file as a whole have no row number. When more errors were found
than kept, a last line says how many are not listed.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

REPORT_HEADERS = ["行号", "列", "值", "原因"]


def _lines(result: Any) -> list[list[Any]]:
    lines: list[list[Any]] = [
        [e.row if e.row else "", e.column, e.value, e.reason] for e in result.errors
    ]
    hidden = result.error_count - len(result.errors)
    if hidden > 0:
        lines.append(
            [
                "",
                "",
                "",
                _("另有%(n)d处错误未列出（共%(t)d处）：请改正以上错误后重新导入")
                % {"n": hidden, "t": result.error_count},
            ]
        )
    return lines


def write_error_report(
    result: Any, stream: BinaryIO | str | os.PathLike, *, fmt: str = "xlsx"
) -> None:
    """Write the report of ``result`` (an ImportResult) to a binary stream or a file path."""
    if isinstance(stream, str | os.PathLike):
        with open(stream, "wb") as out:
            write_error_report(result, out, fmt=fmt)
        return
    lines = _lines(result)
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(REPORT_HEADERS)
        writer.writerows(lines)
        stream.write(text.getvalue().encode("utf-8-sig"))
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown report format {fmt!r}")
    import xlsxwriter

    book = xlsxwriter.Workbook(stream, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(_("错误报告"))
    head = book.add_format({"bold": True, "bg_color": "#FDE9E7", "border": 1})
    sheet.write_row(0, 0, REPORT_HEADERS, head)
    sheet.freeze_panes(1, 0)
    for row, line in enumerate(lines, start=1):
        if line[0] != "":
            sheet.write_number(row, 0, line[0])
        for col in (1, 2, 3):
            sheet.write_string(row, col, str(line[col]))
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 26)
    sheet.set_column(3, 3, 70)
    book.close()
