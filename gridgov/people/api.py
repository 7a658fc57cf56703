"""Households (/households/{number}) and persons (/persons/{id}).

Reads need "view" on the row's grid path; writes need "change" there (checked on the stored
result, in the service's transaction). Persons show masked citizen ID and phone only; their
sensitive record is shown in the detail to users allowed "view_sensitive", and each such view is
written to the audit log (PIPL Art. 28, DOMAIN §9).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from gridgov.accounts.permissions import CHANGE, VIEW
from gridgov.core.apitools import (
    ERRORS_READ,
    ERRORS_WRITE,
    NotFound,
    auth_user,
    get_visible,
    paginate,
    payload_data,
    scoped_write,
)
from gridgov.core.urlguard import holds_personal_number, refusal_text
from gridgov.grid.models import GridNode
from gridgov.people.permissions import REVEAL, VIEW_SENSITIVE

from .models import Household, Person
from .schemas import (
    HouseholdCreate,
    HouseholdDetail,
    HouseholdMoveIn,
    HouseholdPage,
    HouseholdQuery,
    HouseholdUpdate,
    PersonCreate,
    PersonDetail,
    PersonMoveIn,
    PersonPage,
    PersonQuery,
    PersonSearch,
    PersonUpdate,
    RevealIn,
    RevealOut,
    SensitiveUpdate,
)
from .selectors import household_list, person_list
from .services import (
    household_create,
    household_move,
    household_update,
    person_create,
    person_move,
    person_reveal,
    person_sensitive_set,
    person_sensitive_view,
    person_update,
)

households = Router(tags=["户"])
persons = Router(tags=["人员"])

HOUSEHOLD_READ = Household.objects.with_head().select_related("microgrid")
PERSON_READ = Person.objects.select_related("household")


def household_label(number: str) -> str:
    return _("户%(n)s") % {"n": number}


def person_label(pk: Any) -> str:
    return _("人员%(id)s") % {"id": pk}


def microgrid_label(code: str) -> str:
    return _("微网格%(c)s") % {"c": code}


def household_detail(user: Any, household: Household) -> Household:
    household = HOUSEHOLD_READ.get(pk=household.pk)
    household.member_list = list(
        Person.objects.restrict(user, VIEW)
        .filter(household=household)
        .select_related("household")
        .order_by("id")
    )
    return household


# Households


@households.get("/", response={200: HouseholdPage, **ERRORS_READ}, summary="户列表")
def list_households(request: HttpRequest, query: Query[HouseholdQuery]):
    """``q`` matches the household number exactly or the address in part."""
    qs = household_list(
        auth_user(request),
        under=query.under,
        q=query.q,
        tag=query.tag.value if query.tag else "",
    )
    return paginate(qs, query)


@households.get("/{number}", response={200: HouseholdDetail, **ERRORS_READ}, summary="户详情")
def get_household(request: HttpRequest, number: str):
    user = auth_user(request)
    household = get_visible(HOUSEHOLD_READ, user, what=household_label(number), number=number)
    return household_detail(user, household)


@households.post("/", response={201: HouseholdDetail, **ERRORS_WRITE}, summary="新增户")
def create_household(request: HttpRequest, payload: HouseholdCreate):
    """A micro-grid the user may not change answers 404, as one that does not exist."""
    user = auth_user(request)
    # "change" at the micro-grid before the service runs: a user who may only view it must not
    # learn from a refusal whether a household number is taken (core.oracle).
    microgrid = get_visible(
        GridNode.objects,
        user,
        CHANGE,
        what=microgrid_label(payload.microgrid),
        code=payload.microgrid,
    )
    data = payload_data(payload, omit=("microgrid",))
    household = scoped_write(
        user,
        Household,
        CHANGE,
        lambda: household_create(microgrid=microgrid, by=user, **data),
    )
    return Status(201, household_detail(user, household))


@households.patch("/{number}", response={200: HouseholdDetail, **ERRORS_WRITE}, summary="修改户")
def update_household(request: HttpRequest, number: str, payload: HouseholdUpdate):
    user = auth_user(request)
    household = get_visible(
        Household.objects, user, CHANGE, what=household_label(number), number=number
    )
    data = payload_data(payload, exclude_unset=True)
    if data.get("head") is not None:
        head = Person.objects.filter(household=household, pk=data["head"]).first()
        if head is None:
            raise ValidationError({"head": _("户主必须是本户成员")})
        data["head"] = head
    household = scoped_write(
        user, Household, CHANGE, lambda: household_update(household=household, data=data, by=user)
    )
    return household_detail(user, household)


@households.post(
    "/{number}/move", response={200: HouseholdDetail, **ERRORS_WRITE}, summary="户迁移"
)
def move_household(request: HttpRequest, number: str, payload: HouseholdMoveIn):
    """Move a household and its members to another micro-grid (the user must change both)."""
    user = auth_user(request)
    household = get_visible(
        Household.objects, user, CHANGE, what=household_label(number), number=number
    )
    target = get_visible(
        GridNode.objects,
        user,
        what=microgrid_label(payload.to_microgrid),
        code=payload.to_microgrid,
    )
    household = scoped_write(
        user,
        Household,
        CHANGE,
        lambda: household_move(
            household=household, to_microgrid=target, reason=payload.reason, by=user
        ),
    )
    return household_detail(user, household)


# Persons


@persons.get("/", response={200: PersonPage, **ERRORS_READ}, summary="人员列表")
def list_persons(request: HttpRequest, query: Query[PersonQuery]):
    """``q`` is part of a name. A citizen ID or phone number in the URL is refused (422) and
    not searched: URLs are written to access logs. Use ``POST /persons/search``."""
    if holds_personal_number(query.q):
        raise ValidationError({"q": refusal_text()})
    return _persons_page(auth_user(request), query)


@persons.post("/search", response={200: PersonPage, **ERRORS_WRITE}, summary="查找人员")
def search_persons(request: HttpRequest, payload: PersonSearch):
    """``q`` is an exact citizen ID (found by keyed hash, nothing decrypted) or part of a name;
    it travels in the body, so it is in no URL and no access log. Scoped like the list: an ID
    registered outside the user's scope finds nothing, exactly as an unknown one."""
    return _persons_page(auth_user(request), payload)


def _persons_page(user: Any, query: PersonQuery | PersonSearch) -> dict[str, Any]:
    qs = person_list(
        user,
        under=query.under,
        q=query.q,
        residence_type=query.residence_type.value if query.residence_type else "",
        household=query.household,
        tag=query.tag.value if query.tag else "",
    )
    return paginate(qs, query)


@persons.get("/{person_id}", response={200: PersonDetail, **ERRORS_READ}, summary="人员详情")
def get_person(request: HttpRequest, person_id: int):
    user = auth_user(request)
    person = get_visible(PERSON_READ, user, what=person_label(person_id), pk=person_id)
    # Each look at sensitive data is logged, as on the page (services.person_sensitive_view).
    person.sensitive_shown = person_sensitive_view(user=user, person=person)
    return person


@persons.post("/", response={201: PersonDetail, **ERRORS_WRITE}, summary="新增人员")
def create_person(request: HttpRequest, payload: PersonCreate):
    """Citizen ID and phone are encrypted by the service; responses show them masked.

    A citizen ID registered where the user cannot see it is refused (422) with the same words
    as anywhere else (``core.oracle.NOT_HERE``), never "already registered in ...".
    """
    user = auth_user(request)
    # "change" on the household before the service runs: a user who may only view it must not
    # learn from a refusal whether a citizen ID is registered.
    household = get_visible(
        Household.objects,
        user,
        CHANGE,
        what=household_label(payload.household),
        number=payload.household,
    )
    data = payload_data(payload, omit=("household",))
    person = scoped_write(
        user, Person, CHANGE, lambda: person_create(household=household, by=user, **data)
    )
    return Status(201, PERSON_READ.get(pk=person.pk))


@persons.patch("/{person_id}", response={200: PersonDetail, **ERRORS_WRITE}, summary="修改人员")
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdate):
    user = auth_user(request)
    person = get_visible(PERSON_READ, user, CHANGE, what=person_label(person_id), pk=person_id)
    data = payload_data(payload, exclude_unset=True)
    citizen_id, phone = data.pop("citizen_id", None), data.pop("phone", None)
    person = scoped_write(
        user,
        Person,
        CHANGE,
        lambda: person_update(
            person=person, data=data, citizen_id=citizen_id, phone=phone, by=user
        ),
    )
    return PERSON_READ.get(pk=person.pk)


@persons.post("/{person_id}/move", response={200: PersonDetail, **ERRORS_WRITE}, summary="人员迁户")
def move_person(request: HttpRequest, person_id: int, payload: PersonMoveIn):
    user = auth_user(request)
    person = get_visible(PERSON_READ, user, CHANGE, what=person_label(person_id), pk=person_id)
    target = get_visible(
        Household.objects,
        user,
        what=household_label(payload.to_household),
        number=payload.to_household,
    )
    person = scoped_write(
        user,
        Person,
        CHANGE,
        lambda: person_move(person=person, to_household=target, reason=payload.reason, by=user),
    )
    return PERSON_READ.get(pk=person.pk)


@persons.patch(
    "/{person_id}/sensitive",
    response={200: PersonDetail, **ERRORS_WRITE},
    summary="修改人员敏感信息",
)
def update_person_sensitive(request: HttpRequest, person_id: int, payload: SensitiveUpdate):
    """Needs "change" and "view_sensitive" on the person; clearing every tag removes the record."""
    user = auth_user(request)
    person = get_visible(PERSON_READ, user, CHANGE, what=person_label(person_id), pk=person_id)
    if not Person.objects.restrict(user, VIEW_SENSITIVE).filter(pk=person.pk).exists():
        raise NotFound(person_label(person_id))
    data = payload_data(payload, exclude_unset=True)
    with transaction.atomic():
        record = person_sensitive_set(person=person, data=data, by=user)
        allowed = Person.objects.restrict(user, CHANGE).restrict(user, VIEW_SENSITIVE)
        if not allowed.filter(pk=person.pk).exists():
            raise NotFound(person_label(person_id))
    person = PERSON_READ.get(pk=person.pk)
    person.sensitive_shown = record
    return person


@persons.post(
    "/{person_id}/reveal", response={200: RevealOut, **ERRORS_WRITE}, summary="查看完整证件号或电话"
)
def reveal_person(request: HttpRequest, person_id: int, payload: RevealIn):
    """Needs "reveal" on the person. The reason goes into the audit log with who asked; the
    value does not. Answer it once to the person who needs it; do not store it."""
    user = auth_user(request)
    person = get_visible(Person.objects, user, REVEAL, what=person_label(person_id), pk=person_id)
    try:
        value = person_reveal(
            user=user, person=person, field=payload.field.value, reason=payload.reason
        )
    except Person.DoesNotExist:
        raise NotFound(person_label(person_id)) from None
    return {"field": payload.field.value, "value": value}
