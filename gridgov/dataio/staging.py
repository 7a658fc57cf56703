"""The staging table: validated rows of one import, in a real temporary table of the connection.

Cross-row checks (duplicates within the file, unknown references, scope) and the upserts run as
SQL over this table, so memory does not grow with the file. SQLite loads it with
``executemany``; PostgreSQL with ``COPY … FROM STDIN`` through psycopg 3. Column types are
generic (``text``, ``int``, ``real``, ``date``, ``bool``, ``bytes``) and mapped per database;
dates are ISO text and booleans 0/1, which both databases take in these columns.

Personal data in the table is what the real tables hold (ciphertext, keyed hashes and masked
values), never the plain citizen ID or phone number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

from gridgov.core.bulkload import inner

from .errors import ErrorSink

TYPES = {
    "sqlite": {
        "text": "TEXT",
        "int": "INTEGER",
        "real": "REAL",
        "date": "TEXT",
        "bool": "INTEGER",
        "bytes": "BLOB",
    },
    "postgresql": {
        "text": "text",
        "int": "bigint",
        "real": "double precision",
        "date": "date",
        "bool": "boolean",
        "bytes": "bytea",
    },
}


class Stage:
    """A temporary table ``name`` with a row-number column ``rn`` and the given columns."""

    def __init__(self, name: str, columns: Sequence[tuple[str, str]]) -> None:
        self.name = name
        self.columns = list(columns)
        self.vendor = connection.vendor
        self.rows = 0

    @property
    def table(self) -> str:
        return connection.ops.quote_name(self.name)

    def create(self) -> None:
        types = TYPES[self.vendor]
        cols = ", ".join(
            f"{connection.ops.quote_name(n)} {types[t]}" for n, t in [("rn", "int"), *self.columns]
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.table} ({cols})")

    def load(self, rows: Sequence[Sequence[Any]]) -> None:
        """Append rows (each: rn first, then the columns in order)."""
        if not rows:
            return
        names = ", ".join(
            connection.ops.quote_name(n) for n in ["rn", *(c for c, _ in self.columns)]
        )
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row)
            else:
                marks = ", ".join(["%s"] * (len(self.columns) + 1))
                cursor.executemany(f"INSERT INTO {self.table} ({names}) VALUES ({marks})", rows)
        self.rows += len(rows)

    def analyze(self) -> None:
        """Statistics for PostgreSQL's planner (SQLite's joins keep their order, see ``inner``)."""
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.table}")

    def index(self, *columns: str) -> None:
        name = connection.ops.quote_name(f"{self.name}_{'_'.join(columns)}")
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {name} ON {self.table} ({cols})")
            if self.vendor == "postgresql":
                cursor.execute(f"ANALYZE {self.table}")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


def sql_errors(
    sink: ErrorSink,
    sql: str,
    params: Iterable[Any] = (),
    *,
    column: str,
    reason: Any,
) -> None:
    """Run a check whose rows are ``(rn, value, *extra)`` in row order, adding one error each.

    ``reason`` is a string, or a callable ``(value, *extra) -> str``. The first ``sink.cap`` rows
    are fetched; the rest are only counted.
    """
    params = list(params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS c", params)
        count = cursor.fetchone()[0]
        if not count:
            return
        room = sink.cap - len(sink.items)
        if room > 0:
            cursor.execute(f"{sql} ORDER BY 1 LIMIT {int(room)}", params)
            for rn, value, *extra in cursor.fetchall():
                text = reason(value, *extra) if callable(reason) else reason
                sink.add(rn, column, "" if value is None else str(value), text)
            count -= min(room, count)
        sink.count += count


def duplicate_errors(
    sink: ErrorSink, stage: Stage, key: Sequence[str], *, column: str, value: str, reason: Any
) -> None:
    """Every later row whose ``key`` repeats an earlier row's: ``reason(value, first_row)``."""
    q = connection.ops.quote_name
    cols = ", ".join(q(k) for k in key)
    join = " AND ".join(f"d.{q(k)} = s.{q(k)}" for k in key)
    sql = (
        f"SELECT s.rn, s.{q(value)}, d.first FROM {stage.table} s {inner()} "
        f"(SELECT {cols}, MIN(rn) AS first FROM {stage.table} GROUP BY {cols} "
        f"HAVING COUNT(*) > 1) d ON {join} WHERE s.rn > d.first"
    )
    sql_errors(sink, sql, column=column, reason=reason)
