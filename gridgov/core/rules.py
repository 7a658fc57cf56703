"""Named rules with a legal or policy source: one registry, overridable per deployment.

Each app declares its rules in its own ``rules.py`` with ``define``; code reads them with
``rule_value``. A county that is stricter than the national default overrides a value through
the GRIDGOV_RULES environment variable (JSON object of key → value) or the settings dict
``GRIDGOV_RULES``. ``gridgov rules`` lists every rule with its source.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class Rule:
    key: str
    default: Any
    source: str
    description: str
    since: str = ""


_REGISTRY: dict[str, Rule] = {}


def define(key: str, default: Any, *, source: str, description: str, since: str = "") -> Rule:
    rule = Rule(key, default, source, description, since)
    _REGISTRY[key] = rule
    return rule


def _overrides() -> dict[str, Any]:
    merged = dict(getattr(settings, "GRIDGOV_RULES", {}) or {})
    env = os.environ.get("GRIDGOV_RULES", "").strip()
    if env:
        merged.update(json.loads(env))
    return merged


def rule_value(rule: Rule) -> Any:
    return _overrides().get(rule.key, rule.default)


def all_rules() -> list[Rule]:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("rules")  # each app declares its rules in <app>/rules.py
    return sorted(_REGISTRY.values(), key=lambda r: r.key)
