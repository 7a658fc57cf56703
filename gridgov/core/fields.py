"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class BytewiseCharField(models.CharField[Any, Any]):
    """Text compared byte by byte (code-point order): codes, grid paths, keyed hashes, names.

    On PostgreSQL the column takes the "C" collation: its B-tree indexes sort by memcmp with
    abbreviated keys (about twice as fast to build as under a libc collation such as C.UTF-8),
    and a plain index then serves prefix ``LIKE`` too, so no extra ``varchar_pattern_ops`` index
    is needed. Index such columns through ``Meta.indexes`` / ``UniqueConstraint``: ``db_index``
    or ``unique`` would make Django add that pattern index all the same. SQLite compares text
    byte by byte already (BINARY).
    """

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, str | None]:
        params = super().db_parameters(connection)
        # CharField sets db_collation in __init__; the stubs declare it only as an argument.
        collation = self.db_collation  # type: ignore[attr-defined]
        if connection.vendor == "postgresql" and not collation:
            params["collation"] = "C"
        return params
