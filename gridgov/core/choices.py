"""The label of a coded value, for answers and exports that show many rows."""

from __future__ import annotations

import functools
from typing import Any

from django.db import models


def choice_label(obj: models.Model, field: str) -> str:
    """What ``obj.get_<field>_display()`` gives, in the active language, without Django's
    rebuilding the field's choices as a dict on every call (4 % of a matter's API answer)."""
    value = getattr(obj, field)
    return str(_labels(obj._meta.get_field(field)).get(value, value))


@functools.cache
def _labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    return dict(field.flatchoices)
