"""Party organizations, party members, self-governance bodies and the organization report."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from gridgov.core.pages import ListFilterForm, page_view, paginate
from gridgov.core.scoping import get_scoped_or_404, in_scope, scope_paths
from gridgov.dataio.pages import list_page
from gridgov.grid.pages import grid_crumbs, scoped_node
from gridgov.orgs.forms import MemberFilterForm, OrgFilterForm
from gridgov.orgs.models import BodyMembership, GovernanceBody, PartyMember, PartyOrganization
from gridgov.orgs.selectors import (
    member_list,
    org_list,
    org_totals,
    org_type_findings,
    supervision_barred,
)


@page_view
def orgs(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = OrgFilterForm(request.GET)
    under = form.value("under")
    filters = {name: form.value(name) for name in ("kind", "q", "parent")}
    node = scoped_node(user, under)
    if under and node is None:
        queryset = PartyOrganization.objects.none()
    else:
        queryset = org_list(user, under=under, **filters)
    return list_page(
        request,
        template="orgs/orgs.html",
        form=form,
        node=node,
        queryset=queryset,
        kind="party_orgs",
        filename=_("党组织"),
        nav="orgs",
        filtered=any(filters.values()),
    )


@page_view
def members(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = MemberFilterForm(request.GET)
    under = form.value("under")
    filters = {name: form.value(name) for name in ("q", "status", "organization", "tag")}
    node = scoped_node(user, under)
    if under and node is None:
        queryset = PartyMember.objects.none()
    else:
        queryset = member_list(user, under=under, **filters)
    # Counted in the database: the grid's cached party-member figure counts members where they
    # live, while this list places them where their organization sits.
    return list_page(
        request,
        template="orgs/members.html",
        form=form,
        node=node,
        queryset=queryset,
        kind="party_members",
        filename=_("党员"),
        nav="orgs",
        filtered=any(filters.values()),
    )


@page_view
def org_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    org = get_scoped_or_404(
        PartyOrganization.objects.select_related("node", "parent"), user, code=code
    )
    # Organizations below this one sit in its grid subtree (orgs.services enforces it).
    subtree = list(
        PartyOrganization.objects.restrict(user)
        .within(org.grid_path)
        .only("id", "parent_id", "members_count", "full_members_count")
    )
    total, total_full = org_totals(subtree).get(org.pk, (org.members_count, org.full_members_count))
    children = list(
        PartyOrganization.objects.restrict(user)
        .filter(parent=org)
        .select_related("node")
        .order_by("code")
    )
    parent_visible = org.parent is not None and in_scope(
        org.parent.grid_path, scope_paths(user, "view")
    )
    queryset = (
        PartyMember.objects.restrict(user)
        .filter(organization=org)
        .select_related("person", "person__household")
        .order_by("-status", "person__name", "id")
    )
    return render(
        request,
        "orgs/org.html",
        {
            "org": org,
            "crumbs": grid_crumbs(user, org.node),
            "children": children,
            "parent_visible": parent_visible,
            "total": total,
            "total_full": total_full,
            "page": paginate(request, queryset),
            "nav": "orgs",
        },
    )


@page_view
def body_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    body = get_scoped_or_404(GovernanceBody.objects.select_related("node"), user, code=code)
    memberships = list(
        BodyMembership.objects.restrict(user)
        .filter(body=body)
        .select_related("person", "person__household")
        .order_by("role", "-term_start", "id")
    )
    return render(
        request,
        "orgs/body.html",
        {
            "body": body,
            "crumbs": grid_crumbs(user, body.node),
            "memberships": memberships,
            "nav": "orgs",
        },
    )


@page_view
def org_report(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ListFilterForm(request.GET)
    under = form.value("under")
    node = scoped_node(user, under)
    if under and node is None:
        findings, barred = [], []
    else:
        findings = org_type_findings(user, under=under)
        barred = supervision_barred(user, under=under)
    return render(
        request,
        "orgs/org_report.html",
        {
            "under": under,
            "under_node": node,
            "crumbs": grid_crumbs(user, node) if node else [],
            "findings": findings,
            "barred": barred,
            "nav": "orgs",
        },
    )
