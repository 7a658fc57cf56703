"""The columns of every import kind: Chinese headers as cadres write them in Excel.

A kind's schema is the single contract between the importer, the templates, the exporter and the
demo generator; each app declares its kinds' schemas in its ``dataio`` module and registers them
(``gridgov.dataio.registry``). A column is required (``*`` in templates) or optional; ``choices`` map the
Chinese cell value to the stored code. Booleans accept 是/否 (also 1/0, Y/N, true/false).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Choices
from django.utils import translation


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


def choices_of(
    model_choices: type[Choices], *, aliases: dict[str, Iterable[str]] | None = None
) -> dict[str, str]:
    """A choice column's cell values (Chinese label → stored code) from a model's choices, so
    that every choice of the model is accepted on import and written on export.

    Labels are the source (Chinese) labels whatever the active language, since files are written
    in Chinese. The blank choice (the model's 否/无) is an empty cell, not its label. ``aliases``
    are further labels accepted for a code, after its own (export writes the first label).
    """
    aliases = aliases or {}
    cells: dict[str, str] = {}
    with translation.override(None):
        for value, label in model_choices.choices:
            if value == "":
                cells[""] = ""
                continue
            cells[str(label)] = value
            for alias in aliases.get(value, ()):
                cells[alias] = value
    return cells


# Every registered kind's schema, in load order, and that order (each kind refers only to kinds
# before it): filled by ``registry.register_kind`` when the apps are ready.
SCHEMAS: dict[str, Schema] = {}
LOAD_ORDER: list[str] = []
