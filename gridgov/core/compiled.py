"""Reads whose SQL is compiled once per process: for the few hot reads of a fixed shape.

Django compiles a queryset to SQL every time it runs. For a wide read that is most of its cost:
the step read of a matter (its row and five related rows, 130 columns over six tables) took
1.6–2.0 ms to compile and 0.1–0.35 ms to run (SQLite, PostgreSQL; 2026-11-30). A
``CompiledRead`` keeps what the first run compiled (the SQL and the compiler's map of columns to
models) and, on later runs, compiles only the queryset's WHERE clause: for its parameters, and
for its text, which is part of the key, so that another shape of condition (say two scope paths
instead of one) is compiled once for itself. The rows are then made into instances (related
objects included), dicts or tuples by Django's own iterables, exactly as the queryset would have
made them.

What the key does not hold must not vary between the querysets given to one ``CompiledRead``:
the model, the related rows selected, the columns deferred or asked for, the order and the
slice. They are
checked (``_shape``), and a queryset of another shape is refused rather than answered with the
wrong SQL. A queryset whose SELECT, joins or ORDER BY carry parameters of their own is not kept:
it runs through the ORM every time, as it would have without this.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import models
from django.db.models.query import (
    MAX_GET_RESULTS,
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
)

# The Django versions whose compiler internals this was written and tested against (``SQLCompiler``
# ``setup_query``/``pre_sql_setup``, ``klass_info``, ``results_iter`` and the iterables):
# from the first to before the second. ``core.checks`` refuses to start on another version, since
# a change there would give wrong rows rather than an error.
TESTED_DJANGO = ((5, 2), (5, 3))

# The iterables that take their rows from the compiler's ``results_iter``: instances, dicts,
# tuples and single values.
_ITERABLES = (ModelIterable, ValuesIterable, ValuesListIterable, FlatValuesListIterable)


@dataclass(frozen=True)
class _Compiled:
    """What a compiler sets up for one shape, kept to run it again without compiling."""

    sql: str
    select: list[Any]
    klass_info: dict[str, Any] | None
    annotation_col_map: dict[str, int] | None
    col_count: int
    has_extra_select: bool
    # The functions converting each column's values, per connection (a thread's): asking every
    # column for them cost a quarter of a wide read. Weak, so a closed thread's go with it.
    converters: weakref.WeakKeyDictionary[Any, list[Any]] = field(
        default_factory=weakref.WeakKeyDictionary
    )


# How many shapes of WHERE one read keeps: a condition on a list of values has one shape per
# length of the list; past this many, further shapes run through the ORM as usual.
KEPT_MAX = 64
_UNKEPT = object()  # a shape whose SQL has parameters outside its WHERE clause


def _shape(queryset: models.QuerySet[Any, Any]) -> tuple[Any, ...]:
    """What, besides the WHERE clause, decides the SQL of a plain read and what it gives."""
    query = queryset.query
    return (
        query.model,
        queryset._iterable_class,
        queryset._fields,  # type: ignore[attr-defined]  # private, not in the stubs
        query.values_select,
        query.select_related,
        query.deferred_loading,
        tuple(map(str, query.order_by)),
        query.default_ordering,
        query.low_mark,
        query.high_mark,
        query.distinct,
        tuple(query.annotations),
        bool(query.extra),
        query.combinator,
    )


class CompiledRead:
    """The rows of querysets of one shape, compiled once per WHERE clause and database."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._shape: tuple[Any, ...] | None = None
        self._kept: dict[tuple[str, str], _Compiled | object] = {}

    def fetch(self, queryset: models.QuerySet[Any, Any]) -> list[Any]:
        """What ``list(queryset)`` would give: instances, or the values asked for."""
        prefetch = queryset._prefetch_related_lookups  # type: ignore[attr-defined]  # private
        if queryset._iterable_class not in _ITERABLES or prefetch:
            raise ValueError(f"{self.name}: only plain reads are kept compiled")
        query = queryset.query
        shape = _shape(queryset)
        if self._shape is None:
            self._shape = shape
        elif shape != self._shape:
            raise ValueError(f"{self.name}: a queryset of another shape than the first")
        compiler = query.get_compiler(using=queryset.db)
        try:
            where, params = compiler.compile(query.where)
        except EmptyResultSet:
            return []
        except FullResultSet:
            where, params = "", ()
        key = (queryset.db, where)
        kept = self._kept.get(key)
        if kept is None and len(self._kept) >= KEPT_MAX:
            return list(queryset)  # shapes without end (lists of any length): not kept
        if kept is None:
            sql, all_params = compiler.as_sql()
            kept = self._kept[key] = (
                _Compiled(
                    sql=sql,
                    select=compiler.select,
                    klass_info=compiler.klass_info,
                    annotation_col_map=compiler.annotation_col_map,
                    col_count=compiler.col_count,
                    has_extra_select=compiler.has_extra_select,
                )
                if tuple(all_params) == tuple(params)
                else _UNKEPT
            )
        if kept is _UNKEPT:
            return list(queryset)
        assert isinstance(kept, _Compiled)
        compiler.select, compiler.klass_info = kept.select, kept.klass_info
        compiler.annotation_col_map, compiler.col_count = kept.annotation_col_map, kept.col_count
        compiler.has_extra_select = kept.has_extra_select
        converters = kept.converters.get(compiler.connection)
        if converters is None:
            columns = [s[0] for s in kept.select[: kept.col_count]]
            converters = kept.converters[compiler.connection] = compiler.get_converters(columns)
        bound = (kept.sql, tuple(params))
        compiler.as_sql = lambda *args, **kwargs: bound
        compiler.get_converters = lambda expressions: converters
        # ModelIterable asks the query for its compiler: this once, it gets the one set up.
        query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        try:
            return list(queryset)
        finally:
            del query.get_compiler

    def first(self, queryset: models.QuerySet[Any, Any]) -> Any:
        """What ``queryset.first()`` would give."""
        rows = self.fetch((queryset if queryset.ordered else queryset.order_by("pk"))[:1])
        return rows[0] if rows else None

    def get(self, queryset: models.QuerySet[Any, Any]) -> models.Model:
        """The one instance ``queryset.get()`` would give, or its exceptions."""
        model = queryset.model
        rows = self.fetch(queryset[:MAX_GET_RESULTS])
        if len(rows) == 1:
            instance: models.Model = rows[0]
            return instance
        if not rows:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(
            f"get() returned more than one {model._meta.object_name}: {len(rows)} or more"
        )

    def __repr__(self) -> str:
        return f"<CompiledRead {self.name}: {len(self._kept)} kept>"
