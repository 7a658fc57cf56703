"""Households and persons: lists filtered and paged in the database, and detail pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.accounts.scope import user_may
from gridgov.core.pages import page_view
from gridgov.core.scoping import get_scoped_or_404
from gridgov.dataio.pages import list_page
from gridgov.grid.pages import grid_crumbs, scope_totals, scoped_node

from .forms import HouseholdFilterForm, PersonFilterForm
from .models import Household, Person, Relation
from .selectors import household_list, person_list
from .services import person_reveal, person_sensitive_view

# Functions (user, person) -> context entries of the person page, added by the apps that build
# on people in their AppConfig.ready() (orgs: ``orgs.selectors.person_page_part``).
PERSON_PAGE_PARTS: list[Callable[[Any, Person], dict[str, Any]]] = []
# Functions (user, household) -> (template, context) or None: sections of the household page
# added by the apps that build on people (links: the household's linker and link history).
# Each template is included with its context as ``part``.
HOUSEHOLD_PAGE_PARTS: list[Callable[[Any, Household], tuple[str, dict[str, Any]] | None]] = []


@page_view
def households(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = HouseholdFilterForm(request.GET)
    under, q, tag = form.value("under"), form.value("q"), form.value("tag")
    node = scoped_node(user, under)
    if under and node is None:
        # Not a place the user may see: an empty list, the same as a place with nobody in it.
        queryset = Household.objects.none()
    else:
        queryset = household_list(user, under=under, q=q, tag=tag)
    count = None
    if not (q or tag) and (node is not None or not under):
        count = scope_totals(user, node).households
    return list_page(
        request,
        template="people/households.html",
        form=form,
        node=node,
        queryset=queryset,
        kind="households",
        filename=_("户"),
        nav="households",
        filtered=bool(q or tag),
        count=count,
    )


@page_view
def persons(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = PersonFilterForm(request.GET)
    under = form.value("under")
    filters = {name: form.value(name) for name in ("q", "residence_type", "household", "tag")}
    node = scoped_node(user, under)
    if under and node is None:
        queryset = Person.objects.none()
    else:
        queryset = person_list(user, under=under, **filters)
    count = None
    if not any(filters.values()) and (node is not None or not under):
        count = scope_totals(user, node).persons
    return list_page(
        request,
        template="people/persons.html",
        form=form,
        node=node,
        queryset=queryset,
        kind="persons",
        filename=_("人员"),
        nav="persons",
        filtered=any(filters.values()),
        count=count,
    )


@page_view
def household_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = request.user
    household = get_scoped_or_404(
        Household.objects.with_head().select_related("microgrid"), user, number=number
    )
    members = list(
        Person.objects.restrict(user).filter(household=household).order_by("birth_date", "id")
    )
    # The head first, then by age: how a household register (户口簿) lists them.
    members.sort(key=lambda p: p.relation != Relation.HEAD)
    moves = list(
        household.moves.select_related("from_microgrid", "to_microgrid").order_by("-moved_at")[:50]
    )
    return render(
        request,
        "people/household.html",
        {
            "household": household,
            "crumbs": grid_crumbs(user, household.microgrid),
            "members": members,
            "moves": moves,
            "parts": [p for part in HOUSEHOLD_PAGE_PARTS if (p := part(user, household))],
            "nav": "households",
        },
    )


@page_view
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    person = get_scoped_or_404(
        Person.objects.select_related("household", "household__microgrid"), user, pk=pk
    )
    return render(request, "people/person.html", _person_context(request, person))


@page_view
@require_POST
def person_reveal_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a full citizen ID or phone number once, for a reason that goes into the audit log."""
    user = request.user
    person = get_scoped_or_404(
        Person.objects.select_related("household", "household__microgrid"), user, "reveal", pk=pk
    )
    field = request.POST.get("field", "")
    context = _person_context(request, person)
    try:
        value = person_reveal(
            user=user, person=person, field=field, reason=request.POST.get("reason", "")
        )
    except Person.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        context["reveal_errors"] = [m for messages in exc.message_dict.values() for m in messages]
        return render(request, "people/person.html", context, status=400)
    context["revealed"] = {field: value or "—"}
    return render(request, "people/person.html", context)


def _person_context(request: HttpRequest, person: Person) -> dict:
    user = request.user
    may_sensitive = user_may(user, "view_sensitive", person.grid_path)
    show_sensitive = may_sensitive and request.GET.get("sensitive") == "1"
    return {
        "person": person,
        "crumbs": grid_crumbs(user, person.household.microgrid),
        # What the apps above people know of this person (orgs: party member record, bodies,
        # grid posts); they register here, since people may not import them.
        **{key: value for part in PERSON_PAGE_PARTS for key, value in part(user, person).items()},
        "moves": list(
            person.moves.select_related("from_household", "to_household").order_by("-moved_at")[:50]
        ),
        "may_sensitive": may_sensitive,
        "may_reveal": user_may(user, "reveal", person.grid_path),
        "may_audit": user_may(user, "audit", person.grid_path),
        "show_sensitive": show_sensitive,
        "sensitive": person_sensitive_view(user=user, person=person) if show_sensitive else None,
        "revealed": {},
        "nav": "persons",
    }


@page_view
def person_sensitive(request: HttpRequest, pk: int) -> HttpResponse:
    """The sensitive section alone, fetched by htmx when the user asks to see it."""
    user = request.user
    person = get_scoped_or_404(Person.objects.all(), user, pk=pk)
    if not user_may(user, "view_sensitive", person.grid_path):
        # Seeing the person is allowed, their sensitive data is not: answer as if absent.
        raise Http404
    return render(
        request,
        "people/partials/sensitive.html",
        {
            "person": person,
            "sensitive": person_sensitive_view(user=user, person=person),
            "show_sensitive": True,
        },
    )
