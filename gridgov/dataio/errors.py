"""Row errors of an import and the capped collection that gathers them."""

from __future__ import annotations

from dataclasses import dataclass

ERRORS_KEPT = 1000  # errors kept for display and the report; error_count counts them all


@dataclass
class RowError:
    """One problem: the row as seen in Excel (0 = the file as a whole), column, value, reason."""

    row: int
    column: str
    value: str
    reason: str


class ErrorSink:
    """Keeps the first ``cap`` errors of one source in arrival order and counts all of them.

    Each source (row validation, each set-based check) fills its own sink in row order, so the
    first ``cap`` errors overall are among the union of every sink's kept errors.
    """

    __slots__ = ("cap", "count", "items")

    def __init__(self, cap: int = ERRORS_KEPT) -> None:
        self.cap = cap
        self.items: list[RowError] = []
        self.count = 0

    def add(self, row: int, column: str, value: str, reason: str) -> None:
        self.count += 1
        if len(self.items) < self.cap:
            self.items.append(RowError(row, column, value, reason))

    def merge(self, other: ErrorSink) -> None:
        self.count += other.count
        room = self.cap - len(self.items)
        if room > 0:
            self.items.extend(other.items[:room])

    def __bool__(self) -> bool:
        return self.count > 0


def merged_errors(
    sinks: list[ErrorSink], column_order: dict[str, int], cap: int = ERRORS_KEPT
) -> tuple[list[RowError], int]:
    """The first ``cap`` errors of all sinks, by row and then by column order; and their count."""
    items = [e for sink in sinks for e in sink.items]
    items.sort(key=lambda e: (e.row, column_order.get(e.column, len(column_order))))
    return items[:cap], sum(sink.count for sink in sinks)
