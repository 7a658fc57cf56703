"""Strict JSON types for request bodies, checked before pydantic's lax conversions.

Pydantic in its default ("lax") mode turns ``false`` into ``0.0`` for a float, ``"12"`` into
``12`` for an integer, ``1`` into ``true`` for a bool and a number into a date (Unix time): a
grid node once stored ``"lng": false`` as 0. Its strict mode cannot be used for bodies as a
whole, because ninja validates the parsed JSON as Python data, where strict mode refuses the
ISO strings of dates and the codes of enums. So each value is checked here against the JSON
type its annotation stands for, and refused with pydantic's own error types (which
``api.errors`` words in Chinese):

- ``bool`` takes only ``true``/``false``; ``int`` only integers (not ``true``, not ``1.0``,
  not text), within 64 bits; ``float`` integers or finite decimals, never ``true``/``false``;
- ``str`` and enums take text only, dates ISO text only (``2026-03-01``; pydantic would read
  ``0`` or ``"0"`` as Unix time), never with NUL or unpaired surrogates (neither can be stored
  in PostgreSQL text nor encoded as UTF-8);
- ``null`` only where the annotation allows ``None``; an object or list where one is declared.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticCustomError

INT64_MAX = 2**63 - 1
# Dates as ISO text only: pydantic would also read a number (or a numeric string) as Unix time.
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|$)")
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _kinds(annotation: Any) -> tuple[set[str], bool]:
    """The JSON kinds an annotation takes, and whether it takes null."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        kinds: set[str] = set()
        nullable = False
        for arg in typing.get_args(annotation):
            if arg is type(None):
                nullable = True
                continue
            arg_kinds, arg_nullable = _kinds(arg)
            kinds |= arg_kinds
            nullable = nullable or arg_nullable
        return kinds, nullable
    if origin is typing.Literal:
        return {type(v).__name__ for v in typing.get_args(annotation)} & {"str", "int"}, False
    if origin in (dict, typing.Mapping) or annotation is dict:
        return {"object"}, False
    if origin in (list, tuple, set) or annotation in (list, tuple, set):
        return {"array"}, False
    if annotation is bool:
        return {"bool"}, False
    if annotation is int:
        return {"int"}, False
    if annotation is float:
        return {"number"}, False
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"object"}, False
    if isinstance(annotation, type) and issubclass(annotation, dt.datetime):
        return {"datetime"}, False
    if isinstance(annotation, type) and issubclass(annotation, dt.date):
        return {"date"}, False
    if isinstance(annotation, type) and issubclass(annotation, str | enum.Enum | dt.time):
        return {"str"}, False
    return {"any"}, True


# The pydantic error type for a value that is not of the first kind the field takes.
_WRONG_TYPE = {
    "bool": "bool_type",
    "int": "int_type",
    "number": "float_type",
    "str": "string_type",
    "date": "date_parsing",
    "datetime": "datetime_parsing",
    "object": "dict_type",
    "array": "list_type",
}
_MESSAGES = {
    "bool_type": "Input should be a valid boolean",
    "int_type": "Input should be a valid integer",
    "float_type": "Input should be a valid number",
    "string_type": "Input should be a valid string",
    "date_parsing": "Input should be a date as YYYY-MM-DD",
    "datetime_parsing": "Input should be a datetime as YYYY-MM-DDTHH:MM:SS",
    "dict_type": "Input should be a valid dictionary",
    "list_type": "Input should be a valid list",
}


def _fits(kind: str, value: Any) -> bool:
    if kind == "any":
        return True
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind == "date":
        return isinstance(value, str) and ISO_DATE.match(value) is not None
    if kind == "datetime":
        return isinstance(value, str) and ISO_DATETIME.match(value) is not None
    if kind == "object":
        return isinstance(value, dict)
    return isinstance(value, list)


def strict_json_value(annotation: Any, value: Any) -> Any:
    """``value`` unchanged if it is of a JSON kind ``annotation`` takes; PydanticCustomError
    (a pydantic error type) otherwise. Values already converted (enums, dates) pass."""
    if isinstance(annotation, str):  # postponed annotations are resolved by pydantic
        return value
    kinds, nullable = _kinds(annotation)
    if value is None:
        if nullable:
            return None
        raise PydanticCustomError("null_forbidden", "Input should not be null")
    if not isinstance(value, bool | int | float | str | dict | list):
        return value  # not parsed JSON (a default, or a value built in Python)
    if not any(_fits(kind, value) for kind in kinds):
        first = sorted(kinds - {"any"})[0] if kinds - {"any"} else "str"
        error = _WRONG_TYPE[first]
        raise PydanticCustomError(error, _MESSAGES[error])
    _storable(value)
    return value


def _storable(value: Any, depth: int = 0) -> None:
    """What no column can hold, at any depth of an object (a GeoJSON boundary is stored as
    JSON: PostgreSQL's jsonb refuses ``\u0000`` and ``Infinity``)."""
    if depth > 64:
        raise PydanticCustomError("too_deep", "Input is nested too deeply")
    if isinstance(value, bool):
        return
    if isinstance(value, int) and abs(value) > INT64_MAX:
        raise PydanticCustomError("int_overflow", "Input is outside the 64-bit integer range")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    if isinstance(value, str) and _BAD_TEXT.search(value):
        raise PydanticCustomError("bad_text", "Input holds NUL or an unpaired surrogate")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key, depth + 1)
            _storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable(item, depth + 1)


def iso_date_text(value: Any) -> Any:
    """Before-validator of a date given as text (a query parameter): ISO ``YYYY-MM-DD`` only."""
    if isinstance(value, str) and ISO_DATE.match(value) is None:
        raise PydanticCustomError("date_parsing", _MESSAGES["date_parsing"])
    return value
