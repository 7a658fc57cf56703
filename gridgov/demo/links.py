"""Demo links (演示联户): linkers, an applied plan and a draft, visits and contact cards in the
demo village, so that a newcomer who runs ``make run`` sees party members linked to households.

Everything is made through the links services, by the demo village cadre (who holds
``manage_links`` and ``plan_links`` there) and the linkers' own accounts where they have one, so
the register, the plan's diff, the audit chain and the tasks are what real use would write.
Run by ``gridgov demo_links``.

Where the village has too few party members to link every household, the group committees'
members link the rest, as 宁海 fills gaps; what is still uncovered shows as the shortfall.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.cases.models import Category
from gridgov.grid.models import GridNode
from gridgov.links.cards import card_tokens_issue
from gridgov.links.models import (
    EventKind,
    Link,
    Linker,
    LinkerKind,
    VisitHelp,
    VisitKind,
    VisitOutcome,
)
from gridgov.links.planning import plan_apply, plan_approve, plan_compute
from gridgov.links.services import link_create, linker_create, linker_update
from gridgov.links.visits import household_event_record, visit_record, visit_to_matter
from gridgov.orgs.models import BodyKind, BodyMembership, PartyMember
from gridgov.people.models import Household

from .signins import demo_nodes, username_for

NOTES = [
    "老人身体还好，叮嘱按时吃药",
    "了解今年种植情况，讲解农业补贴政策",
    "家中孩子在外务工，留守老人生活正常",
    "宣传防诈骗知识，留下联系电话",
    "询问医保缴费情况，已协助在手机上缴纳",
]
# Who links besides party members, by the body they sit on (宁海 fills gaps with committee members).
OTHER_LINKERS: dict[str, str] = {
    BodyKind.VILLAGE_COMMITTEE: LinkerKind.VILLAGE_CADRE,
    BodyKind.GROUP_COMMITTEE: LinkerKind.GROUP_COMMITTEE,
}
SUGGESTIONS = ["建议村道增设路灯", "希望组织一次技能培训", "建议垃圾清运改为每天一次"]


class NoDemoUsers(Exception):
    """``gridgov demo_signins`` has not run: no demo cadre to act."""


@dataclass
class DemoLinks:
    linkers: int = 0
    links: int = 0
    visits: int = 0
    tasks: int = 0
    cards: int = 0
    draft_plan: int | None = None


def has_links() -> bool:
    return Linker.objects.exists()


def _user(role: str) -> Any:
    user = get_user_model().objects.filter(username=username_for(role)).first()
    if user is None:
        raise NoDemoUsers
    return user


def _linkers_create(village: GridNode, by: Any) -> list[Linker]:
    """Every party member of the village (党员中心户 as such), then the group committees'
    members who are not party members, to fill the gaps."""
    made = []
    members = (
        PartyMember.objects.within(village.code)
        .select_related("person")
        .order_by("person__grid_path", "id")
    )
    seen = set()
    for member in members:
        kind = LinkerKind.CENTER_HOUSEHOLD if member.is_center_household else LinkerKind.MEMBER
        made.append(linker_create(person=member.person, kind=kind, by=by, phone_consent=True))
        seen.add(member.person_id)
    today = timezone.localdate()
    seats = (
        BodyMembership.objects.within(village.code)
        .filter(body__kind__in=list(OTHER_LINKERS), term_start__lte=today)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .select_related("person", "body")
        .order_by("person__grid_path", "id")
    )
    for seat in seats:
        if seat.person_id in seen:
            continue
        seen.add(seat.person_id)
        made.append(
            linker_create(
                person=seat.person,
                kind=OTHER_LINKERS[seat.body.kind],
                by=by,
                phone_consent=len(made) % 3 != 0,
            )
        )
    return made


def _linked_member_account(linkers: list[Linker], micro: GridNode, by: Any) -> Linker | None:
    """The demo linked member's account becomes a linker of its micro-grid, so signing in as
    them shows "my households"."""
    here = [k for k in linkers if k.grid_path == micro.path]
    mine = next((k for k in here if k.kind == LinkerKind.MEMBER), here[0] if here else None)
    if mine is not None:
        linker_update(linker=mine, data={"user": _user(Role.LINKED_MEMBER)}, by=by)
    return mine


def _two_way_choice(mine: Linker | None, by: Any) -> None:
    """One pinned pair (双向选择): a household and a member who chose each other."""
    if mine is None:
        return
    household = (
        Household.objects.filter(grid_path=mine.grid_path)
        .exclude(pk=mine.person.household_id)
        .order_by("number")
        .first()
    )
    if household is not None:
        link_create(linker=mine, household=household, by=by, pinned=True)


@transaction.atomic
def demo_links_create(*, seed: int = 1) -> DemoLinks:
    """Linkers, a plan approved at the members' assembly and applied, a second draft plan,
    visits (one 补记, some not at home, one become a matter), a 四必到 task and card tokens."""
    rng = random.Random(seed)
    nodes = demo_nodes()
    village, micro = nodes[Role.VILLAGE_CADRE], nodes[Role.LINKED_MEMBER]
    cadre = _user(Role.VILLAGE_CADRE)
    out = DemoLinks()

    linkers = _linkers_create(village, cadre)
    out.linkers = len(linkers)
    mine = _linked_member_account(linkers, micro, cadre)
    _two_way_choice(mine, cadre)

    today = timezone.localdate()
    plan = plan_compute(node=village, by=cadre)
    plan = plan_approve(
        plan=plan,
        by=cadre,
        meeting="党员大会审议通过联户方案",
        meeting_on=today,
    )
    plan_apply(plan=plan, by=cadre)
    out.links = Link.objects.within(village.code).filter(end_on__isnull=True).count()

    # A member leaves for work in the city: the re-plan is left as a draft to look at.
    leaving = next((k for k in linkers if k != mine and k.kind == LinkerKind.MEMBER), None)
    if leaving is not None:
        linker_update(
            linker=leaving,
            data={"cannot_link": True, "cannot_link_reason": "外出务工，长期不在村"},
            by=cadre,
        )
        out.draft_plan = plan_compute(node=village, by=cadre).pk

    out.visits, out.tasks = _visits_create(mine, village, cadre, rng)
    households = list(Household.objects.filter(grid_path=micro.path).order_by("number"))
    out.cards = len(card_tokens_issue(households=households, by=cadre))
    return out


def _visits_create(
    mine: Linker | None, village: GridNode, cadre: Any, rng: random.Random
) -> tuple[int, int]:
    """Visits by the linked member to their households in the last two days (recorded as they
    happen), one entered late (补记), some not at home; one need becomes a matter; a
    hospitalisation creates a 四必到 task."""
    if mine is None or mine.user is None:
        return 0, 0
    member = mine.user
    now = timezone.now()
    households = [
        link.household
        for link in Link.objects.filter(linker=mine, end_on__isnull=True)
        .select_related("household")
        .order_by("household__number")
    ]
    visits = 0
    for i, household in enumerate(households[:8]):
        outcome = VisitOutcome.NOT_HOME if i % 4 == 3 else VisitOutcome.MET
        visit = visit_record(
            household=household,
            by=member,
            kind=VisitKind.LINK_TALK,
            outcome=outcome,
            helps=rng.sample([h.value for h in VisitHelp], k=2) if outcome == "met" else [],
            notes=rng.choice(NOTES) if outcome == "met" else "",
            suggestions=SUGGESTIONS[i % 3] if i % 2 == 0 and outcome == "met" else "",
            visited_at=now - dt.timedelta(hours=2 + 5 * i),
        )
        visits += 1
        if i == 1:
            category = Category.objects.filter(code="livelihood").first()
            if category is not None:
                visit_to_matter(
                    visit=visit,
                    by=member,
                    category=category,
                    title="独居老人申请高龄津贴",
                    description="走访中老人提出想申请高龄津贴，需协助准备材料",
                )
    if len(households) > 8:
        visit_record(
            household=households[8],
            by=member,
            kind=VisitKind.LINK_TALK,
            outcome=VisitOutcome.MET,
            helps=[VisitHelp.POLICY.value],
            notes="上周走访，当时未及时登记（补记）",
            visited_at=now - dt.timedelta(days=5),
        )
        visits += 1
    tasks = 0
    if len(households) > 9:
        household_event_record(
            household=households[9],
            kind=EventKind.HOSPITAL,
            occurred_on=timezone.localdate(),
            note="户主因病住院",
            by=cadre,
        )
        tasks += 1
    return visits, tasks
