"""Blank import templates (导入模板): the header row of a kind, and how to fill each column.

XLSX: the first sheet holds the header row exactly as the importer expects it (required columns
in bold red, each with a note), drop-down lists for columns with fixed values, and text format
for codes, citizen IDs and phone numbers (so that Excel does not turn them into numbers and lose
digits); the second sheet, 填写说明, lists every column: required or not, allowed values, help.
The required marker is colour and the instruction sheet, never a ``*`` in the header text, so a
filled-in template imports as it is (the importer accepts a trailing ``*`` anyway).

CSV: the header row only, UTF-8 with BOM so that Excel opens it with the right characters.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from django.utils.translation import gettext as _

from .schemas import SCHEMAS, Column

TEXT_KEYS = {
    "code",
    "citizen_id",
    "phone",
    "number",
    "microgrid",
    "household",
    "node",
    "parent",
    "organization",
    "body",
}
DATA_ROWS = 5000  # rows below the header that get the drop-downs and formats
INSTRUCTIONS = "填写说明"


def column_format(column: Column) -> str:
    """How a column is filled, in words, for the instruction sheet and the header note."""
    if column.kind in {"choice"}:
        values = [k for k in column.choices if k]
        text = _("可选值：%(v)s") % {"v": "、".join(values)}
        if "" in column.choices or not column.required:
            text += _("；可留空")
        return text
    return {
        "bool": _("是 或 否"),
        "date": _("日期，例如 2020-07-01"),
        "int": _("整数"),
        "float": _("数字（小数）"),
        "geojson": _("GeoJSON 文本"),
    }.get(column.kind, _("文本"))


def write_template(kind: str, stream: BinaryIO, *, fmt: str = "xlsx") -> None:
    schema = SCHEMAS[kind]
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text).writerow(schema.headers)
        stream.write(text.getvalue().encode("utf-8-sig"))
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}")
    import xlsxwriter

    book = xlsxwriter.Workbook(stream, {"in_memory": True})
    required = book.add_format(
        {"bold": True, "font_color": "#C00000", "bg_color": "#FDE9E7", "border": 1}
    )
    optional = book.add_format({"bold": True, "bg_color": "#EEF3F8", "border": 1})
    text_cells = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(schema.title[:31])
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(schema.columns):
        sheet.write_string(0, index, column.header, required if column.required else optional)
        width = max(12, len(column.header) * 2 + 4)
        if column.key in TEXT_KEYS:
            sheet.set_column(index, index, max(width, 22), text_cells)
        else:
            sheet.set_column(index, index, width)
        fmt = {"format": column_format(column)}
        note = (_("必填。%(format)s") if column.required else _("选填。%(format)s")) % fmt
        if column.help:
            note += "。" + column.help
        sheet.write_comment(0, index, note, {"x_scale": 1.6, "y_scale": 1.2})
        values = None
        if column.kind == "choice":
            values = [k for k in column.choices if k]
        elif column.kind == "bool":
            values = ["是", "否"]
        if values and len(",".join(values)) < 250:
            sheet.data_validation(
                1,
                index,
                DATA_ROWS,
                index,
                {
                    "validate": "list",
                    "source": values,
                    "error_title": column.header,
                    "error_message": column_format(column),
                },
            )
    guide = book.add_worksheet(INSTRUCTIONS)
    head = book.add_format({"bold": True, "bg_color": "#EEF3F8", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    guide.write_row(0, 0, [_("列名"), _("是否必填"), _("填写格式或可选值"), _("说明")], head)
    for row, column in enumerate(schema.columns, start=1):
        guide.write_row(
            row,
            0,
            [
                column.header,
                _("必填") if column.required else _("选填"),
                column_format(column),
                column.help,
            ],
            wrap,
        )
    notes = [
        _("第一个工作表的第一行是表头，请不要修改、合并或删除表头；红色列为必填列。"),
        _("从第二行起每行填写一条记录；不要合并单元格。"),
        _("身份证号、电话、各类代码请按文本填写，以免Excel把长数字改成科学计数法。"),
        _("同一文件可以反复导入：已有的记录按代码或身份证号更新，相同的不会重复保存。"),
        _("任何一行有错时整个文件都不会保存，错误报告会列出每个错误的行号、列、值和原因。"),
    ]
    start = len(schema.columns) + 2
    for offset, text in enumerate(notes):
        guide.write_string(start + offset, 0, text)
    guide.set_column(0, 0, 16)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 2, 48, wrap)
    guide.set_column(3, 3, 48, wrap)
    book.close()
