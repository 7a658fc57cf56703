"""The registry of import/export kinds: each app plugs its kinds into dataio here.

An app's ``dataio`` module declares its kinds (schema, loader, export) and calls
``register_kind``; ``DataioConfig.ready`` imports every installed app's ``dataio`` module, so
dataio itself never imports the apps above it. ``position`` fixes the order of the kinds (the
import page, the templates, ``LOAD_ORDER``): each kind refers only to kinds before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .schemas import LOAD_ORDER, SCHEMAS

if TYPE_CHECKING:
    from .exports import ExportSpec
    from .kinds.base import Kind

# Export spec of a kind for ``reveal`` (full IDs and phones, or masked).
ExportFactory = Callable[[bool], "ExportSpec"]

KINDS: dict[str, Kind] = {}
EXPORTS: dict[str, ExportFactory] = {}
_POSITIONS: dict[str, int] = {}


def register_kind(kind: Kind, *, position: int, export: ExportFactory) -> None:
    """Add ``kind`` (an instance) with its export spec factory at ``position`` in the order."""
    key = kind.schema.kind
    if key in KINDS and type(KINDS[key]) is not type(kind):
        raise ValueError(f"import kind {key!r} registered twice")
    KINDS[key] = kind
    EXPORTS[key] = export
    _POSITIONS[key] = position
    order = sorted(_POSITIONS, key=_POSITIONS.__getitem__)
    # The same dict and list objects stay in place: modules hold them by import.
    schemas = {k: KINDS[k].schema for k in order}
    kinds = {k: KINDS[k] for k in order}
    exports = {k: EXPORTS[k] for k in order}
    for target, source in ((SCHEMAS, schemas), (KINDS, kinds), (EXPORTS, exports)):
        target.clear()
        target.update(source)
    LOAD_ORDER[:] = order


def autodiscover() -> None:
    """Register the kinds of dataio (the grid) and of every installed app's ``dataio`` module."""
    from django.utils.module_loading import autodiscover_modules

    from .kinds import grid  # noqa: F401  (registers the grid kind)

    autodiscover_modules("dataio")
