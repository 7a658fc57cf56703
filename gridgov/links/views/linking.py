"""The link register's pages: coverage of a place (联户覆盖), a linker's own households, the
register of links, the linkers, and the map of who links whom.

Reads are scoped (out of scope answers 404, never a hint); changes go through
``links.services`` and need ``manage_links`` where the object lies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gridgov.accounts.permissions import VIEW
from gridgov.accounts.scope import user_may
from gridgov.cases.forms import add_service_errors
from gridgov.core.pages import page_view, paginate
from gridgov.core.scoping import get_scoped_or_404, may_anywhere
from gridgov.dataio.pages import export_response, wants_export
from gridgov.dataio.permissions import EXPORT
from gridgov.grid.models import GridNode
from gridgov.grid.pages import FILTER_LEVELS, grid_crumbs, scope_nodes, scoped_node, top_node
from gridgov.people.models import Household, Person, Relation

from ..eligibility import capacity_of, eligible_linkers_q, exemption_of
from ..forms import LinkEndForm, LinkerEditForm, LinkerForm, LinkFilterForm, LinkForm
from ..models import Link, Linker
from ..permissions import MANAGE_LINKS
from ..selectors import (
    coverage_pass,
    link_list,
    link_map_data,
    linker_links,
    linker_list,
    linker_of_user,
    my_household_rows,
)
from ..services import link_create, link_end, linker_create, linker_update

MAX_LINKER_OPTIONS = 1000
# Pages of the other parts of the app, linked from the home page when they exist.
PART_PAGES = (
    ("web:link_plans", gettext_lazy("联户方案")),
    ("web:links_visits", gettext_lazy("走访")),
    ("web:link_cards", gettext_lazy("连心卡")),
    ("web:links_compliance", gettext_lazy("走访情况")),
)


def _url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _chosen_node(user: Any, code: str) -> GridNode | None:
    """The node named by ``?node=`` (404 when the user may not see it), else the user's top."""
    if code:
        node = scoped_node(user, code)
        if node is None:
            raise Http404
        return node
    return top_node(user, scope_nodes(user, VIEW, FILTER_LEVELS))


def _may_manage(user: Any) -> bool:
    return may_anywhere(user, MANAGE_LINKS)


@page_view
def links_home(request: HttpRequest) -> HttpResponse:
    """For a linker, the households linked to them first; then the coverage of the chosen place
    (the user's own top place by default) and of each of its children."""
    user = request.user
    node = _chosen_node(user, request.GET.get("node", ""))
    linker = linker_of_user(user)
    parts = [(url, label) for name, label in PART_PAGES if (url := _url_or_none(name))]
    figures, children = coverage_pass(node, by_child=True) if node else (None, [])
    return render(
        request,
        "links/home.html",
        {
            "nav": "links",
            "node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "coverage": figures,
            "children": children,
            "linker": linker,
            "mine": my_household_rows(user) if linker else [],
            "parts": parts,
            "may_manage": _may_manage(user),
        },
    )


# ---- the register -----------------------------------------------------------------------------


@page_view
def link_register(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    form = LinkFilterForm(request.GET, nodes=scope_nodes(user, VIEW, FILTER_LEVELS))
    under = form.value("under")
    node = scoped_node(user, under)
    if node is not None:
        form.show_node(node)
    raw_linker = form.value("linker")
    linker_id = int(raw_linker) if raw_linker else None
    if under and node is None:
        queryset: QuerySet[Link] = Link.objects.none()
    else:
        queryset = link_list(
            Link.objects.restrict(user, VIEW),
            under=under,
            linker=linker_id,
            in_force=form.in_force(),
            cross_grid=form.cross_grid(),
            q=form.value("q").strip(),
        )
    if wants_export(request):
        return _register_export(request, queryset)
    heads = Person.objects.filter(
        household=OuterRef("household_id"), relation=Relation.HEAD
    ).order_by("id")
    queryset = queryset.annotate(head_name=Subquery(heads.values("name")[:1]))
    return render(
        request,
        "links/linking/register.html",
        {
            "form": form,
            "under_node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "page": paginate(request, queryset),
            "may_manage": _may_manage(user),
            "may_export": may_anywhere(user, EXPORT),
            "nav": "links",
        },
    )


def _register_export(request: HttpRequest, queryset: QuerySet[Link]) -> HttpResponseBase:
    """The register as it is filtered, in the columns of the ``links`` import kind, so that an
    export edited in Excel imports again (names, household numbers; no personal data)."""
    return export_response(
        request, kind="links", queryset=queryset, filename=str(_("联户关系台账"))
    )


def eligible_linkers(user: Any, *, under: str = "", near: str = "") -> list[Linker]:
    """Linkers the user may link households to: in scope, not exempt, with their load and
    micro-grid's name; those of the micro-grid ``near`` first."""
    qs = linker_list(Linker.objects.restrict(user, MANAGE_LINKS), under=under).filter(
        eligible_linkers_q(on=timezone.localdate())
    )
    found = list(qs[:MAX_LINKER_OPTIONS])
    names = dict(
        GridNode.objects.filter(code__in={k.grid_path for k in found}).values_list("code", "name")
    )
    for linker in found:
        linker.microgrid_name = names.get(linker.grid_path, "")  # type: ignore[attr-defined]
    return sorted(found, key=lambda k: k.grid_path != near) if near else found


@page_view
def link_new(request: HttpRequest) -> HttpResponse:
    """Link a household to a linker (a cadre's hand link; the plan proposes many at once)."""
    user = request.user
    if not _may_manage(user):
        raise Http404
    under = request.GET.get("under", "")
    node = scoped_node(user, under) if under else None
    number = request.GET.get("household", "")[:32]
    chosen = (
        Household.objects.restrict(user, MANAGE_LINKS).filter(number=number).first()
        if number
        else None
    )
    linkers = eligible_linkers(
        user, under=node.code if node else "", near=chosen.grid_path if chosen else ""
    )
    data = request.POST if request.method == "POST" else None
    initial = {"household": number}
    form = LinkForm(data, user=user, linkers=linkers, initial=initial)
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            link_create(
                linker=cleaned["linker"],
                household=cleaned["household"],
                start_on=cleaned["start_on"],
                pinned=cleaned["pinned"],
                cross_grid_reason=cleaned["cross_grid_reason"],
                replace=cleaned["replace"],
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已建立联户关系"))
            return redirect(f"{reverse('web:link_register')}?q={cleaned['household'].number}")
    return render(
        request,
        "links/linking/link_new.html",
        {"form": form, "under_node": node, "nav": "links"},
        status=400 if form.errors else 200,
    )


@page_view
@require_POST
def link_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    """End a link in force, with a reason (the register keeps it as history)."""
    user = request.user
    link = get_scoped_or_404(
        Link.objects.select_related("linker__person"), user, MANAGE_LINKS, pk=pk
    )
    form = LinkEndForm(request.POST)
    if form.is_valid():
        try:
            link_end(
                link=link,
                reason=form.cleaned_data["reason"],
                end_on=form.cleaned_data["end_on"],
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        messages.success(request, _("联户关系已结束"))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) or not back.startswith("/"):
        back = reverse("web:linker", args=[link.linker_id])
    return redirect(back)


# ---- linkers ----------------------------------------------------------------------------------


@page_view
def linkers(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = LinkFilterForm(request.GET, nodes=scope_nodes(user, VIEW, FILTER_LEVELS))
    under = form.value("under")
    node = scoped_node(user, under)
    if node is not None:
        form.show_node(node)
    if under and node is None:
        queryset: QuerySet[Linker] = Linker.objects.none()
    else:
        queryset = linker_list(
            Linker.objects.restrict(user, VIEW), under=under, q=form.value("q").strip()
        )
    page = paginate(request, queryset)
    today = timezone.localdate()
    rows = [
        {
            "linker": linker,
            "capacity": capacity_of(linker.kind),
            "exempt": exemption_of(linker, on=today),
        }
        for linker in page.object_list
    ]
    return render(
        request,
        "links/linking/linkers.html",
        {
            "form": form,
            "under_node": node,
            "page": page,
            "rows": rows,
            "may_manage": _may_manage(user),
            "nav": "links",
        },
    )


@page_view
def linker_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not _may_manage(user):
        raise Http404
    under = request.GET.get("under", "")
    node = scoped_node(user, under) if under else None
    data = request.POST if request.method == "POST" else None
    form = LinkerForm(data, user=user, under=node.code if node else "")
    if request.method == "POST" and form.is_valid():
        cleaned = form.cleaned_data
        try:
            linker = linker_create(
                person=cleaned["person"],
                kind=cleaned["kind"],
                user=cleaned["user"],
                phone_consent=cleaned["phone_consent"],
                cannot_link=cleaned["cannot_link"],
                cannot_link_reason=cleaned["cannot_link_reason"],
                by=user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已登记联户人"))
            return redirect("web:linker", pk=linker.pk)
    return render(
        request,
        "links/linking/linker_new.html",
        {"form": form, "under_node": node, "nav": "links"},
        status=400 if form.errors else 200,
    )


@page_view
def linker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A linker: kind, load against capacity, exemption, their links in force and ended; a cadre
    who may manage links edits the linker here (POST)."""
    user = request.user
    linker = get_scoped_or_404(
        Linker.objects.select_related("person", "person__party_member", "user"), user, VIEW, pk=pk
    )
    may_manage = user_may(user, MANAGE_LINKS, linker.grid_path)
    form = None
    if may_manage:
        initial = {
            "kind": linker.kind,
            "phone_consent": linker.phone_consent,
            "cannot_link": linker.cannot_link,
            "cannot_link_reason": linker.cannot_link_reason,
            "user": linker.user.get_username() if linker.user else "",
        }
        form = LinkerEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                linker_update(linker=linker, data=dict(form.cleaned_data), by=user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已保存"))
                return redirect("web:linker", pk=linker.pk)
    links = linker_links(linker)
    microgrid = GridNode.objects.filter(code=linker.grid_path).first()
    load = sum(1 for link in links if link.end_on is None)
    return render(
        request,
        "links/linking/linker.html",
        {
            "linker": linker,
            "capacity": capacity_of(linker.kind),
            "exempt": exemption_of(linker, on=timezone.localdate()),
            "load": load,
            "links": links,
            "form": form,
            "end_form": LinkEndForm() if may_manage else None,
            "may_manage": may_manage,
            "may_audit": user_may(user, "audit", linker.grid_path),
            "crumbs": grid_crumbs(user, microgrid) if microgrid else [],
            "nav": "links",
        },
        status=400 if form is not None and form.errors else 200,
    )


# ---- the map ----------------------------------------------------------------------------------


@page_view
def link_map(request: HttpRequest) -> HttpResponse:
    """Households coloured by link status, the linkers and a line for each link, for a village
    or below; a bigger place lists its children to choose from."""
    user = request.user
    node = _chosen_node(user, request.GET.get("node", ""))
    data = link_map_data(user, node) if node else None
    # Too big to draw: the children to choose from, with how far each is linked.
    children = coverage_pass(node, by_child=True)[1] if node is not None and data is None else []
    return render(
        request,
        "links/linking/map.html",
        {
            "node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "map_data": data,
            "tile_url": getattr(settings, "TILE_URL", ""),
            "children": children,
            "nav": "links",
        },
    )
