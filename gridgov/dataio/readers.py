"""Reading import files row by row: CSV (UTF-8 with or without BOM, GBK/GB18030) and Excel.

Every reader yields ``(row_number, cells)`` where ``row_number`` is the row as the cadre sees it
in Excel (the header is row 1, the first data row row 2) and ``cells`` are stripped strings.
Fully empty rows are skipped (Excel leaves many of them behind), but still counted, so row
numbers stay those of the sheet.

CSV is streamed with the csv module: memory does not grow with the file. Excel files are read
with python-calamine, which is fast (about 1 µs a cell) but holds the sheet's cells in memory
while it is read; GRIDGOV_IMPORT_MAX_BYTES bounds that. A file that is neither is refused.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.utils.translation import gettext as _

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SAMPLE_BYTES = 1 << 20
# Sheets the importer never reads data from (the instructions sheet of our templates).
INSTRUCTION_SHEETS = {"填写说明", "说明"}
# A single-cell first line starting with one of these is a note above the header (our exports
# write one), not the header itself.
NOTE_PREFIXES = ("注：", "注:", "说明：", "说明:")


class ReadError(Exception):
    """The file as a whole cannot be read; the message says why, in the user's language."""


Block = tuple[Sequence[int], list[list[str]]]  # row numbers and their cells


@dataclass
class Sheet:
    """An opened file: its header row and its data rows, one by one (``rows``) or in blocks
    (``blocks``); read either, not both."""

    header: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[str]]]
    total: int | None
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # r0, c0, r1, c1 (1-based)
    encoding: str = ""
    _closers: list = field(default_factory=list)
    _blocks: Callable[[int], Iterator[Block]] | None = None

    def blocks(self, size: int) -> Iterator[Block]:
        """The non-empty data rows in blocks of at most ``size`` rows read."""
        if self._blocks is not None:
            yield from self._blocks(size)
            return
        while block := list(islice(self.rows, size)):
            yield [rn for rn, _cells in block], [cells for _rn, cells in block]

    def close(self) -> None:
        for close in self._closers:
            close()
        self._closers.clear()


def file_digest_and_lines(path: Path) -> tuple[str, int]:
    """SHA-256 of the file and its number of lines, in one pass of 1 MB reads."""
    digest = hashlib.sha256()
    lines = 0
    last = b"\n"
    with path.open("rb") as f:
        while chunk := f.read(SAMPLE_BYTES):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return digest.hexdigest(), lines + (last != b"\n")


def open_sheet(path: Path, *, line_count: int | None = None) -> Sheet:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _open_csv(path, line_count)
    if suffix in EXCEL_SUFFIXES:
        return _open_excel(path)
    raise ReadError(
        _("不支持的文件类型%(s)s：请上传 .xlsx 或 .csv 文件") % {"s": suffix or _("（无后缀）")}
    )


# --- CSV ---------------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (BOM or not) when the sample decodes as UTF-8, else GB18030 (a superset of GBK)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # final=False: a sample cut inside a multi-byte character is still UTF-8.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _open_csv(path: Path, line_count: int | None) -> Sheet:
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip():
        raise ReadError(_("文件是空的"))
    encoding = detect_encoding(sample)
    text = path.open(encoding=encoding, newline="", errors="strict")
    first_line = sample.decode(encoding, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    delimiter = _delimiter(first_line)
    reader = csv.reader(text, delimiter=delimiter)
    state = {"row": 0}

    @contextmanager
    def read_errors(row: int):
        try:
            yield
        except UnicodeDecodeError:
            raise ReadError(
                _("第%(r)d行附近有无法识别的字符：请把文件另存为UTF-8或GBK编码的CSV") % {"r": row}
            ) from None
        except csv.Error as exc:
            raise ReadError(_("第%(r)d行不是有效的CSV：%(e)s") % {"r": row, "e": exc}) from None

    def records() -> Iterator[tuple[int, list[str]]]:
        while True:
            with read_errors(state["row"] + 1):
                cells = next(reader, None)
            if cells is None:
                return
            state["row"] += 1
            yield state["row"], list(map(str.strip, cells))

    def blocks(size: int) -> Iterator[Block]:
        # The csv module and str.strip over whole blocks: no Python step per cell.
        strip = str.strip
        while True:
            with read_errors(reader.line_num + 1):
                block = list(islice(reader, size))
            if not block:
                return
            first = state["row"] + 1
            state["row"] += len(block)
            rows = [list(map(strip, cells)) for cells in block]
            numbers = range(first, state["row"] + 1)
            if all(map(any, rows)):
                yield numbers, rows
            else:  # fully empty rows are skipped, their numbers kept
                kept = [(rn, cells) for rn, cells in zip(numbers, rows, strict=True) if any(cells)]
                yield [rn for rn, _cells in kept], [cells for _rn, cells in kept]

    it = records()
    header_row, header = _find_header(it)
    total = None
    if line_count is not None:
        total = max(line_count - header_row, 0)
    return Sheet(
        header=header,
        header_row=header_row,
        rows=_non_empty(it),
        total=total,
        encoding=encoding,
        _closers=[text.close],
        _blocks=blocks,
    )


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    for candidate in ("\t", ";"):
        if candidate in first_line:
            return candidate
    return ","


# --- Excel -------------------------------------------------------------------------------------


def _open_excel(path: Path) -> Sheet:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's own errors, and zip and XML errors of broken files
        raise ReadError(_("无法读取Excel文件：%(e)s") % {"e": exc}) from None
    index = next(
        (
            i
            for i, meta in enumerate(book.sheets_metadata)
            if meta.name.strip() not in INSTRUCTION_SHEETS
            and meta.visible == SheetVisibleEnum.Visible
        ),
        0,
    )
    try:
        sheet = book.get_sheet_by_index(index)
    except Exception as exc:
        raise ReadError(_("无法读取Excel工作表：%(e)s") % {"e": exc}) from None
    merged = [
        (r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
    ]
    start_col = sheet.start[1] if sheet.start else 0
    if start_col:
        merged = [(r0, c0 - start_col, r1, c1 - start_col) for r0, c0, r1, c1 in merged]
    height = (sheet.end[0] + 1) if sheet.end else 0

    def records() -> Iterator[tuple[int, list[str]]]:
        # calamine yields rows from the sheet's first row; columns from the first used one.
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, [_cell_text(v) for v in cells]

    it = records()
    header_row, header = _find_header(it)
    return Sheet(
        header=header,
        header_row=header_row,
        rows=_non_empty(it),
        total=max(height - header_row, 0),
        merged=merged,
        _closers=[book.close],
    )


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is None:
        return ""
    return str(value).strip()


# --- shared ------------------------------------------------------------------------------------


def _find_header(rows: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    """The first non-empty row, or the row after a one-cell note line such as our exports write."""
    for number, cells in rows:
        filled = [c for c in cells if c]
        if not filled:
            continue
        if len(filled) == 1 and filled[0].startswith(NOTE_PREFIXES):
            continue
        return number, _trim(cells)
    raise ReadError(_("文件是空的：没有表头行"))


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _non_empty(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in rows:
        if any(cells):
            yield number, cells
