"""Load a written demo area through the importer, kind by kind in LOAD_ORDER.

The demo goes through ``gridgov.dataio.services.import_file`` like any cadre's spreadsheet, so
what it loads has passed the same row checks; a single error stops the load. A file bigger than
the importer's upload limit (``GRIDGOV_IMPORT_MAX_BYTES``; Nanhai's persons file is about
300 MB) is imported in parts, as the importer asks people to do; the caller holds one
transaction around the whole load, so the parts still go in together or not at all.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from gridgov.dataio.schemas import LOAD_ORDER, SCHEMAS

from .generate import csv_path

SHOW_ERRORS = 10
PART_FILL = 0.9  # parts are filled to this share of the limit


class LoadError(Exception):
    """A demo file did not import cleanly; ``lines`` name the first errors (rows of the file)."""

    def __init__(self, kind: str, result: Any, offset: int = 0) -> None:
        self.kind = kind
        self.result = result
        self.lines = [
            _("第%(row)s行 %(column)s=%(value)s：%(reason)s")
            % {
                "row": e.row + offset if e.row else e.row,
                "column": e.column,
                "value": e.value,
                "reason": e.reason,
            }
            for e in list(result.errors)[:SHOW_ERRORS]
        ]
        super().__init__(
            _("%(kind)s（%(file)s）导入有%(n)d处错误")
            % {"kind": SCHEMAS[kind].title, "file": f"{kind}.csv", "n": result.error_count}
        )


@dataclass
class Loaded:
    rows: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def _throttled(label: str, say: Callable[[str], None]) -> Callable[..., None]:
    """A progress callback for the importer that prints at most every two seconds."""
    last = [0.0]

    def progress(done: Any = "", total: Any = "", *_args: Any) -> None:
        now = time.monotonic()
        if now - last[0] < 2.0:
            return
        last[0] = now
        say(_("导入%(kind)s：%(done)s/%(total)s行") % {"kind": label, "done": done, "total": total})

    return progress


@contextmanager
def file_parts(path: Path, limit: int) -> Iterator[list[tuple[Path, int]]]:
    """The file itself, or parts of it under ``limit`` bytes, each with the header line, and the
    number of data rows before each part. Splits at line ends: demo cells hold no line breaks.
    """
    if path.stat().st_size <= limit:
        yield [(path, 0)]
        return
    budget = int(limit * PART_FILL)
    with tempfile.TemporaryDirectory(prefix=f"{path.stem}-", dir=path.parent) as tmp:
        parts: list[tuple[Path, int]] = []
        with path.open("rb") as source:
            header = source.readline()
            rows_before = 0
            line = source.readline()
            while line:
                part = Path(tmp) / f"{path.stem}-{len(parts) + 1:03d}{path.suffix}"
                size, rows = len(header), 0
                with part.open("wb") as sink:
                    sink.write(header)
                    while line and (rows == 0 or size + len(line) <= budget):
                        sink.write(line)
                        size += len(line)
                        rows += 1
                        line = source.readline()
                parts.append((part, rows_before))
                rows_before += rows
        yield parts


def _has_rows(path: Path) -> bool:
    """Whether the file has a data row below its header."""
    if not path.exists():
        return False
    with path.open(encoding="utf-8") as source:
        source.readline()
        return bool(source.readline().strip())


def load(out: Path, *, progress: Callable[[str], None] | None = None) -> Loaded:
    """Import every file of ``out``; raise LoadError at the first kind with errors."""
    from gridgov.dataio.services import import_file

    say = progress or (lambda _msg: None)
    limit = settings.GRIDGOV_IMPORT_MAX_BYTES
    loaded = Loaded()
    for kind in LOAD_ORDER:
        if not _has_rows(csv_path(out, kind)):
            continue  # a kind the demo does not generate (links are made by demo_links)
        title = str(SCHEMAS[kind].title)
        started = time.perf_counter()
        rows = created = 0
        with file_parts(csv_path(out, kind), limit) as parts:
            for number, (part, offset) in enumerate(parts, start=1):
                label = title
                if len(parts) > 1:
                    label = _("%(kind)s（第%(i)d/%(n)d部分）") % {
                        "kind": title,
                        "i": number,
                        "n": len(parts),
                    }
                result = import_file(kind=kind, path=part, progress=_throttled(label, say))
                if result.error_count or not result.ok:
                    raise LoadError(kind, result, offset)
                rows += result.total_rows
                created += result.created
        loaded.seconds[kind] = time.perf_counter() - started
        loaded.rows[kind] = rows
        loaded.created[kind] = created
        say(
            _("已导入%(kind)s：%(n)d行（新增%(c)d），%(t).1f秒")
            % {"kind": title, "n": rows, "c": created, "t": loaded.seconds[kind]}
        )
    return loaded
