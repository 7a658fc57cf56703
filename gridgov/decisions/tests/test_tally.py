"""The quorum and majority engine (``decisions.tally``), ``gridgov decisions tally`` and
``POST /api/v1/decisions/tally``: every boundary of every body, every class of bad input, a
county's override, and a property test against a reference written with ``Fraction``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.accounts.roles import Role
from gridgov.decisions.rules import BODIES, PUBLIC_TALLY_BODIES
from gridgov.decisions.tally import (
    FIELDS,
    RuleError,
    TallyError,
    TallyResult,
    parse_line,
    tally,
    tally_object,
)
from gridgov.testing.api import BASE

VCOL = "村民委员会组织法（2018）"
RCEOL = "农村集体经济组织法（2024）"
BRANCH = "中国共产党支部工作条例（试行）（2018）"


def villagers(
    adults: int = 100,
    households: int = 30,
    present_adults: int = 0,
    present_household_reps: int = 0,
    present: int | None = None,
    yes: int = 0,
) -> dict[str, int]:
    if present is None:
        present = max(present_adults, present_household_reps)
    return {
        "adults": adults,
        "households": households,
        "present_adults": present_adults,
        "present_household_reps": present_household_reps,
        "present": present,
        "yes": yes,
    }


def members(n: int, present: int, yes: int = 0) -> dict[str, int]:
    return {"members": n, "present": present, "yes": yes}


def party(voting: int, present: int, yes: int = 0) -> dict[str, int]:
    return {"voting_members": voting, "present": present, "yes": yes}


# -- Every boundary of every body ------------------------------------------------------------
# (body, counts, quorum, passed): at each threshold and one below it (or above, for "more than").

BOUNDARIES = [
    # 村民会议: more than half of the adults...
    ("villagers_meeting", villagers(present_adults=50, present=50, yes=50), False, False),
    ("villagers_meeting", villagers(present_adults=51, present=51, yes=26), True, True),
    ("villagers_meeting", villagers(adults=9, present_adults=4, yes=4), False, False),
    ("villagers_meeting", villagers(adults=9, present_adults=5, yes=3), True, True),
    # ...or at least two thirds of the households' representatives.
    ("villagers_meeting", villagers(present_adults=50, present_household_reps=20), True, False),
    ("villagers_meeting", villagers(present_adults=50, present_household_reps=19), False, False),
    ("villagers_meeting", villagers(households=10, present_household_reps=7), True, False),
    ("villagers_meeting", villagers(households=10, present_household_reps=6), False, False),
    # More than half of those present: 20 of 40 is not, 21 is.
    ("villagers_meeting", villagers(present_household_reps=20, present=40, yes=20), True, False),
    ("villagers_meeting", villagers(present_household_reps=20, present=40, yes=21), True, True),
    ("villagers_meeting", villagers(present_household_reps=20, present=41, yes=20), True, False),
    ("villagers_meeting", villagers(present_household_reps=20, present=41, yes=21), True, True),
    # 村民小组会议: at least two thirds of the adults, or of the households' representatives.
    ("villager_group_meeting", villagers(adults=9, present_adults=6, yes=4), True, True),
    ("villager_group_meeting", villagers(adults=9, present_adults=5, yes=5), False, False),
    ("villager_group_meeting", villagers(adults=10, present_adults=7, yes=4), True, True),
    ("villager_group_meeting", villagers(adults=10, present_adults=6, yes=6), False, False),
    ("villager_group_meeting", villagers(present_household_reps=20, yes=11), True, True),
    ("villager_group_meeting", villagers(present_household_reps=19, yes=19), False, False),
    ("villager_group_meeting", villagers(adults=10, present_adults=7, yes=3), True, False),
    ("villager_group_meeting", villagers(adults=10, present_adults=10, yes=5), True, False),
    ("villager_group_meeting", villagers(adults=10, present_adults=10, yes=6), True, True),
    # 村民代表会议: at least two thirds of its members; more than half of those present.
    ("representative_meeting", members(30, 20, 11), True, True),
    ("representative_meeting", members(30, 19, 19), False, False),
    ("representative_meeting", members(31, 21, 11), True, True),
    ("representative_meeting", members(31, 20, 20), False, False),
    ("representative_meeting", members(30, 20, 10), True, False),
    ("representative_meeting", members(30, 21, 10), True, False),
    ("representative_meeting", members(30, 21, 11), True, True),
    # 支部党员大会: more than half of the voting members present; yes more than half of all of
    # them due to attend, not of those present.
    ("party_assembly", party(10, 5, 5), False, False),
    ("party_assembly", party(10, 6, 6), True, True),
    ("party_assembly", party(11, 5, 5), False, False),
    ("party_assembly", party(11, 6, 6), True, True),
    ("party_assembly", party(10, 10, 5), True, False),
    ("party_assembly", party(10, 10, 6), True, True),
    ("party_assembly", party(10, 7, 5), True, False),  # 5 of 7 present, but not of 10
    ("party_assembly", party(16, 16, 8), True, False),  # 8 of 16 is not more than half
    ("party_assembly", party(16, 16, 9), True, True),
    # 支部委员会: more than half of the members; yes more than half of them.
    ("branch_committee", members(5, 3, 3), True, True),
    ("branch_committee", members(5, 3, 2), True, False),
    ("branch_committee", members(5, 2, 2), False, False),
    ("branch_committee", members(4, 2, 2), False, False),
    ("branch_committee", members(4, 3, 3), True, True),
    # 集体经济组织成员大会: at least two thirds present; at least two thirds of all members.
    ("collective_members_assembly", members(9, 6, 6), True, True),
    ("collective_members_assembly", members(9, 6, 5), True, False),
    ("collective_members_assembly", members(9, 5, 5), False, False),
    ("collective_members_assembly", members(10, 7, 7), True, True),
    ("collective_members_assembly", members(10, 7, 6), True, False),  # 6 of 7, not of 10
    ("collective_members_assembly", members(10, 6, 6), False, False),
    # 成员代表大会: at least two thirds of all representatives (and as many present).
    ("collective_representative_assembly", members(30, 20, 20), True, True),
    ("collective_representative_assembly", members(30, 20, 19), True, False),
    ("collective_representative_assembly", members(30, 19, 19), False, False),
    ("collective_representative_assembly", members(31, 21, 21), True, True),
    ("collective_representative_assembly", members(31, 21, 20), True, False),
    # The committees tallied on the record only: more than half, of all members.
    ("two_committees", members(7, 4, 4), True, True),
    ("two_committees", members(7, 3, 3), False, False),
    ("two_committees", members(8, 8, 4), True, False),
    ("group_committee", members(6, 4, 4), True, True),
    ("group_committee", members(6, 3, 3), False, False),
]


@pytest.mark.parametrize(("body", "counts", "quorum", "passed"), BOUNDARIES)
def test_every_boundary_of_every_body(body, counts, quorum, passed):
    result = tally(body, counts)
    assert (result.quorum, result.passed) == (quorum, passed), (body, counts)
    assert result.body == body
    assert result.citation == BODIES.default[body]["citation"]
    assert result.version == BODIES.default[body]["version"]
    assert result.rule == BODIES.default[body]["rule"]


def test_the_boundaries_cover_every_body():
    assert {row[0] for row in BOUNDARIES} == set(BODIES.default) == set(FIELDS)


@pytest.mark.parametrize(
    ("body", "counts"),
    [
        # The majority would carry; the quorum is missing, so nothing passes.
        ("villagers_meeting", villagers(present_adults=50, present_household_reps=19, yes=50)),
        ("villager_group_meeting", villagers(adults=9, present_adults=5, yes=5)),
        ("representative_meeting", members(30, 19, 19)),
        ("branch_committee", members(6, 3, 3)),
    ],
)
def test_no_quorum_never_passes_even_all_yes(body, counts):
    result = tally(body, counts)
    assert result.quorum is False and result.passed is False


def test_citations_name_the_law_its_version_and_article():
    assert tally("villagers_meeting", villagers()).citation == f"{VCOL}第二十二条"
    assert tally("representative_meeting", members(3, 2)).citation == f"{VCOL}第二十六条"
    assert tally("villager_group_meeting", villagers()).citation == f"{VCOL}第二十八条"
    assert tally("party_assembly", party(3, 2)).citation == f"{BRANCH}第十一条"
    assert tally("branch_committee", members(3, 2)).citation == f"{BRANCH}第十二条"
    assert tally("collective_members_assembly", members(3, 2)).citation == f"{RCEOL}第二十七条"
    assert (
        tally("collective_representative_assembly", members(3, 2)).citation == f"{RCEOL}第二十八条"
    )


def test_as_public_has_exactly_the_five_keys():
    result = tally("party_assembly", party(10, 6, 6))
    assert result.as_public() == {
        "quorum": True,
        "passed": True,
        "rule": BODIES.default["party_assembly"]["rule"],
        "version": "2018",
        "citation": f"{BRANCH}第十一条",
    }
    assert list(result.as_public()) == ["quorum", "passed", "rule", "version", "citation"]


def test_a_meeting_body_member_is_answered_as_its_plain_value():
    from gridgov.decisions.models import MeetingBody

    result = tally(MeetingBody.PARTY_ASSEMBLY, party(10, 6, 6))
    assert type(result.body) is str and result.body == "party_assembly"


# -- Bad input -------------------------------------------------------------------------------

GOOD = {
    "villagers_meeting": villagers(present_adults=60, present=60, yes=40),
    "party_assembly": party(10, 6, 6),
    "representative_meeting": members(30, 20, 11),
}


@pytest.mark.parametrize(
    ("body", "counts", "message"),
    [
        ("party_assembly", {"voting_members": 10, "present": 6}, "missing field: yes"),
        ("party_assembly", {"voting_members": 10}, "missing fields: present, yes"),
        ("party_assembly", {**GOOD["party_assembly"], "members": 3}, "unknown field for party_assembly: members"),
        (
            "representative_meeting",
            {**GOOD["representative_meeting"], "a": 1, "b": 2},
            "unknown fields for representative_meeting: a, b",
        ),
        ("party_assembly", party(10, 6, -1), "yes must be a non-negative integer (got -1)"),
        ("party_assembly", {**GOOD["party_assembly"], "yes": True}, "yes must be a non-negative integer (got true)"),
        ("party_assembly", {**GOOD["party_assembly"], "present": False}, "present must be a non-negative integer (got false)"),
        ("party_assembly", {**GOOD["party_assembly"], "yes": 5.0}, "yes must be a non-negative integer (got 5.0)"),
        ("party_assembly", {**GOOD["party_assembly"], "yes": 5.5}, "yes must be a non-negative integer (got 5.5)"),
        ("party_assembly", {**GOOD["party_assembly"], "yes": "5"}, 'yes must be a non-negative integer (got "5")'),
        ("party_assembly", {**GOOD["party_assembly"], "yes": None}, "yes must be a non-negative integer (got null)"),
        ("party_assembly", {**GOOD["party_assembly"], "yes": [5]}, "yes must be a non-negative integer (got an array)"),
        ("party_assembly", {**GOOD["party_assembly"], "yes": {}}, "yes must be a non-negative integer (got an object)"),
        ("party_assembly", party(0, 0, 0), "voting_members must be at least 1 (got 0)"),
        ("representative_meeting", members(0, 0, 0), "members must be at least 1 (got 0)"),
        ("villagers_meeting", villagers(adults=0, present_adults=0), "adults must be at least 1 (got 0)"),
        ("villager_group_meeting", villagers(households=0), "households must be at least 1 (got 0)"),
        ("party_assembly", party(10, 11, 0), "present (11) is above voting_members (10)"),
        ("representative_meeting", members(30, 31, 0), "present (31) is above members (30)"),
        ("party_assembly", party(10, 6, 7), "yes (7) is above present (6)"),
        ("branch_committee", members(5, 3, 4), "yes (4) is above present (3)"),
        ("villagers_meeting", villagers(adults=10, present_adults=12), "present_adults (12) is above adults (10)"),
        (
            "villagers_meeting",
            villagers(households=10, present_household_reps=11),
            "present_household_reps (11) is above households (10)",
        ),
        ("villagers_meeting", villagers(adults=10, present=11), "present (11) is above adults (10)"),
        ("villagers_meeting", villagers(present_adults=50, present=40), "present_adults (50) is above present (40)"),
        (
            "villager_group_meeting",
            villagers(present_household_reps=20, present=19),
            "present_household_reps (20) is above present (19)",
        ),
        ("villagers_meeting", villagers(present_adults=60, present=60, yes=61), "yes (61) is above present (60)"),
        ("foo", {}, "unknown body: foo"),
        ("", {}, "unknown body: "),
    ],
)  # fmt: skip
def test_bad_counts_are_refused_naming_the_field(body, counts, message):
    with pytest.raises(TallyError) as caught:
        tally(body, counts)
    assert str(caught.value) == message


def test_the_interface_accepts_only_its_bodies():
    for body in ("two_committees", "group_committee"):
        assert tally(body, members(5, 3, 3)).passed  # internal callers
        with pytest.raises(TallyError, match=f"^unknown body: {body}$"):
            tally(body, members(5, 3, 3), public=True)
        with pytest.raises(TallyError, match=f"^unknown body: {body}$"):
            tally_object({"body": body, **members(5, 3, 3)})
    for body in PUBLIC_TALLY_BODIES:
        counts = villagers() if "villager" in body else members(3, 2)
        if body == "party_assembly":
            counts = party(3, 2)
        assert isinstance(tally(body, counts, public=True), TallyResult)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("nope", "invalid JSON: Expecting value (column 1)"),
        ('{"body": "party_assembly",', "invalid JSON: "),
        ("[1, 2]", "expected a JSON object, got an array"),
        ('"party_assembly"', "expected a JSON object, got a string"),
        ("7", "expected a JSON object, got a number"),
        ("null", "expected a JSON object, got null"),
        ("true", "expected a JSON object, got true"),
        ('{"voting_members": 10, "present": 6, "yes": 6}', "missing field: body"),
        ('{"body": 3, "members": 1, "present": 1, "yes": 1}', "body must be a string (got 3)"),
        ('{"body": null}', "body must be a string (got null)"),
        (
            '{"body": "party_assembly", "voting_members": 10, "present": 6, "yes": 1, "yes": 6}',
            "duplicate field: yes",
        ),
        ('{"body": "party_assembly", "voting_members": 10, "present": NaN, "yes": 1}', "invalid JSON: NaN is not allowed"),
        ('{"body": "party_assembly", "voting_members": Infinity, "present": 6, "yes": 1}', "invalid JSON: Infinity is not allowed"),
        ('{"body": "party_assembly", "voting_members": 1' + "0" * 5000 + ', "present": 6, "yes": 1}', "invalid JSON: a number is too long"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON: nested too deeply"),
        ('{"body": "party_assembly", "voting_members": 10, "present": 6, "yes": 6e0}', "yes must be a non-negative integer (got 6.0)"),
    ],
)  # fmt: skip
def test_bad_lines_are_refused(line, message):
    with pytest.raises(TallyError) as caught:
        parse_line(line)
    assert str(caught.value).startswith(message)


def test_messages_never_repeat_what_cannot_be_printed():
    with pytest.raises(TallyError) as caught:
        parse_line('{"body": "x\\ud800\\n"}')
    message = str(caught.value)
    message.encode("utf-8")  # a lone surrogate would not encode
    assert message == "unknown body: x\\ud800\\n"
    with pytest.raises(TallyError) as caught:
        tally("party_assembly", {**party(10, 6, 6), "长" * 500: 1})
    assert len(str(caught.value)) < 100 and str(caught.value).endswith("…")
    with pytest.raises(TallyError) as caught:
        tally("party_assembly", {**party(10, 6, 6), "yes": -(10**200)})
    assert len(str(caught.value)) < 100


def test_huge_counts_are_exact():
    big = 10**40
    assert tally("party_assembly", party(2 * big, big + 1, big + 1)).passed
    assert not tally("party_assembly", party(2 * big, big, big)).quorum
    assert tally("collective_members_assembly", members(3 * big, 2 * big, 2 * big)).passed
    assert not tally("collective_members_assembly", members(3 * big, 2 * big, 2 * big - 1)).passed


def test_parse_line_answers_a_good_line():
    line = json.dumps({"body": "villagers_meeting", **villagers(present_adults=51, yes=26)})
    result = parse_line(line)
    assert result.quorum and result.passed and result.body == "villagers_meeting"


# -- Rules: a county's override, the party review's quorum -----------------------------------


def test_a_county_overrides_a_fraction(settings):
    counts = members(20, 14, 8)  # 14 of 20 is at least two thirds, not three quarters
    assert tally("representative_meeting", counts).quorum
    settings.GRIDGOV_RULES = {
        "decisions.bodies": {
            "representative_meeting": {
                "quorum": [["members", "present", 3, 4, False]],
                "rule": "到会：组成人员四分之三以上；决定：到会人员过半数同意（本县规定）",
                "citation": "某县村民代表会议议事规则第五条",
                "version": "2026",
            }
        }
    }
    result = tally("representative_meeting", counts)
    assert (result.quorum, result.passed) == (False, False)
    assert result.citation == "某县村民代表会议议事规则第五条" and result.version == "2026"
    assert tally("representative_meeting", members(20, 15, 8)).passed
    # The other bodies keep the national rule; the override's keys replace only their own.
    assert tally("party_assembly", party(10, 6, 6)).citation == f"{BRANCH}第十一条"
    settings.GRIDGOV_RULES = {
        "decisions.bodies": {"party_assembly": {"majority": ["voting_members", 2, 3, False]}}
    }
    result = tally("party_assembly", party(9, 9, 5))
    assert (result.quorum, result.passed) == (True, False)
    assert tally("party_assembly", party(9, 9, 6)).passed


@pytest.mark.parametrize(
    "spec",
    [
        {"quorum": [["voting_members", "present", 1, 0, True]]},
        {"quorum": [["voting_members", "present", 1, 2, "yes"]]},
        {"quorum": [["voting_members", "present", True, 2, True]]},
        {"quorum": [["members", "present", 1, 2, True]]},
        {"quorum": [["voting_members", "present", 1]]},
        {"quorum": []},
        {"majority": ["present", 1, 2]},
        {"citation": 5},
    ],
)
def test_a_broken_override_is_a_rule_error(settings, spec):
    settings.GRIDGOV_RULES = {"decisions.bodies": {"party_assembly": spec}}
    with pytest.raises(RuleError, match=r"decisions\.bodies"):
        tally("party_assembly", party(10, 6, 6))


def test_the_party_review_quorum_override():
    counts = party(9, 6, 6)  # two thirds present: more than half, and at least two thirds
    plain = tally("party_assembly", counts)
    strict = tally("party_assembly", counts, quorum_override=(2, 3, False))
    assert plain.passed and strict.passed
    assert "本地规定" in strict.rule and "decisions.party_review_quorum" in strict.citation
    counts = party(9, 5, 5)  # more than half, under two thirds
    assert tally("party_assembly", counts).quorum
    result = tally("party_assembly", counts, quorum_override=(2, 3, False))
    assert (result.quorum, result.passed) == (False, False)
    # The quorum alone is replaced: yes still counts over all voting members.
    assert not tally("party_assembly", party(10, 10, 5), quorum_override=(2, 3, False)).passed
    with pytest.raises(ValueError, match="quorum_override"):
        tally("party_assembly", counts, quorum_override=(2, 0, False))


# -- Property: against a reference written from DOMAIN.md §9 with Fraction ------------------

HALF, TWO_THIRDS = Fraction(1, 2), Fraction(2, 3)


def _share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def reference(body: str, c: dict[str, int]) -> tuple[bool, bool]:
    if body == "villagers_meeting":
        quorum = (
            _share(c["present_adults"], c["adults"]) > HALF
            or _share(c["present_household_reps"], c["households"]) >= TWO_THIRDS
        )
        return quorum, quorum and _share(c["yes"], c["present"]) > HALF
    if body == "villager_group_meeting":
        quorum = (
            _share(c["present_adults"], c["adults"]) >= TWO_THIRDS
            or _share(c["present_household_reps"], c["households"]) >= TWO_THIRDS
        )
        return quorum, quorum and _share(c["yes"], c["present"]) > HALF
    if body == "representative_meeting":
        quorum = _share(c["present"], c["members"]) >= TWO_THIRDS
        return quorum, quorum and _share(c["yes"], c["present"]) > HALF
    if body == "party_assembly":
        quorum = _share(c["present"], c["voting_members"]) > HALF
        return quorum, quorum and _share(c["yes"], c["voting_members"]) > HALF
    if body in ("branch_committee", "two_committees", "group_committee"):
        quorum = _share(c["present"], c["members"]) > HALF
        return quorum, quorum and _share(c["yes"], c["members"]) > HALF
    quorum = _share(c["present"], c["members"]) >= TWO_THIRDS  # the collective assemblies
    return quorum, quorum and _share(c["yes"], c["members"]) >= TWO_THIRDS


@st.composite
def valid_counts(draw: Any) -> tuple[str, dict[str, int]]:
    body = draw(st.sampled_from(sorted(FIELDS)))
    size = st.integers(min_value=1, max_value=60)
    if "adults" in FIELDS[body]:
        adults, households = draw(size), draw(size)
        present_adults = draw(st.integers(0, adults))
        reps = draw(st.integers(0, households))
        low = max(present_adults, reps)
        if low > adults:  # more representatives than adults: not a meeting that can be
            reps = present_adults
            low = present_adults
        present = draw(st.integers(low, adults))
        counts = villagers(adults, households, present_adults, reps, present)
    else:
        roll = FIELDS[body][0]
        due = draw(size)
        present = draw(st.integers(0, due))
        counts = {roll: due, "present": present}
    counts["yes"] = draw(st.integers(0, counts["present"]))
    return body, counts


PROPERTY = settings(
    max_examples=400,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@PROPERTY
@given(valid_counts())
def test_results_match_the_fraction_reference(case):
    body, counts = case
    result = tally(body, counts)
    assert (result.quorum, result.passed) == reference(body, counts)
    assert not result.passed or result.quorum  # passed implies quorum


_VILLAGE_NAMES = ["adults", "households", "present_adults", "present_household_reps"]
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
)
NAMES = st.sampled_from([*_VILLAGE_NAMES, "members", "voting_members", "present", "yes", "other"])


@PROPERTY
@given(
    st.one_of(st.sampled_from(sorted(FIELDS)), st.text(max_size=8), JSON_VALUES),
    st.dictionaries(NAMES, JSON_VALUES, max_size=8),
)
def test_any_object_is_answered_or_refused_with_a_tally_error(body, counts):
    line = json.dumps({"body": body, **counts})
    try:
        result = parse_line(line)
    except TallyError as error:
        assert str(error)
        json.dumps({"error": str(error)}, ensure_ascii=False).encode("utf-8")
    else:
        assert (result.quorum, result.passed) == reference(result.body, counts)


# -- The command -----------------------------------------------------------------------------

LINES = [
    json.dumps({"body": "party_assembly", **party(10, 6, 6)}),
    "",
    "not json",
    json.dumps({"body": "collective_members_assembly", **members(9, 6, 5)}, ensure_ascii=False),
    "   ",
    json.dumps({"body": "party_assembly", **party(10, 6, 7)}),
    json.dumps({"body": "villagers_meeting", **villagers(present_adults=51, yes=26)}),
]
EXPECTED: list[dict[str, Any]] = [
    {"quorum": True, "passed": True},
    {"error": "invalid JSON: Expecting value (column 1)"},
    {"quorum": True, "passed": False},
    {"error": "yes (7) is above present (6)"},
    {"quorum": True, "passed": True},
]


def _check_output(out: str) -> None:
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == len(EXPECTED)
    for answer, expected in zip(answers, EXPECTED, strict=True):
        if "error" in expected:
            assert answer == expected
        else:
            assert set(answer) == {"quorum", "passed", "rule", "version", "citation"}
            assert {k: answer[k] for k in expected} == expected
    assert "村民委员会组织法（2018）第二十二条" in out  # UTF-8, not \\u escapes
    assert ", " not in out.replace("，", "")  # compact separators


def test_command_reads_stdin_and_answers_line_by_line():
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "decisions", "tally", stdin=io.StringIO("\n".join(LINES) + "\n"), stdout=out, stderr=err
        )
    assert caught.value.returncode == 1
    assert "2 of 5 lines had errors" in str(caught.value)
    _check_output(out.getvalue())


def test_command_reads_a_patched_sys_stdin(monkeypatch):
    good = [LINES[0], LINES[6]]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(good)))
    out = io.StringIO()
    call_command("decisions", "tally", stdout=out)  # no error: no exception
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [a["passed"] for a in answers] == [True, True]


def test_command_reports_an_unforeseen_fault_as_an_internal_error(monkeypatch):
    from gridgov.decisions.management.commands import decisions as command

    def broken(line: str) -> TallyResult:
        raise ZeroDivisionError("simulated")

    monkeypatch.setattr(command, "parse_line", broken)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("decisions", "tally", stdin=io.StringIO(LINES[0]), stdout=out, stderr=err)
    assert out.getvalue().strip() == '{"error":"internal error"}'
    assert "ZeroDivisionError" in err.getvalue() and "Traceback" not in err.getvalue()


def test_command_reports_a_broken_rule_per_line(settings):
    settings.GRIDGOV_RULES = {"decisions.bodies": {"party_assembly": {"quorum": "x"}}}
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("decisions", "tally", stdin=io.StringIO(LINES[0]), stdout=out)
    assert json.loads(out.getvalue())["error"].startswith("decisions.bodies")


def _gridgov() -> list[str]:
    script = Path(sys.executable).with_name("gridgov")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gridgov"]


def _run(tmp_path: Path, stdin: bytes, **env: str) -> subprocess.CompletedProcess[bytes]:
    """The console script, on a database that does not exist: tallying must not touch it."""
    environment = {k: v for k, v in os.environ.items() if k != "GRIDGOV_RULES"}
    environment.update(env)
    environment["GRIDGOV_DATABASE_URL"] = f"sqlite:///{tmp_path / 'none' / 'db.sqlite3'}"
    return subprocess.run(
        [*_gridgov(), "decisions", "tally"],
        input=stdin,
        capture_output=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_console_script_end_to_end(tmp_path):
    lines = [*LINES, "\xff\xfe not utf-8"]
    raw = b"\n".join(
        line.encode("latin-1") if line.startswith("\xff") else line.encode("utf-8")
        for line in lines
    )
    done = _run(tmp_path, raw + b"\n")
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "3 of 6 lines had errors" in stderr
    out = done.stdout.decode("utf-8")
    *answers, last = out.splitlines()
    _check_output("\n".join(answers))
    assert json.loads(last) == {"error": "line is not valid UTF-8"}
    assert not (tmp_path / "none").exists()


def test_console_script_all_good_exits_zero_and_reads_the_county_rules(tmp_path):
    line = json.dumps({"body": "party_assembly", **party(9, 5, 5)}).encode()
    done = _run(tmp_path, line + b"\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["quorum"] is True
    override = {
        "decisions.bodies": {
            "party_assembly": {"quorum": [["voting_members", "present", 2, 3, False]]}
        }
    }
    done = _run(tmp_path, line, GRIDGOV_RULES=json.dumps(override))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["quorum"] is False
    done = _run(tmp_path, b"")
    assert (done.returncode, done.stdout) == (0, b"")
    assert b"Traceback" not in done.stderr


# -- The API ---------------------------------------------------------------------------------

URL = f"{BASE}/decisions/tally"


@pytest.fixture
def caller(db, tree, make_user, api_as):
    return api_as(make_user(Role.GRID_WORKER, tree.microgrid))


def _post(api: Any, raw: str) -> Any:
    return api.client.post(
        URL, raw, content_type="application/json", headers={"Authorization": f"Bearer {api.token}"}
    )


def test_api_answers_the_five_keys(caller):
    response = caller.post("/decisions/tally", {"body": "party_assembly", **party(10, 6, 6)})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "quorum": True,
        "passed": True,
        "rule": BODIES.default["party_assembly"]["rule"],
        "version": "2018",
        "citation": f"{BRANCH}第十一条",
    }
    body = {"body": "collective_members_assembly", **members(10, 7, 6)}
    assert caller.post("/decisions/tally", body).json()["passed"] is False


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (json.dumps({"body": "party_assembly", **party(10, 6, 7)}), "yes (7) is above present (6)"),
        (json.dumps({"body": "party_assembly", "voting_members": 10, "present": 6}), "missing field: yes"),
        (json.dumps({"body": "party_assembly", **party(10, 6, 6), "yes": True}), "yes must be a non-negative integer (got true)"),
        (json.dumps({"body": "two_committees", **members(5, 3, 3)}), "unknown body: two_committees"),
        (json.dumps([{"body": "party_assembly", **party(10, 6, 6)}]), "expected a JSON object, got an array"),
        ('{"body": "party_assembly", "voting_members": 10, "present": 6, "yes": 1, "yes": 6}', "duplicate field: yes"),
        ("{", "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
        ("", "empty request body: expected a JSON object"),
    ],
)  # fmt: skip
def test_api_refuses_bad_counts_with_400(caller, raw, error):
    response = _post(caller, raw)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == error
    assert body["detail"] == f"计票数据有误：{error}"


def test_api_refuses_a_body_that_is_not_utf8(caller):
    response = caller.client.post(
        URL,
        b'{"body": "\xff"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {caller.token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "request body is not valid UTF-8"


def test_api_needs_a_signed_in_user(db):
    body = json.dumps({"body": "party_assembly", **party(10, 6, 6)})
    response = Client().post(URL, body, content_type="application/json")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_api_applies_the_county_rules(caller, settings):
    settings.GRIDGOV_RULES = {
        "decisions.bodies": {
            "party_assembly": {"quorum": [["voting_members", "present", 2, 3, False]]}
        }
    }
    response = caller.post("/decisions/tally", {"body": "party_assembly", **party(9, 5, 5)})
    assert response.status_code == 200
    assert response.json()["quorum"] is False
