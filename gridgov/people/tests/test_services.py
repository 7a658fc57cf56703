import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridgov.conftest import new_citizen_id
from gridgov.core.audit import audit_verify
from gridgov.core.crypto import lookup_hash
from gridgov.core.models import AuditEntry
from gridgov.grid.models import GridNode
from gridgov.people.models import Household, HouseholdMove, Person, PersonMove, Relation
from gridgov.people.services import (
    grid_counts_refresh,
    household_head_set,
    household_move,
    household_update,
    person_create,
    person_move,
    person_sensitive_set,
    person_update,
)


def counts(node):
    node = GridNode.objects.get(pk=node.pk)
    return node.households_count, node.persons_count, node.party_members_count


def test_person_create_derives_encrypts_masks_and_audits(make_household):
    hh = make_household()
    number = new_citizen_id(sex="F", birth=dt.date(1992, 3, 4))
    person = person_create(
        household=hh,
        name="李四",
        citizen_id=number,
        phone="13812345678",
        relation=Relation.HEAD,
        by=None,
    )
    person.refresh_from_db()
    hh.refresh_from_db()
    assert person.sex == "F" and person.birth_date.year == 1992
    assert person.id_masked == number[:6] + "********" + number[-4:]
    assert person.phone_masked == "138****5678"
    assert person.reveal_citizen_id() == number and person.reveal_phone() == "13812345678"
    assert Person.objects.get(id_hash=lookup_hash(number)) == person
    assert hh.head == person
    entry = AuditEntry.objects.filter(object_type="people.person").get()
    assert number not in str(entry.after) and entry.after["id_masked"] == person.id_masked
    assert audit_verify().ok


def test_sex_contradicting_id_and_duplicate_id_are_refused(make_household):
    hh = make_household()
    number = new_citizen_id(sex="M")
    with pytest.raises(ValidationError, match="性别与身份证号不符"):
        person_create(household=hh, name="王五", citizen_id=number, sex="F", by=None)
    person_create(household=hh, name="王五", citizen_id=number, sex="M", by=None)
    # No actor: the system sees every holder, so it is told where the number is registered.
    with pytest.raises(ValidationError, match=f"此身份证号已登记：户{hh.number}的王五"):
        person_create(household=hh, name="王五", citizen_id=number.lower(), by=None)


def test_counters_follow_creates_and_moves(tree, make_household, make_person):
    hh = make_household()
    make_person(hh, relation=Relation.HEAD)
    make_person(hh)
    assert counts(tree.microgrid) == (1, 2, 0)
    household_move(household=hh, to_microgrid=tree.other_microgrid, reason="搬迁", by=None)
    assert counts(tree.microgrid) == (0, 0, 0)
    assert counts(tree.other_microgrid) == (1, 2, 0)
    assert set(Person.objects.values_list("grid_path", flat=True)) == {tree.other_microgrid.code}
    move = HouseholdMove.objects.get()
    assert (move.from_microgrid, move.to_microgrid) == (tree.microgrid, tree.other_microgrid)
    GridNode.objects.update(households_count=0, persons_count=0)
    grid_counts_refresh(under=tree.county.code)
    assert counts(tree.other_microgrid) == (1, 2, 0)


def test_person_move_keeps_history_and_clears_head(tree, make_household, make_person):
    a, b = make_household(), make_household(tree.other_microgrid)
    person = make_person(a, relation=Relation.HEAD)
    person_move(person=person, to_household=b, reason="婚嫁", by=None)
    a.refresh_from_db()
    person.refresh_from_db()
    assert a.head is None and person.household == b and person.grid_path == b.grid_path
    assert PersonMove.objects.get().from_household == a
    assert counts(tree.microgrid)[1] == 0 and counts(tree.other_microgrid)[1] == 1


def test_a_household_has_one_head(make_household, make_person):
    hh = make_household()
    head = make_person(hh, relation=Relation.HEAD, name="户主")
    spouse = make_person(hh, relation=Relation.SPOUSE)
    with pytest.raises(ValidationError) as exc:
        make_person(hh, relation=Relation.HEAD)
    assert exc.value.message_dict == {"relation": ["本户已有户主户主：一户只能有一个户主"]}
    with pytest.raises(ValidationError):
        person_update(person=spouse, data={"relation": Relation.HEAD}, by=None)
    person_update(
        person=head, data={"relation": Relation.HEAD, "name": "户主"}, by=None
    )  # stays head
    assert Person.objects.filter(household=hh, relation=Relation.HEAD).get() == head


def test_setting_the_head_changes_relations_and_is_audited(make_household, make_person):
    hh = make_household()
    old = make_person(hh, relation=Relation.HEAD)
    new = make_person(hh, relation=Relation.CHILD)
    assert hh.head == old
    household_head_set(household=hh, person=new, by=None)
    assert hh.head == new
    old.refresh_from_db()
    assert old.relation == Relation.OTHER
    changes = AuditEntry.objects.filter(object_type="people.person", action="update")
    assert sorted(e.after["relation"] for e in changes) == ["head", "other"]
    household_update(household=hh, data={"head": None, "is_dibao": True}, by=None)
    hh = Household.objects.with_head().get(pk=hh.pk)
    assert hh.head is None and hh.is_dibao
    stranger = make_person(make_household())
    with pytest.raises(ValidationError):
        household_head_set(household=hh, person=stranger, by=None)
    assert audit_verify().ok


def test_head_is_annotated_for_lists(make_household, make_person, django_assert_num_queries):
    a, b = make_household(), make_household()
    head = make_person(a, relation=Relation.HEAD, name="甲")
    make_person(a, relation=Relation.SPOUSE)
    make_person(b, relation=Relation.CHILD)
    with django_assert_num_queries(1):
        rows = {h.pk: h.head for h in Household.objects.with_head()}
    assert rows[a.pk].pk == head.pk and rows[a.pk].name == "甲" and rows[b.pk] is None


def test_household_must_sit_on_a_microgrid(tree, make_household):
    with pytest.raises(ValidationError, match="微网格"):
        make_household(microgrid=tree.village)


def test_sensitive_data_is_kept_apart_and_values_stay_out_of_the_log(make_person):
    person = make_person()
    record = person_sensitive_set(
        person=person, data={"disability_category": "4", "disability_grade": 2}, by=None
    )
    assert record.grid_path == person.grid_path
    entry = AuditEntry.objects.filter(object_type="people.personsensitive").get()
    assert entry.after == {"fields": ["disability_category", "disability_grade"]}
    assert (
        person_sensitive_set(
            person=person, data={"disability_category": "", "disability_grade": None}, by=None
        )
        is None
    )
