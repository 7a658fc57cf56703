"""The columns of every import kind: Chinese headers as cadres write them in Excel.

A kind's schema is the single contract between the importer, the templates, the exporter and the
demo generator; each app declares its kinds' schemas in its ``dataio`` module and registers them
(``gridgov.dataio.registry``). A column is required (``*`` in templates) or optional; ``choices`` map the
Chinese cell value to the stored code. Booleans accept 是/否 (also 1/0, Y/N, true/false).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    kind: str = "text"  # text | int | float | date | bool | choice | geojson
    choices: dict[str, str] = field(default_factory=dict)
    help: str = ""


@dataclass(frozen=True)
class Schema:
    kind: str
    title: str
    natural_key: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


YES_NO = {"是": "1", "否": "0"}

# Every registered kind's schema, in load order, and that order (each kind refers only to kinds
# before it): filled by ``registry.register_kind`` when the apps are ready.
SCHEMAS: dict[str, Schema] = {}
LOAD_ORDER: list[str] = []
