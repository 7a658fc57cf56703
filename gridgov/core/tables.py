"""Writing a table of rows to a stream as XLSX or CSV: the one table writer of every export.

Rows are written as they come (an iterator is never held whole): CSV in chunks, XLSX in
xlsxwriter's constant-memory mode, so a large export runs in constant memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, BinaryIO

CHUNK = 2000


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def write_table(
    stream: BinaryIO,
    *,
    fmt: str,
    title: str,
    headers: list[str],
    rows: Iterable[list[Any]],
    note: str | None = None,
) -> int:
    """Write a table to ``stream`` as ``xlsx`` or ``csv`` (UTF-8 with a BOM, which Excel reads),
    row by row; ``note`` goes above the headers. The rows written."""
    if fmt == "csv":
        return _write_csv(stream, headers, rows, note)
    if fmt == "xlsx":
        return _write_xlsx(stream, title, headers, rows, note)
    raise ValueError(f"unknown export format {fmt!r}")


def _write_csv(
    stream: BinaryIO, headers: list[str], rows: Iterable[list[Any]], note: str | None
) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    stream.write("\ufeff".encode())  # BOM: Excel then reads the file as UTF-8
    if note:
        writer.writerow([note])
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow([_text(v) for v in row])
        count += 1
        if count % CHUNK == 0:
            stream.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    stream.write(buffer.getvalue().encode())
    return count


def _write_xlsx(
    stream: BinaryIO, title: str, headers: list[str], rows: Iterable[list[Any]], note: str | None
) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(stream, {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(title[:31])
    head = book.add_format({"bold": True, "bg_color": "#EEF3F8"})
    row_index = 0
    if note:
        sheet.write_string(0, 0, note, book.add_format({"italic": True, "font_color": "#C00000"}))
        row_index = 1
    for index, header in enumerate(headers):
        sheet.set_column(index, index, max(12, len(header) * 2 + 6))
    sheet.write_row(row_index, 0, headers, head)
    count = 0
    for row in rows:
        row_index += 1
        for col, value in enumerate(row):
            if isinstance(value, float | int) and not isinstance(value, bool):
                sheet.write_number(row_index, col, value)
            else:
                sheet.write_string(row_index, col, _text(value))
        count += 1
    book.close()
    return count
