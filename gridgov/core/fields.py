"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models


class BytewiseCharField(models.CharField):
    """Text compared byte by byte (code-point order): codes, grid paths, keyed hashes, names.

    On PostgreSQL the column takes the "C" collation: its B-tree indexes sort by memcmp with
    abbreviated keys (about twice as fast to build as under a libc collation such as C.UTF-8),
    and a plain index then serves prefix ``LIKE`` too, so no extra ``varchar_pattern_ops`` index
    is needed. Index such columns through ``Meta.indexes`` / ``UniqueConstraint``: ``db_index``
    or ``unique`` would make Django add that pattern index all the same. SQLite compares text
    byte by byte already (BINARY).
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            params["collation"] = "C"
        return params
