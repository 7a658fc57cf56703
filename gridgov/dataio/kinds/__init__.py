"""The import kinds, by the names of ``gridgov.dataio.schemas.SCHEMAS``: the registry's."""

from __future__ import annotations

from ..registry import KINDS
from .base import Context, Kind, Scope

__all__ = ["KINDS", "Context", "Kind", "Scope"]
