"""The SQL that set-based loads share: counts, upserts from a staging table, index rebuilds.

Bulk loads (the importer, ``gridgov.dataio``) write through these functions instead of the
per-row services: one ``INSERT … SELECT … ON CONFLICT (natural key) DO UPDATE … WHERE (something
changed)`` per table, which SQLite (≥ 3.24) and PostgreSQL both run. Rows equal to the stored
row are not written. The caller holds the transaction and writes one audit entry for the whole
load (see ``gridgov.dataio.services``). The loaders themselves live with their models
(``grid.bulk``, ``people.bulk``, ``orgs.bulk``). ``core.sqlwrites`` is the other kind of plain
SQL: one row's write on the hot path of a page or an API call.

A staging table is a temporary table with a row-number column ``rn`` and the columns each
loader names in its docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0  # stored rows whose place (micro-grid, household) changes
    low_path: str | None = None  # the lowest and highest grid path the loaded rows land on
    high_path: str | None = None

    @property
    def written(self) -> int:
        return self.created + self.updated

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __iadd__(self, other: LoadCounts) -> LoadCounts:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def inner() -> str:
    """The inner join keyword for joins that start from a staging table.

    SQLite reads ``CROSS JOIN`` as "keep this order": without statistics on a temporary table
    its planner may otherwise scan the whole staging table once per row of the other side.
    PostgreSQL plans from the staging table's ANALYZE.
    """
    return "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"


def table(model: Any) -> str:
    return q(model._meta.db_table)


def differs(a: str, b: str) -> str:
    """Null-safe "a differs from b"."""
    if connection.vendor == "postgresql":
        return f"({a} IS DISTINCT FROM {b})"
    return f"({a} IS NOT {b})"


def any_differs(pairs: Sequence[tuple[str, str]]) -> str:
    return " OR ".join(differs(a, b) for a, b in pairs) or "false"


def db_now(now: dt.datetime) -> Any:
    """``now`` as a query parameter for a DateTimeField column."""
    return connection.ops.adapt_datetimefield_value(now)


def json_expr(expr: str) -> str:
    return f"CAST({expr} AS jsonb)" if connection.vendor == "postgresql" else expr


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rowcount: int = cursor.rowcount
        return rowcount


def fetch_one(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row: tuple[Any, ...] = cursor.fetchone()
        return row


APPEND_BATCH = 20_000  # rows a SQLite executemany takes at once


def rows_append(model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (values of ``fields``, already valid and in the columns' database form)
    into ``model``'s table by the engine's bulk path: ``COPY`` on PostgreSQL, ``executemany``
    in batches on SQLite; returns their number. For derived rows by the hundred thousand (a
    county's link plan: bench/links_plan.py), where ``bulk_create`` costs ten times more."""
    columns = {f.name: f.column for f in model._meta.concrete_fields}
    names = ", ".join(q(columns[f]) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table(model)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table(model)} ({names}) VALUES ({marks})"
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= APPEND_BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
    return n


ANALYZE_AFTER = 10_000  # rows written; below this the planner's old statistics do


def analyze(model: Any, written: int) -> None:
    """Refresh PostgreSQL's statistics of a table a load has grown or changed a lot, so that the
    load's own later statements (and the next import) are planned for its real size."""
    if connection.vendor == "postgresql" and written >= ANALYZE_AFTER:
        execute(f"ANALYZE {table(model)}")


REBUILD_AFTER = 50_000  # new rows from which rebuilding indexes beats maintaining them


def table_rows(model: Any) -> int:
    if connection.vendor == "postgresql":
        (rows,) = fetch_one(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return max(int(rows), 0)
    (count,) = fetch_one(f"SELECT COUNT(*) FROM {table(model)}")
    return int(count)


@contextmanager
def indexes_rebuilt(model: Any, new_rows: int, *, all_new: bool = False) -> Iterator[None]:
    """For a load that at least doubles a table (a first load), take its secondary indexes and
    (PostgreSQL) its foreign keys off, and put them back afterwards: one sort per index and one
    join per foreign key, instead of a random B-tree insert per row and index and a trigger that
    locks the referenced row for every row (the slowest part of a big load on PostgreSQL).

    Unique indexes go too when ``all_new`` says that no loaded row matches a stored one (the
    caller then inserts without ``ON CONFLICT``); rebuilding them checks uniqueness again, as
    re-adding a foreign key checks every reference, inside the load's transaction. SQLite keeps
    unique constraints written into its ``CREATE TABLE`` (they cannot be dropped). The
    transaction holds the table meanwhile: on PostgreSQL its readers wait for the import to
    commit; on SQLite they read the previous snapshot.
    """
    if new_rows < REBUILD_AFTER or new_rows < table_rows(model):
        yield
        return
    name = model._meta.db_table
    unique = "" if all_new else "AND NOT {col} LIKE 'CREATE UNIQUE%%'"
    if connection.vendor == "postgresql":
        # Constraints first (a unique constraint owns its index), then the plain indexes.
        kinds = "'f', 'u'" if all_new else "'f'"
        constraints = _rows(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = %s::regclass AND contype IN ({kinds})",
            [name],
        )
        indexes = _rows(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = "
            "current_schema() AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint "
            "c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))"
            f"::regclass) {unique.format(col='i.indexdef')}",
            [name],
        )
    else:
        constraints = []
        indexes = _rows(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            f"AND sql IS NOT NULL {unique.format(col='sql')}",
            [name],
        )
    for constraint, _definition in constraints:
        execute(f"ALTER TABLE {q(name)} DROP CONSTRAINT {q(constraint)}")
    for index, _definition in indexes:
        execute(f"DROP INDEX {q(index)}")
    yield
    for _index, definition in indexes:
        execute(definition)
    for constraint, definition in constraints:
        execute(f"ALTER TABLE {q(name)} ADD CONSTRAINT {q(constraint)} {definition}")


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def classify(
    *,
    source: str,
    target_id: str,
    diff: str,
    moved: str = "false",
    params: Sequence[Any] = (),
    path: str = "NULL",
) -> LoadCounts:
    """Counts of new, changed and equal rows (and of stored rows that ``moved``), in one pass:
    ``source`` LEFT JOINs the target as ``target_id``. Loaders skip the statements a count says
    have nothing to do, so a second import of the same file reads but writes nothing. The same
    pass finds the lowest and highest ``path`` (the grid path the rows land on), so that the
    loader refreshes counters under their common path without another join."""
    total, matched, changed, moves, low, high = fetch_one(
        f"SELECT COUNT(*), COUNT({target_id}), "
        f"COALESCE(SUM(CASE WHEN {target_id} IS NOT NULL AND ({diff}) THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN {target_id} IS NOT NULL AND ({moved}) THEN 1 ELSE 0 END), 0), "
        f"MIN({path}), MAX({path}) FROM {source}",
        params,
    )
    return LoadCounts(
        created=total - matched,
        updated=changed,
        unchanged=matched - changed,
        moved=moves,
        low_path=low,
        high_path=high,
    )


def upsert(
    *,
    into: str,
    values: dict[str, str],
    select_from: str,
    conflict: Sequence[str] | None,
    update: Sequence[str] = (),
    where: str = "true",
    touch: dict[str, str] | None = None,
    params: Sequence[Any] = (),
) -> int:
    """``INSERT INTO into (values) SELECT … ON CONFLICT (conflict) DO UPDATE`` the ``update``
    columns where one of them differs; ``touch`` columns (``updated_at``) are set along with them.
    ``conflict=None`` is a plain insert, for rows known to be new.

    The SELECT always has a WHERE clause: without one SQLite cannot tell ``ON CONFLICT`` from a
    join's ``ON``.
    """
    cols = ", ".join(q(c) for c in values)
    exprs = ", ".join(values.values())
    sql = f"INSERT INTO {into} ({cols}) SELECT {exprs} FROM {select_from} WHERE {where} "
    if conflict is None:
        return execute(sql, params)
    conflict_cols = ", ".join(q(c) for c in conflict)
    if update:
        sets = [f"{q(c)} = excluded.{q(c)}" for c in update]
        sets += [f"{q(c)} = {expr}" for c, expr in (touch or {}).items()]
        diff = any_differs([(f"{into}.{q(c)}", f"excluded.{q(c)}") for c in update])
        sql += f"ON CONFLICT ({conflict_cols}) DO UPDATE SET {', '.join(sets)} WHERE {diff}"
    else:
        sql += f"ON CONFLICT ({conflict_cols}) DO NOTHING"
    return execute(sql, params)
