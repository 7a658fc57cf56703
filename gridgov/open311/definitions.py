"""Open311 services and their definitions, read off the cases app's categories.

A category (``cases.Category``) is an Open311 service: ``code`` is the ``service_code``, its
kind's label the ``group``. ``Category.attributes`` holds the service definition as entered by
an administrator (``[{code, datatype, required, description, order, values: [{key, name}]}]``);
it is read tolerantly here (an item without a code is skipped, an unknown datatype is
``string``, a missing or bad ``order`` is the item's position) so that a typo in the admin never
breaks the endpoint. An empty definition means ``metadata=false``.

``attribute_values`` checks the ``attribute[CODE]`` parameters of a POST against the
definition: required attributes, the datatype, list values among the keys. Only the
definition's own attributes are kept; others (e.g. FixMyStreet's ``attribute[fixmystreet_id]``
when the service does not define it) are ignored. Define them to keep them.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gridgov.cases.models import Category
from gridgov.cases.rules import DESCRIPTION_MAX_CHARS
from gridgov.cases.step_records import clean_text
from gridgov.core.rules import rule_value

from .formats import format_datetime, parse_datetime_param

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_TYPES = ("singlevaluelist", "multivaluelist")
STRING_MAX_CHARS = 1000


def _order(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def _values(raw: Any) -> list[dict[str, str]]:
    values = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        key = str(item.get("key") if item.get("key") is not None else "").strip()
        if key:
            values.append({"key": key, "name": str(item.get("name") or key)})
    return values


def service_attributes(category: Category) -> list[dict[str, Any]]:
    """The definition's attributes in the spec's shape, sorted by ``order``."""
    raw = category.attributes if isinstance(category.attributes, list) else []
    attributes = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            continue
        code = str(item.get("code") or "").strip()
        if not code:
            continue
        datatype = item.get("datatype")
        datatype = datatype if datatype in DATATYPES else "string"
        variable = item.get("variable", True) is not False
        attribute: dict[str, Any] = {
            "variable": variable,
            "code": code,
            "datatype": datatype,
            "required": variable and item.get("required") is True,
            "datatype_description": str(item.get("datatype_description") or "") or None,
            "order": _order(item.get("order"), position),
            "description": str(item.get("description") or ""),
        }
        if datatype in LIST_TYPES:
            attribute["values"] = _values(item.get("values"))
        attributes.append(attribute)
    attributes.sort(key=lambda a: a["order"])
    return attributes


def service_document(category: Category) -> dict[str, Any]:
    """One item of ``services``."""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(service_attributes(category)),
        "type": "realtime",  # the matter number is returned at once: no tokens
        "keywords": category.keywords,
        "group": category.get_kind_display(),
    }


def definition_document(category: Category) -> dict[str, Any]:
    """The ``service_definition`` of a service (an empty list of attributes if it has none)."""
    return {"service_code": category.code, "attributes": service_attributes(category)}


def _one(value: str | list[str], name: str, errors: dict[str, list[str]]) -> str | None:
    if isinstance(value, str):
        return value
    if len(value) == 1:
        return value[0]
    errors.setdefault(name, []).append(_("只能有一个值"))
    return None


def _text(value: str, name: str, max_chars: int, errors: dict[str, list[str]]) -> str | None:
    try:
        return clean_text(value, field=name, required=False, max_chars=max_chars)
    except ValidationError as exc:
        for messages in exc.message_dict.values():
            errors.setdefault(name, []).extend(messages)
        return None


def _checked(
    attribute: dict[str, Any], value: str | list[str], errors: dict[str, list[str]]
) -> Any:
    """The stored form of one submitted value, or None after adding an error."""
    name = f"attribute[{attribute['code']}]"
    datatype = attribute["datatype"]
    keys = [v["key"] for v in attribute.get("values", [])]
    if datatype == "multivaluelist":
        chosen = [value] if isinstance(value, str) else list(dict.fromkeys(value))
        unknown = [v for v in chosen if v not in keys]
        if unknown:
            errors.setdefault(name, []).append(
                _("“%(v)s”不是可选值（%(keys)s）")
                % {"v": "、".join(unknown), "keys": "、".join(keys)}
            )
            return None
        return chosen
    single = _one(value, name, errors)
    if single is None:
        return None
    if datatype == "singlevaluelist":
        if single not in keys:
            errors.setdefault(name, []).append(
                _("“%(v)s”不是可选值（%(keys)s）") % {"v": single[:40], "keys": "、".join(keys)}
            )
            return None
        return single
    if datatype == "number":
        try:
            number = decimal.Decimal(single)
        except decimal.InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            errors.setdefault(name, []).append(_("“%(v)s”不是数字") % {"v": single[:40]})
            return None
        return single
    if datatype == "datetime":
        try:
            return format_datetime(parse_datetime_param(single))
        except ValueError as exc:
            errors.setdefault(name, []).append(str(exc))
            return None
    limit = rule_value(DESCRIPTION_MAX_CHARS) if datatype == "text" else STRING_MAX_CHARS
    return _text(single, name, limit, errors)


def attribute_values(
    category: Category, submitted: Mapping[str, str | list[str]]
) -> dict[str, Any]:
    """The checked ``attribute[CODE]`` values to store on the matter, by code.

    Raises ValidationError with one entry per offending parameter (``attribute[CODE]``):
    a required attribute missing, a value not among a list's keys, several values for a
    single-valued attribute, a number or datetime that does not parse, a control character in
    a text (markup is kept as typed and escaped on output: core.text).
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for attribute in service_attributes(category):
        if not attribute["variable"]:
            continue  # informational text only: nothing to enter
        code = attribute["code"]
        value = submitted.get(code)
        if value is None or value == []:
            if attribute["required"]:
                errors.setdefault(f"attribute[{code}]", []).append(_("必填"))
            continue
        checked = _checked(attribute, value, errors)
        if checked not in (None, ""):
            values[code] = checked
        elif attribute["required"] and f"attribute[{code}]" not in errors:
            errors.setdefault(f"attribute[{code}]", []).append(_("必填"))
    if errors:
        raise ValidationError(errors)
    return values


def attribute_summary(category: Category, values: Mapping[str, Any]) -> str:
    """The attributes as text lines (``说明：值``), for a request posted without a description."""
    lines = []
    for attribute in service_attributes(category):
        if attribute["code"] not in values:
            continue
        value = values[attribute["code"]]
        names = {v["key"]: v["name"] for v in attribute.get("values", [])}
        shown = (
            [names.get(v, v) for v in value]
            if isinstance(value, list)
            else [names.get(value, value)]
        )
        label = attribute["description"] or attribute["code"]
        lines.append(f"{label}：{'、'.join(str(v) for v in shown)}")
    return "\n".join(lines)
