"""Changes to households and persons. Every one is atomic and audited.

Counters of households, persons and party members live on micro-grids (GridNode) and are kept in
step here; imports recompute them set-based with ``grid_counts_refresh``.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.rules import REVEAL_REASON_MIN_CHARS
from gridgov.accounts.scope import user_may
from gridgov.core.audit import audit_record, snapshot
from gridgov.core.crypto import (
    decrypt,
    encrypt,
    lookup_hash,
    lookup_hashes,
    mask_citizen_id,
    mask_phone,
)
from gridgov.core.identity import IdentifierError, parse_citizen_id, validate_phone
from gridgov.core.oracle import NOT_HERE, acting_user, may_see_path, refuse_taken
from gridgov.core.rules import rule_value
from gridgov.core.scoping import PATH_END
from gridgov.core.services import acting_as, acting_user_check, object_update
from gridgov.grid.models import GridLevel, GridNode

from .models import Household, HouseholdMove, Person, PersonMove, PersonSensitive, Relation

HOUSEHOLD_EDITABLE = {
    "address",
    "lat",
    "lng",
    "is_dibao",
    "is_tekun",
    "is_tuopin",
    "monitoring_type",
    "is_military_family",
}
PERSON_EDITABLE = {"name", "relation", "residence_type", "left_behind", "lives_alone"}

# Called after ``household_update`` changed a household, as ``hook(household=, before=, by=)``
# with ``before`` the changed fields' old values, in the same transaction. Apps above people
# register here (``links``: a household newly 低保 or under monitoring calls for a visit).
HOUSEHOLD_CHANGE_HOOKS: list[Callable[..., None]] = []


def _bump(node_id: int, **deltas: int) -> None:
    GridNode.objects.filter(pk=node_id).update(
        **{f"{field}_count": F(f"{field}_count") + delta for field, delta in deltas.items()}
    )


def _require_microgrid(node: GridNode) -> None:
    if node.level != GridLevel.MICROGRID:
        raise ValidationError({"microgrid": _("户只能落在微网格上：%(n)s不是微网格") % {"n": node}})


@transaction.atomic
def household_create(
    *, number: str, microgrid: GridNode, address: str = "", by: Any, **fields: Any
) -> Household:
    """A new household. A number already registered is refused in words that depend on whether
    ``by`` (the acting user; None: the server itself) can see that household (``core.oracle``)."""
    acting_user_check(by)
    with acting_as(by):
        _require_microgrid(microgrid)
        unknown = set(fields) - HOUSEHOLD_EDITABLE
        if unknown:
            raise ValidationError({f: _("未知字段") for f in unknown})
        number = number.strip()
        household = Household(
            number=number,
            microgrid=microgrid,
            grid_path=microgrid.code,
            address=address.strip(),
            **fields,
        )
        # Every other check first: a refusal for another reason must not depend on the number.
        household.full_clean(validate_unique=False, validate_constraints=False)
        holder = Household.objects.filter(number=number).values_list("grid_path", flat=True).first()
        if holder is not None:
            refuse_taken(
                field="number",
                visible=may_see_path(acting_user(by), holder),
                seen=_("户编号%(n)s已登记") % {"n": number},
            )
        _save_new(household, "number")
        _bump(microgrid.pk, households=1)
        audit_record(action="create", instance=household, after=snapshot(household))
        return household


@transaction.atomic
def household_update(*, household: Household, data: dict[str, Any], by: Any) -> Household:
    """Edit plain fields; ``head`` (a member, or None) goes through ``household_head_set``."""
    acting_user_check(by)
    with acting_as(by):
        unknown = set(data) - HOUSEHOLD_EDITABLE - {"head"}
        if unknown:
            raise ValidationError({f: _("不能在此修改") for f in unknown})
        data = dict(data)
        if "head" in data:
            household_head_set(household=household, person=data.pop("head"), by=by)
        before = {field: getattr(household, field) for field in data}
        household = object_update(instance=household, data=data)
        changed = {f: v for f, v in before.items() if getattr(household, f) != v}
        if changed:
            for hook in HOUSEHOLD_CHANGE_HOOKS:
                hook(household=household, before=changed, by=by)
        return household


@transaction.atomic
def household_head_set(*, household: Household, person: Person | None, by: Any) -> Household:
    """Make ``person`` (a member) the head of household (户主), or leave it without one.

    The head is the member whose relation is 户主 (``Household.head``), so this changes
    relations: the new head's becomes 户主 and a previous head's 其他 (the cadre then sets what
    it really is). Each change is audited as an update of that person.
    """
    acting_user_check(by)
    with acting_as(by):
        if person is not None and person.household_id != household.pk:
            raise ValidationError({"head": _("户主必须是本户成员")})
        for old in Person.objects.select_for_update().filter(
            household=household, relation=Relation.HEAD
        ):
            if person is None or old.pk != person.pk:
                object_update(instance=old, data={"relation": Relation.OTHER})
        if person is not None and person.relation != Relation.HEAD:
            object_update(instance=person, data={"relation": Relation.HEAD})
        household.__dict__.pop("head", None)  # the cached head is stale now
        return household


def _save_new(instance: Any, field: str) -> None:
    """Insert; a unique key taken meanwhile by a concurrent writer gets the neutral refusal
    (whoever took it, it is not known to be visible to this user)."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError({field: NOT_HERE}) from None


def _citizen_id_free(citizen_id: str, *, user: Any, person: Person | None = None) -> None:
    """Refuse a citizen ID that someone else holds: the holder's household is named only to a
    user who can see the holder; anyone else gets the neutral ``NOT_HERE``."""
    holders = registered(citizen_id)
    if person is not None and person.pk:
        holders = holders.exclude(pk=person.pk)
    holder = holders.values_list("grid_path", "name", "household__number").first()
    if holder is not None:
        path, name, household = holder
        refuse_taken(
            field="citizen_id",
            visible=may_see_path(acting_user(user), path),
            seen=_("此身份证号已登记：户%(h)s的%(n)s") % {"h": household, "n": name},
        )


def _require_single_head(household: Household, person: Person | None = None) -> None:
    """A household has one head: a second member with relation 户主 is refused."""
    others = Person.objects.filter(household=household, relation=Relation.HEAD)
    if person is not None and person.pk:
        others = others.exclude(pk=person.pk)
    head = others.only("name").first()
    if head is not None:
        raise ValidationError(
            {"relation": _("本户已有户主%(n)s：一户只能有一个户主") % {"n": head.name}}
        )


@transaction.atomic
def household_move(
    *, household: Household, to_microgrid: GridNode, reason: str = "", by: Any
) -> Household:
    """Move a household (and its members) to another micro-grid, keeping the history."""
    acting_user_check(by)
    with acting_as(by):
        _require_microgrid(to_microgrid)
        household = Household.objects.select_for_update().get(pk=household.pk)
        if household.microgrid_id == to_microgrid.pk:
            return household
        source = household.microgrid
        members = Person.objects.filter(household=household)
        persons = members.count()
        party = members.filter(is_party_member=True).count()
        HouseholdMove.objects.create(
            household=household,
            from_microgrid=source,
            to_microgrid=to_microgrid,
            grid_path=to_microgrid.code,
            moved_at=timezone.now(),
            reason=reason,
        )
        household.microgrid = to_microgrid
        household.grid_path = to_microgrid.code
        household.save(update_fields=["microgrid", "grid_path", "updated_at"])
        members.update(grid_path=to_microgrid.code)
        PersonSensitive.objects.filter(person__household=household).update(
            grid_path=to_microgrid.code
        )
        _bump(source.pk, households=-1, persons=-persons, party_members=-party)
        _bump(to_microgrid.pk, households=1, persons=persons, party_members=party)
        audit_record(
            action="move",
            instance=household,
            before={"microgrid": source.code},
            after={"microgrid": to_microgrid.code, "reason": reason},
        )
        return household


def citizen_id_fields(raw: str, *, sex: str | None = None, birth_date: dt.date | None = None):
    """Validate an ID, cross-check a given sex and birth date, and return the stored fields
    (``registered`` finds who holds the number already)."""
    try:
        cid = parse_citizen_id(raw)
    except IdentifierError as exc:
        raise ValidationError({"citizen_id": str(exc)}) from None
    if sex and sex != cid.sex:
        raise ValidationError(
            {"sex": _("性别与身份证号不符：身份证号第17位表示%(s)s") % {"s": _sex_label(cid.sex)}}
        )
    if birth_date and birth_date != cid.birth_date:
        raise ValidationError(
            {"birth_date": _("出生日期与身份证号不符：应为%(d)s") % {"d": cid.birth_date}}
        )
    return {
        "id_cipher": encrypt(cid.number),
        "id_hash": lookup_hash(cid.number),
        "id_masked": mask_citizen_id(cid.number),
        "sex": cid.sex,
        "birth_date": cid.birth_date,
    }


def registered(citizen_id: str):
    """Persons holding this (valid) citizen ID, whether their row is under the current data key
    or one being rotated away from."""
    return Person.objects.filter(id_hash__in=lookup_hashes(parse_citizen_id(citizen_id).number))


def _sex_label(code: str) -> str:
    return _("男") if code == "M" else _("女")


def phone_fields(raw: str) -> dict[str, Any]:
    if not raw or not raw.strip():
        return {"phone_cipher": None, "phone_hash": "", "phone_masked": ""}
    try:
        number = validate_phone(raw)
    except IdentifierError as exc:
        raise ValidationError({"phone": str(exc)}) from None
    return {
        "phone_cipher": encrypt(number),
        "phone_hash": lookup_hash(number),
        "phone_masked": mask_phone(number),
    }


@transaction.atomic
def person_create(
    *,
    household: Household,
    name: str,
    citizen_id: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    relation: str = Relation.OTHER,
    by: Any,
    **fields: Any,
) -> Person:
    """A new person. A citizen ID already registered is refused in words that depend on whether
    ``by`` (the acting user; None: the server itself) can see its holder (``core.oracle``)."""
    acting_user_check(by)
    with acting_as(by):
        unknown = set(fields) - PERSON_EDITABLE
        if unknown:
            raise ValidationError({f: _("未知字段") for f in unknown})
        id_fields = citizen_id_fields(citizen_id, sex=sex, birth_date=birth_date)
        person = Person(
            household=household,
            grid_path=household.grid_path,
            name=name.strip(),
            relation=relation,
            **id_fields,
            **phone_fields(phone),
            **fields,
        )
        if relation == Relation.HEAD:
            _require_single_head(household)
        # Every other check first: a refusal for another reason must not depend on the ID.
        person.full_clean(
            exclude=["id_cipher", "phone_cipher"], validate_unique=False, validate_constraints=False
        )
        _citizen_id_free(citizen_id, user=by)
        _save_new(person, "citizen_id")
        household.__dict__.pop("head", None)
        _bump(household.microgrid_id, persons=1)
        audit_record(action="create", instance=person, after=snapshot(person))
        return person


@transaction.atomic
def person_update(
    *,
    person: Person,
    data: dict[str, Any],
    citizen_id: str | None = None,
    phone: str | None = None,
    by: Any,
) -> Person:
    acting_user_check(by)
    with acting_as(by):
        unknown = set(data) - PERSON_EDITABLE
        if unknown:
            raise ValidationError({f: _("不能在此修改") for f in unknown})
        data = dict(data)
        if citizen_id is not None:
            data.update(citizen_id_fields(citizen_id))
        if phone is not None:
            data.update(phone_fields(phone))
        if data.get("relation") == Relation.HEAD and person.relation != Relation.HEAD:
            _require_single_head(person.household, person)
        if citizen_id is not None:
            # Every other check first, on a copy: a refusal for another reason must not depend on
            # whether the ID is taken.
            probe = copy.copy(person)
            for name, value in data.items():
                setattr(probe, name, value)
            probe.full_clean(
                exclude=["id_cipher", "phone_cipher"],
                validate_unique=False,
                validate_constraints=False,
            )
            _citizen_id_free(citizen_id, user=by, person=person)
        try:
            with transaction.atomic():
                return object_update(instance=person, data=data)
        except IntegrityError:
            raise ValidationError({"citizen_id": NOT_HERE}) from None


@transaction.atomic
def person_move(*, person: Person, to_household: Household, reason: str = "", by: Any) -> Person:
    """Move a person to another household, keeping the history."""
    acting_user_check(by)
    with acting_as(by):
        person = Person.objects.select_for_update().get(pk=person.pk)
        source = person.household
        if source.pk == to_household.pk:
            return person
        PersonMove.objects.create(
            person=person,
            from_household=source,
            to_household=to_household,
            grid_path=to_household.grid_path,
            moved_at=timezone.now(),
            reason=reason,
        )
        person.household = to_household
        person.grid_path = to_household.grid_path
        if (
            person.relation == Relation.HEAD
            and Person.objects.filter(household=to_household, relation=Relation.HEAD).exists()
        ):
            person.relation = Relation.OTHER  # the household keeps its head
        person.save(update_fields=["household", "grid_path", "relation", "updated_at"])
        PersonSensitive.objects.filter(person=person).update(grid_path=to_household.grid_path)
        party = 1 if person.is_party_member else 0
        if source.microgrid_id != to_household.microgrid_id:
            _bump(source.microgrid_id, persons=-1, party_members=-party)
            _bump(to_household.microgrid_id, persons=1, party_members=party)
        audit_record(
            action="move",
            instance=person,
            before={"household": source.number},
            after={"household": to_household.number, "reason": reason},
        )
        return person


@transaction.atomic
def person_sensitive_set(
    *, person: Person, data: dict[str, Any], by: Any
) -> PersonSensitive | None:
    """Set sensitive fields; an empty record is removed so that only real tags are stored."""
    acting_user_check(by)
    with acting_as(by):
        record = PersonSensitive.objects.filter(person=person).first()
        before = snapshot(record) if record else None
        if record is None:
            record = PersonSensitive(person=person, grid_path=person.grid_path)
        for name, value in data.items():
            setattr(record, name, value)
        record.full_clean(exclude=["person"])
        if record.is_empty():
            if record.pk and PersonSensitive.objects.filter(pk=record.pk).exists():
                record.delete()
                audit_record(
                    action="delete",
                    object_type="people.personsensitive",
                    object_id=str(person.pk),
                    grid_path=person.grid_path,
                    before=before,
                )
            return None
        record.save()
        # Values stay out of the log: only which fields changed is recorded.
        audit_record(action="update", instance=record, after={"fields": sorted(data)})
        return record


def person_sensitive_view(*, user: Any, person: Person) -> PersonSensitive | None:
    """A person's sensitive record (敏感信息) as ``user`` may see it; each look is audited.

    The one read path of the page and the API (PIPL Art. 28). A user without "view_sensitive"
    on the person gets None and no entry. Otherwise the look is logged against the person
    (``people.person``, so it shows in the person's own audit history) whether or not a record
    exists: that nothing is recorded about someone is itself something that user learned.
    Values stay out of the log.
    """
    if not user_may(user, "view_sensitive", person.grid_path):
        return None
    record = PersonSensitive.objects.restrict(user, "view_sensitive").filter(person=person).first()
    audit_record(
        action="view_sensitive",
        object_type="people.person",
        object_id=str(person.pk),
        object_repr=person.name,
        grid_path=person.grid_path,
        after={"has_record": record is not None},
    )
    return record


def grid_counts_refresh(*, under: str = "") -> None:
    """Recompute the household, person and party-member counters of micro-grids under a path."""
    node = GridNode._meta.db_table
    hh = Household._meta.db_table
    pp = Person._meta.db_table
    t = connection.ops.quote_name
    sql = f"""
        UPDATE {t(node)} SET
          households_count = (SELECT COUNT(*) FROM {t(hh)} h WHERE h.microgrid_id = {t(node)}.id),
          persons_count = (SELECT COUNT(*) FROM {t(pp)} p WHERE p.grid_path = {t(node)}.code),
          party_members_count = (SELECT COUNT(*) FROM {t(pp)} p
                                 WHERE p.grid_path = {t(node)}.code AND p.is_party_member)
        WHERE level = %s AND code >= %s AND code < %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [GridLevel.MICROGRID, under, under + PATH_END])


REVEALABLE = {"citizen_id": "id_cipher", "phone": "phone_cipher"}


@transaction.atomic
def person_reveal(*, user: Any, person: Person, field: str, reason: str) -> str:
    """The full citizen ID or phone number, for a user who may reveal it at the person's place.

    An explicit act with a reason, audited (who, whose, which field, why; never the value),
    as PIPL Art. 51 asks of access to personal information. A user who may not reveal it gets
    ``Person.DoesNotExist``, as if the person were not there (the pages answer 404).
    """
    if field not in REVEALABLE:
        raise ValidationError({"field": _("只能查看身份证号或电话")})
    reason = " ".join((reason or "").split())
    if len(reason) < rule_value(REVEAL_REASON_MIN_CHARS):
        raise ValidationError(
            {
                "reason": _("请写明查看事由（至少%(n)d个字）")
                % {"n": rule_value(REVEAL_REASON_MIN_CHARS)}
            }
        )
    if not Person.objects.restrict(user, "reveal").filter(pk=person.pk).exists():
        raise Person.DoesNotExist
    blob = Person.objects.filter(pk=person.pk).values_list(REVEALABLE[field], flat=True).get()
    value = decrypt(blob) if blob else ""
    audit_record(
        action="reveal",
        object_type="people.person",
        object_id=str(person.pk),
        object_repr=person.name,
        grid_path=person.grid_path,
        after={"field": field, "reason": reason[:200]},
    )
    return value
