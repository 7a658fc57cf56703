"""Creating a person or household tells nobody whether a citizen ID or number exists outside
their scope (core.oracle): the duplicate is refused with the neutral words, the same whoever
and wherever the holder is; a duplicate the user can see gets the helpful message."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.accounts.roles import Role
from gridgov.conftest import new_citizen_id
from gridgov.core.context import Source, actor_context
from gridgov.core.models import AuditEntry
from gridgov.core.oracle import NOT_HERE
from gridgov.people import services
from gridgov.people.models import Person
from gridgov.people.services import household_create, person_create, person_update


@pytest.fixture
def two_villages(tree, make_household, make_person, make_user):
    """A household in each village, a registered person in the other village (B), and a
    village cadre of A."""
    mine = make_household()
    theirs = make_household(tree.other_microgrid)
    number = new_citizen_id()
    outsider = make_person(theirs, name="赵秘密", citizen_id=number)
    cadre = make_user(Role.VILLAGE_CADRE, tree.village)
    return mine, theirs, outsider, number, cadre


def refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def leaks(text: str, tree, theirs, outsider) -> list[str]:
    """Whatever of village B's shows in ``text``."""
    marks = [
        tree.other_village.code,
        tree.other_village.name,
        tree.other_microgrid.code,
        tree.other_microgrid.name,
        theirs.number,
        outsider.name,
        outsider.id_masked,
    ]
    return [m for m in marks if m in text]


def test_an_id_registered_in_another_village_gets_the_neutral_words(tree, two_villages):
    mine, theirs, outsider, number, cadre = two_villages
    before = AuditEntry.objects.count()
    errors = refusal(
        lambda: person_create(household=mine, name="张三", citizen_id=number, by=cadre)
    )
    assert errors == {"citizen_id": [str(NOT_HERE)]}
    assert not leaks(str(errors), tree, theirs, outsider)
    # Whom to ask, and nothing that says where.
    assert "镇（街道）或县级管理员" in str(NOT_HERE) and "已登记" not in str(NOT_HERE)
    assert AuditEntry.objects.count() == before
    assert Person.objects.get(pk=outsider.pk).household_id == theirs.pk


def test_the_actor_of_the_request_is_the_user_when_none_is_given(two_villages):
    mine, _theirs, _outsider, number, cadre = two_villages
    with actor_context(user=cadre, source=Source.WEB):
        errors = refusal(
            lambda: person_create(household=mine, name="张三", citizen_id=number, by=cadre)
        )
    assert errors == {"citizen_id": [str(NOT_HERE)]}


def test_a_duplicate_in_scope_names_its_household(two_villages, make_person):
    mine, _theirs, _outsider, _number, cadre = two_villages
    number = new_citizen_id()
    make_person(mine, name="陈大明", citizen_id=number)
    errors = refusal(
        lambda: person_create(household=mine, name="张三", citizen_id=number, by=cadre)
    )
    assert errors == {"citizen_id": [f"此身份证号已登记：户{mine.number}的陈大明"]}


def test_a_town_cadre_sees_both_villages_and_is_told(tree, two_villages, make_user):
    mine, theirs, _outsider, number, _cadre = two_villages
    town = make_user(Role.TOWN_CADRE, tree.town)
    errors = refusal(lambda: person_create(household=mine, name="张三", citizen_id=number, by=town))
    assert errors == {"citizen_id": [f"此身份证号已登记：户{theirs.number}的赵秘密"]}


def test_changing_an_id_to_one_registered_elsewhere_is_refused_alike(
    tree, two_villages, make_person
):
    mine, theirs, outsider, number, cadre = two_villages
    me = make_person(mine, name="张三")
    errors = refusal(lambda: person_update(person=me, data={}, citizen_id=number, by=cadre))
    assert errors == {"citizen_id": [str(NOT_HERE)]}
    assert not leaks(str(errors), tree, theirs, outsider)


def test_other_errors_come_first_and_do_not_depend_on_the_id(two_villages):
    """With another error in the request, the answer is the same for a taken ID and a free one:
    otherwise a deliberately bad name would turn the form into an oracle."""
    mine, _theirs, _outsider, number, cadre = two_villages
    too_long = "名" * 51
    taken = refusal(
        lambda: person_create(household=mine, name=too_long, citizen_id=number, by=cadre)
    )
    free = refusal(
        lambda: person_create(household=mine, name=too_long, citizen_id=new_citizen_id(), by=cadre)
    )
    assert taken == free and "citizen_id" not in taken and "name" in taken


def test_a_household_number_taken_elsewhere_gets_the_same_words(tree, two_villages, make_user):
    mine, theirs, _outsider, _number, cadre = two_villages
    errors = refusal(
        lambda: household_create(number=theirs.number, microgrid=tree.microgrid, by=cadre)
    )
    assert errors == {"number": [str(NOT_HERE)]}
    seen = refusal(lambda: household_create(number=mine.number, microgrid=tree.microgrid, by=cadre))
    assert seen == {"number": [f"户编号{mine.number}已登记"]}


def test_seen_and_unseen_duplicates_take_the_same_queries(two_villages, make_person):
    """No extra query (so no timing difference) on the path that refuses neutrally."""
    mine, _theirs, _outsider, number, cadre = two_villages
    visible = new_citizen_id()
    make_person(mine, name="陈大明", citizen_id=visible)

    def queries(citizen_id: str) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            refusal(
                lambda: person_create(household=mine, name="张三", citizen_id=citizen_id, by=cadre)
            )
        return [re.sub(r'"s\w+"', "S", q["sql"].split(" WHERE ")[0]) for q in ctx.captured_queries]

    queries(visible)  # the user's assignments are read once and kept on the user
    assert queries(number) == queries(visible)


def test_a_race_on_the_unique_key_is_refused_neutrally(two_villages, monkeypatch):
    """Two creates at once: the database's unique index refuses the second, with the same
    words (it cannot tell whether the other writer's row is visible to this user)."""
    mine, _theirs, _outsider, number, cadre = two_villages
    monkeypatch.setattr(services, "_citizen_id_free", lambda *a, **k: None)
    errors = refusal(
        lambda: person_create(household=mine, name="张三", citizen_id=number, by=cadre)
    )
    assert errors == {"citizen_id": [str(NOT_HERE)]}
