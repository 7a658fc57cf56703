"""Citizen IDs typed with a Chinese input method (full-width digits and Ｘ, ideographic spaces)
are read as the same ID, in every channel (all parse through ``core.identity``)."""

from __future__ import annotations

import pytest

from gridgov.conftest import new_citizen_id
from gridgov.core.identity import IdentifierError, normalize_citizen_id, parse_citizen_id
from gridgov.people.models import Person
from gridgov.people.services import person_create

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_full_width_digits_and_spaces_are_normalized():
    number = new_citizen_id()
    typed = " " + number[:6] + "\u3000" + number[6:14] + " " + number[14:] + "\t"
    assert normalize_citizen_id(typed.translate(FULL_WIDTH)) == number
    assert parse_citizen_id(typed.translate(FULL_WIDTH)).number == number


def test_a_full_width_or_lower_x_check_character_is_read_as_x():
    number = "11010519491231002X"  # the GB 11643 example, check character X
    assert parse_citizen_id(number.translate(FULL_WIDTH)).number == number
    assert parse_citizen_id(number.lower().replace("x", "ｘ")).number == number


@pytest.mark.parametrize("digits", ["٤٤٠٦٠٥", "४४०६०५"])  # Arabic-Indic, Devanagari
def test_other_scripts_digits_are_refused(digits):
    number = new_citizen_id()
    with pytest.raises(IdentifierError):
        parse_citizen_id(digits + number[6:])


@pytest.mark.django_db
def test_a_person_created_with_a_full_width_id_stores_the_ascii_one(make_household):
    number = new_citizen_id()
    person = person_create(
        household=make_household(), name="张三", citizen_id=number.translate(FULL_WIDTH), by=None
    )
    assert Person.objects.get(pk=person.pk).id_masked == number[:6] + "********" + number[14:]
    with pytest.raises(Exception, match="citizen_id"):  # the same ID again: refused as taken
        person_create(household=make_household(), name="李四", citizen_id=number, by=None)
