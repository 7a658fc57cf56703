"""Matter numbers: unique, the day and a serial of the row id's width, and no count in them."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridgov.cases.numbering import matter_serial, permute

KEY = b"k" * 32


@settings(max_examples=50, deadline=None)
@given(size=st.integers(1, 2000), key=st.binary(min_size=16, max_size=32))
def test_permute_is_a_permutation_of_any_range(size, key):
    assert sorted(permute(i, size, key=key) for i in range(size)) == list(range(size))


def test_permute_refuses_an_index_outside_its_range():
    for index in (-1, 10):
        with pytest.raises(ValueError):
            permute(index, 10, key=KEY)


def test_serials_are_unique_across_widths_and_as_wide_as_the_id():
    ids = [*range(1, 5001), *range(999_000, 1_001_000), 9_999_999, 10_000_000]
    serials = [matter_serial(i, secret="s") for i in ids]
    assert len(set(serials)) == len(ids)
    assert {len(s) for s in serials[:5000]} == {6}
    assert len(matter_serial(999_999, secret="s")) == 6
    assert len(matter_serial(1_000_000, secret="s")) == 7
    assert len(matter_serial(10_000_000, secret="s")) == 8


def test_consecutive_matters_do_not_have_consecutive_serials():
    """The gap between two numbers says nothing of how many matters came between them."""
    serials = [int(matter_serial(i, secret="s")) for i in range(1, 201)]
    steps = [b - a for a, b in itertools.pairwise(serials)]
    assert sum(1 for step in steps if step == 1) <= 2
    assert sorted(serials) != serials


def test_the_serial_depends_on_the_secret_key():
    assert [matter_serial(i, secret="a") for i in range(1, 50)] != [
        matter_serial(i, secret="b") for i in range(1, 50)
    ]
    assert matter_serial(7, secret="a") == matter_serial(7, secret="a")
