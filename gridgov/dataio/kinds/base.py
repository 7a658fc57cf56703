"""What every import kind provides, and the pieces they share (scope, context, generic parsing).

A kind names its staging columns, builds a row validator for a file's layout (a plain function
``(row_number, cells, errors) -> staged tuple or None``, fast because it runs once per row), runs
its set-based checks over the staging table, and loads through the set-based loaders of the app
that owns the tables (``gridgov.<app>.bulk``).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from gridgov.core.bulkload import LoadCounts
from gridgov.core.scoping import PATH_END, collapse_paths, scope_paths

from ..errors import ErrorSink
from ..schemas import Column, Schema
from ..staging import Stage
from ..validation import (
    CellError,
    Layout,
    check_length,
    parse_bool,
    parse_choice,
    parse_date,
    parse_float,
    parse_geometry,
    parse_int,
)

RowValidator = Callable[[int, list[str], ErrorSink], tuple | None]
# (row numbers, rows of cells, errors) -> the staged tuples of the rows without an error
ChunkValidator = Callable[[Sequence[int], Sequence[list[str]], ErrorSink], list[tuple]]


@dataclass(frozen=True)
class Scope:
    """The grid subtrees an import may touch: ``None`` for everywhere."""

    paths: list[str] | None

    @classmethod
    def of(cls, user: Any = None, under: str | None = None) -> Scope:
        paths = None if user is None else scope_paths(user, "import")
        if under:
            if paths is None:
                paths = [under]
            else:
                paths = [under if under.startswith(p) else p for p in paths]
                paths = [p for p in paths if p.startswith(under)]
        return cls(None if paths is None else collapse_paths(paths))

    @property
    def restricted(self) -> bool:
        return self.paths is not None

    def sql(self, column: str) -> tuple[str, list[str]]:
        """A condition "``column`` is in scope", index-friendly, with its parameters."""
        if self.paths is None:
            return "true", []
        if not self.paths:
            return "false", []
        parts, params = [], []
        for path in self.paths:
            parts.append(f"({column} >= %s AND {column} < %s)")
            params += [path, path + PATH_END]
        return "(" + " OR ".join(parts) + ")", params

    def contains(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(p) for p in self.paths)

    def unknown(self, what: str, code: str) -> str:
        """The reason for a reference that is unknown or out of scope: the same words for both,
        so that a user cannot learn whether a code outside their scope exists."""
        if self.restricted:
            return _("%(what)s%(code)s不存在或不在您的管辖范围") % {"what": what, "code": code}
        return _("未知的%(what)s：%(code)s") % {"what": what, "code": code}


@dataclass
class Context:
    """One running import: its staging table, layout, scope, error sinks and clock."""

    stage: Stage
    layout: Layout
    scope: Scope
    now: dt.datetime
    dry_run: bool
    sinks: list[ErrorSink] = field(default_factory=list)

    @property
    def present(self) -> frozenset[str]:
        return self.layout.present

    def header(self, key: str) -> str:
        return self.layout.schema.column(key).header

    def sink(self) -> ErrorSink:
        sink = ErrorSink()
        self.sinks.append(sink)
        return sink

    @property
    def failed(self) -> bool:
        return any(self.sinks)


class Kind(ABC):
    """An import kind; subclasses set ``schema`` and ``columns`` and implement the three steps."""

    schema: Schema
    columns: list[tuple[str, str]]  # staging columns after ``rn``: (name, generic type)
    lengths: dict[str, int] = {}  # text columns: the model field's max_length

    @abstractmethod
    def validator(self, layout: Layout, today: dt.date) -> RowValidator:
        """The function that turns one raw row into staged values, or row errors."""

    def chunk_validator(self, layout: Layout, today: dt.date) -> ChunkValidator:
        """Validation of a chunk of rows; kinds with millions of rows validate by column."""
        validate = self.validator(layout, today)

        def run(rns: Sequence[int], rows: Sequence[list[str]], errors: ErrorSink) -> list[tuple]:
            staged = [validate(rn, cells, errors) for rn, cells in zip(rns, rows, strict=True)]
            return [row for row in staged if row is not None]

        return run

    def row_validator(self, layout: Layout, today: dt.date) -> RowValidator:
        """One row through ``chunk_validator``: for kinds that validate by column."""
        validate = self.chunk_validator(layout, today)

        def run(rn: int, cells: list[str], errors: ErrorSink) -> tuple | None:
            staged = validate([rn], [cells], errors)
            return staged[0] if staged else None

        return run

    @abstractmethod
    def check(self, ctx: Context) -> None:
        """Cross-row checks in SQL over the staging table; errors go to the context's sinks."""

    @abstractmethod
    def load(self, ctx: Context) -> LoadCounts:
        """Upsert the staged rows into the real tables; return created, updated, unchanged."""

    # --- generic parsing, for kinds whose rows are not counted in millions ---------------------

    def cell_parser(self, column: Column, today: dt.date) -> Callable[[str], Any]:
        limit = self.lengths.get(column.key)
        if column.kind == "choice":
            choices = column.choices
            return lambda raw: parse_choice(raw, choices)
        if column.kind == "bool":
            return parse_bool
        if column.kind == "date":
            return parse_date
        if column.kind == "int":
            return lambda raw: parse_int(raw, -(2**31), 2**31 - 1)
        if column.kind == "float":
            if column.key == "lat":
                return lambda raw: parse_float(raw, -90.0, 90.0)
            if column.key == "lng":
                return lambda raw: parse_float(raw, -180.0, 180.0)
            return lambda raw: parse_float(raw, -1e300, 1e300)
        if column.kind == "geojson":
            return parse_geometry
        if limit:
            return lambda raw: check_length(raw, limit)
        return str

    def dict_parser(
        self,
        layout: Layout,
        today: dt.date,
        overrides: dict[str, Callable[[str], Any]] | None = None,
    ) -> Callable[[int, list[str], ErrorSink], dict[str, Any] | None]:
        """A row → ``{key: value}`` parser: empty optional cells give None; errors are added."""
        overrides = overrides or {}
        plan = []
        for column in layout.schema.columns:
            index = layout.positions.get(column.key)
            if index is None:
                continue
            parse = overrides.get(column.key) or self.cell_parser(column, today)
            plan.append((column.key, index, parse, column.required, column.header))
        width = layout.width
        required_reason = _("必填，不能为空")

        def parse_row(rn: int, cells: list[str], errors: ErrorSink) -> dict[str, Any] | None:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            values: dict[str, Any] = {}
            ok = True
            for key, index, parse, required, header in plan:
                raw = cells[index]
                if not raw:
                    if required:
                        errors.add(rn, header, "", required_reason)
                        ok = False
                    values[key] = None
                    continue
                try:
                    values[key] = parse(raw)
                except CellError as exc:
                    errors.add(rn, header, raw, str(exc))
                    ok = False
            return values if ok else None

        return parse_row


def not_in_future(value: str | None, today_iso: str) -> str | None:
    """A reason when an ISO date lies after today."""
    if value and value > today_iso:
        return _("日期%(d)s在今天之后") % {"d": value}
    return None


def repeated(value: str, first: int) -> str:
    return _("与第%(r)d行重复") % {"r": first}
