"""The quorum and majority of a meeting (到会和表决): is the meeting valid, and did it pass?

Pure arithmetic on counts, no database: ``tally(body, counts)`` applies the body's rule of
``rules.BODIES`` (read through ``rule_value``, so a county's override applies) and answers a
``TallyResult`` with the rule's text, version and citation. Every fraction is compared in
integers, never floats: "more than half" is ``count * 2 > roll`` (5 of 10 is not), "two thirds"
is ``count * 3 >= roll * 2``. A meeting without its quorum never passes.

The same function answers ``gridgov decisions tally`` (``parse_line``, one JSON object a line),
``POST /api/v1/decisions/tally`` (``tally_object``) and the meetings recorded for a matter
(``meetings``, which may pass the two committees' and the group committee's bodies and the party
review's stricter quorum). Bad counts raise ``TallyError``, whose message names the field and the
reason in English (the machine interface); it never holds raw input that could not be printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import ImproperlyConfigured

from gridgov.core.rules import rule_value

from .rules import BODIES, PARTY_REVIEW_QUORUM, PUBLIC_TALLY_BODIES

# The counts each body is tallied from: the fixed interface of ``gridgov decisions tally``.
_VILLAGE_FIELDS = ("adults", "households", "present_adults", "present_household_reps")
_VILLAGE = (*_VILLAGE_FIELDS, "present", "yes")
_MEMBERS = ("members", "present", "yes")
FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "villagers_meeting": _VILLAGE,
    "villager_group_meeting": _VILLAGE,
    "representative_meeting": _MEMBERS,
    "party_assembly": ("voting_members", "present", "yes"),
    "branch_committee": _MEMBERS,
    "collective_members_assembly": _MEMBERS,
    "collective_representative_assembly": _MEMBERS,
    "two_committees": _MEMBERS,
    "group_committee": _MEMBERS,
}
# The rolls (who is due to attend), each at least 1.
ROLL_FIELDS: Final[frozenset[str]] = frozenset(
    {"adults", "households", "members", "voting_members"}
)
# (smaller, larger): the first may not be above the second. For villagers' and group meetings
# ``present`` counts everyone in the room, adults and households' representatives alike.
_BOUNDS: Final[dict[tuple[str, ...], tuple[tuple[str, str], ...]]] = {
    _VILLAGE: (
        ("present_adults", "adults"),
        ("present_household_reps", "households"),
        ("present", "adults"),
        ("present_adults", "present"),
        ("present_household_reps", "present"),
        ("yes", "present"),
    ),
    _MEMBERS: (("present", "members"), ("yes", "present")),
    FIELDS["party_assembly"]: (("present", "voting_members"), ("yes", "present")),
}

_SHOWN_MAX = 40  # characters of an unknown name or bad value repeated in a message


class TallyError(ValueError):
    """Counts that cannot be tallied; the message names the field and the reason."""


class RuleError(ImproperlyConfigured):
    """``decisions.bodies`` (a county's override of it) is not a usable rule."""


@dataclass(frozen=True)
class TallyResult:
    quorum: bool
    passed: bool
    rule: str
    version: str
    citation: str
    body: str

    def as_public(self) -> dict[str, bool | str]:
        """The five keys of the interface, in its order."""
        return {
            "quorum": self.quorum,
            "passed": self.passed,
            "rule": self.rule,
            "version": self.version,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class _Fraction:
    """``count / total`` reaches ``num / den``: strictly above it when ``strict``."""

    num: int
    den: int
    strict: bool

    def met(self, count: int, total: int) -> bool:
        if self.strict:
            return count * self.den > total * self.num
        return count * self.den >= total * self.num

    def text(self) -> str:
        return f"{'超过' if self.strict else '达到'}{self.num}/{self.den}"


@dataclass(frozen=True)
class _BodyRule:
    quorum: tuple[tuple[str, str, _Fraction], ...]  # (roll field, present field, fraction)
    majority: tuple[str, _Fraction]  # (field the yes votes are counted over, fraction)
    rule: str
    version: str
    citation: str


# -- Showing input in messages ---------------------------------------------------------------


def _shown(text: str) -> str:
    """``text`` as a message may repeat it: short, printable, encodable as UTF-8."""
    if len(text) > _SHOWN_MAX:
        text = text[:_SHOWN_MAX] + "…"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON's \\ud800
        return json.dumps(text)[1:-1]
    return text if text.isprintable() else json.dumps(text)[1:-1]


def _described(value: object) -> str:
    """A bad value as JSON would spell it (``true``, ``null``, ``5.0``, ``"5"``), shortened."""
    if value is None or isinstance(value, bool | float):
        return json.dumps(value)
    if isinstance(value, int):
        text = str(value)
        return text if len(text) <= _SHOWN_MAX else text[:_SHOWN_MAX] + "…"
    if isinstance(value, str):
        return f'"{_shown(value)}"'
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _names(names: list[str]) -> str:
    return ", ".join(_shown(n) for n in names)


# -- The rule table --------------------------------------------------------------------------


def _rule_fraction(items: list[Any], body: str, part: str) -> _Fraction:
    num, den, strict = items
    if not (isinstance(num, int) and not isinstance(num, bool) and num >= 0):
        raise RuleError(f"decisions.bodies: {body} {part}: numerator must be an integer >= 0")
    if not (isinstance(den, int) and not isinstance(den, bool) and den >= 1):
        raise RuleError(f"decisions.bodies: {body} {part}: denominator must be an integer >= 1")
    if not isinstance(strict, bool):
        raise RuleError(f"decisions.bodies: {body} {part}: strict must be true or false")
    return _Fraction(num, den, strict)


def _rule_field(name: object, body: str, part: str) -> str:
    if not isinstance(name, str) or name not in FIELDS[body]:
        raise RuleError(f"decisions.bodies: {body} {part}: {name!r} is not a field of {body}")
    return name


def _body_rule(body: str) -> _BodyRule:
    """The rule of ``body`` in force: the default, with a county's override of it key by key.

    An override of ``decisions.bodies`` may give only the bodies (and, of a body, only the keys)
    it changes; a changed fraction should come with its own citation and version."""
    try:
        table = rule_value(BODIES)
    except ValueError as exc:  # GRIDGOV_RULES in the environment is not JSON
        raise RuleError(f"GRIDGOV_RULES is not a valid JSON object: {exc}") from None
    default: dict[str, Any] = BODIES.default.get(body) or {}
    override = table.get(body) if isinstance(table, Mapping) else None
    spec: dict[str, Any] = {**default, **(override if isinstance(override, Mapping) else {})}
    try:
        quorum = tuple(
            (
                _rule_field(alt[0], body, "quorum"),
                _rule_field(alt[1], body, "quorum"),
                _rule_fraction(list(alt[2:]), body, "quorum"),
            )
            for alt in spec["quorum"]
        )
        over = _rule_field(spec["majority"][0], body, "majority")
        majority = (over, _rule_fraction(list(spec["majority"][1:]), body, "majority"))
        texts = [spec["rule"], spec["version"], spec["citation"]]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RuleError(f"decisions.bodies: the rule of {body} is malformed ({exc!r})") from None
    if not quorum:
        raise RuleError(f"decisions.bodies: {body} has no quorum")
    if not all(isinstance(t, str) for t in texts):
        raise RuleError(f"decisions.bodies: {body}: rule, version and citation must be text")
    return _BodyRule(quorum, majority, *texts)


# -- Checking the counts ---------------------------------------------------------------------


def _check_body(body: object, *, public: bool) -> str:
    if not isinstance(body, str):
        raise TallyError(f"body must be a string (got {_described(body)})")
    known = PUBLIC_TALLY_BODIES if public else tuple(FIELDS)
    if body not in known:
        raise TallyError(f"unknown body: {_shown(body)}")
    return str(body)  # a MeetingBody member is a str; answer its plain value


def _checked_counts(body: str, counts: Mapping[str, object]) -> dict[str, int]:
    fields = FIELDS[body]
    unknown = [str(name) for name in counts if name not in fields]
    if unknown:
        word = "field" if len(unknown) == 1 else "fields"
        raise TallyError(f"unknown {word} for {body}: {_names(unknown)}")
    missing = [name for name in fields if name not in counts]
    if missing:
        word = "field" if len(missing) == 1 else "fields"
        raise TallyError(f"missing {word}: {', '.join(missing)}")
    checked: dict[str, int] = {}
    for name in fields:
        value = counts[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise TallyError(f"{name} must be a non-negative integer (got {_described(value)})")
        checked[name] = int(value)
    for name in fields:
        if name in ROLL_FIELDS and checked[name] < 1:
            raise TallyError(f"{name} must be at least 1 (got {checked[name]})")
    for small, large in _BOUNDS[fields]:
        if checked[small] > checked[large]:
            raise TallyError(f"{small} ({checked[small]}) is above {large} ({checked[large]})")
    return checked


def _override_fraction(value: tuple[int, int, bool]) -> _Fraction:
    try:
        num, den, strict = value
    except (TypeError, ValueError):
        raise ValueError("quorum_override must be (numerator, denominator, strict)") from None
    for part, least in ((num, 0), (den, 1)):
        if not isinstance(part, int) or isinstance(part, bool) or part < least:
            raise ValueError(f"quorum_override: {part!r} is not an integer >= {least}")
    return _Fraction(num, den, bool(strict))


# -- The tally -------------------------------------------------------------------------------


def tally(
    body: str,
    counts: Mapping[str, object],
    *,
    public: bool = False,
    quorum_override: tuple[int, int, bool] | None = None,
) -> TallyResult:
    """Tally ``counts`` under the rule of ``body``.

    ``public``: accept only the bodies of the interface (``rules.PUBLIC_TALLY_BODIES``), as the
    command and the API do. ``quorum_override``: (numerator, denominator, strict) replacing the
    fraction of every quorum alternative, for the party members' review where a county requires
    more than the branch regulations (``rules.PARTY_REVIEW_QUORUM``); the rule's text and
    citation say so.

    Raises ``TallyError`` for counts that cannot be tallied, ``RuleError`` for a broken rule."""
    body = _check_body(body, public=public)
    checked = _checked_counts(body, counts)
    rule = _body_rule(body)
    quorum_rule = rule.quorum
    text, citation = rule.rule, rule.citation
    if quorum_override is not None:
        fraction = _override_fraction(quorum_override)
        quorum_rule = tuple((roll, present, fraction) for roll, present, _f in rule.quorum)
        text = f"{text}（到会要求按本地规定：到会人数{fraction.text()}应到人数）"
        citation = f"{citation}；本地规定（{PARTY_REVIEW_QUORUM.key}）"
    quorum = any(
        fraction.met(checked[present], checked[roll]) for roll, present, fraction in quorum_rule
    )
    over, fraction = rule.majority
    majority = fraction.met(checked["yes"], checked[over])
    return TallyResult(
        quorum=quorum,
        passed=quorum and majority,
        rule=text,
        version=rule.version,
        citation=citation,
        body=body,
    )


def tally_object(data: object) -> TallyResult:
    """One object of the interface: ``{"body": ..., <counts>}``, public bodies only."""
    if not isinstance(data, Mapping):
        raise TallyError(f"expected a JSON object, got {_json_kind(data)}")
    if "body" not in data:
        raise TallyError("missing field: body")
    counts = {key: value for key, value in data.items() if key != "body"}
    return tally(data["body"], counts, public=True)


def _json_kind(data: object) -> str:
    if isinstance(data, list):
        return "an array"
    if isinstance(data, str):
        return "a string"
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "true" if data else "false"
    return "a number"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise TallyError(f"duplicate field: {_shown(key)}")
        data[key] = value
    return data


def _no_constant(name: str) -> Any:
    raise TallyError(f"invalid JSON: {name} is not allowed")


def parse_json(text: str) -> object:
    """Strict JSON: no NaN or Infinity, no field given twice; ``TallyError`` otherwise."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise TallyError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise TallyError("invalid JSON: nested too deeply") from None
    except TallyError:
        raise
    except ValueError:  # an integer past Python's conversion limit (4300 digits)
        raise TallyError("invalid JSON: a number is too long") from None


def parse_line(line: str) -> TallyResult:
    """One line of ``gridgov decisions tally``: a JSON object with ``body`` and the counts."""
    return tally_object(parse_json(line))
