"""Reads of organizations, and the reports of organizations that do not fit the rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.rules import rule_value
from gridgov.grid.models import GridLevel

from . import rules
from .models import (
    BodyKind,
    BodyMembership,
    GridPost,
    OrgKind,
    PartyMember,
    PartyOrganization,
)


def org_list(
    user: Any, *, under: str = "", kind: str = "", q: str = "", parent: str = ""
) -> QuerySet:
    """The party organizations list with its filters, the one read of the page, its export and
    the API. ``q`` is the code exactly or part of the name; ``parent`` the parent's code."""
    qs = PartyOrganization.objects.restrict(user, "view").select_related("node", "parent")
    if under:
        qs = qs.within(under)
    if kind:
        qs = qs.filter(kind=kind)
    if q := q.strip():
        qs = qs.filter(Q(code=q) | Q(name__contains=q))
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs.order_by("grid_path", "code")


# Party member tags (党员标记): columns every members list shows, so filtering by them needs only
# "view", as any other column. The API's MemberTag and the page's choices use these keys.
MEMBER_TAGS: dict[str, dict[str, Any]] = {
    "center_household": {"is_center_household": True},
    "mobile": {"is_mobile": True},
    "lost_contact": {"lost_contact": True},
}


def member_list(
    user: Any,
    *,
    under: str = "",
    q: str = "",
    status: str = "",
    organization: str = "",
    tag: str = "",
) -> QuerySet:
    """The party members list with its filters, the one read of the page, its export and the
    API. ``under`` is where their organization sits; ``q`` part of the person's name;
    ``organization`` an organization's code (its direct members only)."""
    queryset = PartyMember.objects.restrict(user, "view").select_related(
        "person", "person__household", "organization"
    )
    if under:
        queryset = queryset.within(under)
    if q := q.strip():
        queryset = queryset.filter(person__name__contains=q)
    if status:
        queryset = queryset.filter(status=status)
    if organization:
        queryset = queryset.filter(organization__code=organization)
    if tag:
        queryset = queryset.filter(**MEMBER_TAGS.get(tag, {}))
    # A member's grid_path is their organization's: ordering by it follows the index.
    return queryset.order_by("grid_path", "organization_id", "id")


@dataclass
class OrgFinding:
    org: PartyOrganization
    total_members: int
    full_members: int
    problem: str
    advice: str


def org_totals(orgs: list[PartyOrganization]) -> dict[int, tuple[int, int]]:
    """Members of each organization including those of the organizations below it."""
    children: dict[int | None, list[PartyOrganization]] = defaultdict(list)
    for org in orgs:
        children[org.parent_id].append(org)
    totals: dict[int, tuple[int, int]] = {}

    def total(org: PartyOrganization) -> tuple[int, int]:
        if org.pk not in totals:
            members, full = org.members_count, org.full_members_count
            for child in children.get(org.pk, []):
                m, f = total(child)
                members, full = members + m, full + f
            totals[org.pk] = (members, full)
        return totals[org.pk]

    for org in orgs:
        total(org)
    return totals


def classify_org(kind: str, total: int, full: int, *, node_level: str) -> tuple[str, str] | None:
    """The problem and advice for an organization whose type does not fit its members, if any.

    Thresholds (DOMAIN §9): ≥3 full members → branch; a branch normally ≤50; >50 → a general
    branch may be set up; ≥100 → a village party committee with county approval.
    """
    min_full = rule_value(rules.BRANCH_MIN_FULL_MEMBERS)
    branch_max = rule_value(rules.BRANCH_MAX_MEMBERS)
    general_above = rule_value(rules.GENERAL_BRANCH_ABOVE)
    committee_min = rule_value(rules.PARTY_COMMITTEE_MIN_MEMBERS)
    if kind == OrgKind.BRANCH:
        if full < min_full:
            return (
                _("正式党员%(f)d人，不足%(m)d人") % {"f": full, "m": min_full},
                _("不足以单独成立党支部，宜与邻近单位成立联合党支部"),
            )
        if total > branch_max:
            return (
                _("党员%(t)d人，超过%(m)d人") % {"t": total, "m": branch_max},
                _("宜分设党支部，或成立党总支")
                if total < committee_min or node_level != GridLevel.VILLAGE
                else _("党员已达%(c)d人，可经县级党委批准成立村党委") % {"c": committee_min},
            )
    if kind == OrgKind.GENERAL_BRANCH and total <= general_above:
        return (
            _("党员%(t)d人，未超过%(m)d人") % {"t": total, "m": general_above},
            _("设党支部即可"),
        )
    if (
        kind == OrgKind.PARTY_COMMITTEE
        and node_level == GridLevel.VILLAGE
        and total < committee_min
    ):
        return (
            _("党员%(t)d人，不足%(m)d人") % {"t": total, "m": committee_min},
            _("村党委需党员100人以上并经县级党委批准；宜设党总支或党支部"),
        )
    if (
        kind == OrgKind.GENERAL_BRANCH
        and node_level == GridLevel.VILLAGE
        and total >= committee_min
    ):
        return (
            _("党员%(t)d人，已达%(m)d人") % {"t": total, "m": committee_min},
            _("可经县级党委批准成立村党委"),
        )
    return None


def org_type_findings(user: Any, *, under: str = "") -> list[OrgFinding]:
    orgs = list(org_list(user, under=under))
    totals = org_totals(orgs)
    findings = []
    for org in orgs:
        total, full = totals[org.pk]
        found = classify_org(org.kind, total, full, node_level=org.node.level)
        if found:
            findings.append(OrgFinding(org, total, full, *found))
    return findings


@dataclass
class BarredMember:
    membership: BodyMembership
    reason: str


def supervision_barred(user: Any, *, under: str = "") -> list[BarredMember]:
    """Supervision-committee members who may not serve (VCOL Art. 32).

    Village committee members and their near relatives may not serve. Near relatives are
    recognised here when they live in the same household; relatives elsewhere need a declared
    kinship, which the registry does not hold yet.
    """
    today = timezone.localdate()
    current = (
        BodyMembership.objects.restrict(user, "view")
        .filter(term_start__lte=today)
        .exclude(term_end__lt=today)
    )
    if under:
        current = current.within(under)
    supervisors = list(
        current.filter(body__kind=BodyKind.SUPERVISION).select_related("person", "body")
    )
    committee = list(
        current.filter(body__kind=BodyKind.VILLAGE_COMMITTEE).select_related("person", "body")
    )
    by_village: dict[str, list[BodyMembership]] = defaultdict(list)
    for m in committee:
        by_village[m.grid_path[:12]].append(m)
    found = []
    for s in supervisors:
        for c in by_village.get(s.grid_path[:12], []):
            if c.person_id == s.person_id:
                found.append(BarredMember(s, _("本人是村民委员会成员")))
                break
            if c.person.household_id == s.person.household_id:
                found.append(
                    BarredMember(
                        s, _("与村民委员会成员%(n)s同户，视为近亲属") % {"n": c.person.name}
                    )
                )
                break
    return found


def person_page_part(user: Any, person: Any) -> dict[str, Any]:
    """The person page's party member record, body memberships and grid posts (all scoped)."""
    return {
        "member": PartyMember.objects.restrict(user)
        .filter(person=person)
        .select_related("organization")
        .first(),
        "memberships": list(
            BodyMembership.objects.restrict(user)
            .filter(person=person)
            .select_related("body")
            .order_by("-term_start")
        ),
        "posts": list(
            GridPost.objects.restrict(user)
            .filter(person=person)
            .select_related("node")
            .order_by("-start_on")
        ),
    }
