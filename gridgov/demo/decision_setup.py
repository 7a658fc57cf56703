"""The demo village's deciding bodies (the branch committee, the representatives' meeting) and
the times of the demo meetings, for ``demo.decisions``."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from gridgov.grid.models import GridLevel, GridNode
from gridgov.orgs.models import (
    BodyKind,
    BodyMembership,
    BodyRole,
    GovernanceBody,
    MemberStatus,
    PartyMember,
    PartyOrganization,
)
from gridgov.orgs.services import body_create, membership_create
from gridgov.people.models import Person

from .orgs import Term

# Meetings fall on the half hour between these local hours.
DAY_HOURS = (8, 22)


# -- The bodies that decide --------------------------------------------------------------------


def _term(village: GridNode) -> tuple[dt.date, dt.date | None]:
    """The village's current term, as its villagers' committee holds it (else the demo's)."""
    today = timezone.localdate()
    seat = (
        BodyMembership.objects.filter(
            body__node=village, body__kind=BodyKind.VILLAGE_COMMITTEE, term_start__lte=today
        )
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .order_by("-term_start")
        .first()
    )
    if seat is not None:
        return seat.term_start, seat.term_end
    term = Term.current(today)
    return term.start, term.end


def _free_code(code: str) -> str:
    taken = set(GovernanceBody.objects.filter(code__startswith=code).values_list("code", flat=True))
    n, candidate = 1, code
    while candidate in taken:
        n += 1
        candidate = f"{code}{n}"
    return candidate


def committee_chair(village: GridNode) -> int | None:
    return (
        BodyMembership.objects.filter(
            body__node=village, body__kind=BodyKind.VILLAGE_COMMITTEE, role=BodyRole.CHAIR
        )
        .values_list("person_id", flat=True)
        .first()
    )


def seat_branch_committee(village: GridNode, by: Any, rng: random.Random) -> int:
    """The village party organization's committee: the secretary (the villagers' committee
    chair where they are a party member, 一肩挑), the party members who sit on the villagers'
    committee (交叉任职), and other full members; 5 seats, 3 in a small organization."""
    if GovernanceBody.objects.filter(node=village, kind=BodyKind.BRANCH_COMMITTEE).exists():
        return 0
    today = timezone.localdate()
    born_after = today.replace(year=today.year - 66)
    members = list(
        PartyMember.objects.within(village.code)
        .filter(
            status=MemberStatus.FULL,
            lost_contact=False,
            is_mobile=False,
            person__birth_date__gt=born_after,
        )
        .select_related("person")
        .order_by("person__grid_path", "id")
    )
    if not members:
        return 0
    size = min(len(members), 5 if len(members) >= 15 else 3)
    chair = committee_chair(village)
    secretary = next((m for m in members if m.person_id == chair), None)
    if secretary is None:
        secretary = min(members, key=lambda m: abs((today - m.person.birth_date).days - 50 * 365))
    cadres = set(
        BodyMembership.objects.filter(
            body__node=village, body__kind=BodyKind.VILLAGE_COMMITTEE
        ).values_list("person_id", flat=True)
    )
    rest = [m for m in members if m != secretary]
    crossed = [m for m in rest if m.person_id in cadres]
    others = rng.sample([m for m in rest if m.person_id not in cadres], k=len(rest) - len(crossed))
    seated = [secretary, *crossed, *others][:size]
    org = PartyOrganization.objects.filter(node=village).order_by("id").first()
    body = body_create(
        code=_free_code(f"{village.code}-DZWH"),
        name=org.name if org is not None else f"中共{village.name}支部委员会",
        kind=BodyKind.BRANCH_COMMITTEE,
        node=village,
        by=by,
    )
    start, end = _term(village)
    for rank, member in enumerate(seated):
        role = (
            BodyRole.CHAIR if rank == 0 else BodyRole.VICE_CHAIR if rank == 1 else BodyRole.MEMBER
        )
        membership_create(
            body=body, person=member.person, role=role, term_start=start, term_end=end, by=by
        )
    return 1


def seat_representatives(village: GridNode, by: Any, rng: random.Random) -> int:
    """A villagers' representatives' meeting where the village has none: four representatives
    from each group's residents aged 30 to 75 (VCOL Art. 25); the villagers' committee sits on
    it by law (``rolls`` adds it)."""
    if GovernanceBody.objects.filter(node=village, kind=BodyKind.REPRESENTATIVES).exists():
        return 0
    today = timezone.localdate()
    body = body_create(
        code=_free_code(f"{village.code}-CMDB"),
        name=f"{village.name}村民代表会议",
        kind=BodyKind.REPRESENTATIVES,
        node=village,
        by=by,
    )
    start, end = _term(village)
    groups = GridNode.objects.filter(parent=village, level=GridLevel.GROUP).order_by("code")
    for group in groups or [village]:
        pool = list(
            Person.objects.filter(
                grid_path__startswith=group.code,
                birth_date__lte=today.replace(year=today.year - 30),
                birth_date__gt=today.replace(year=today.year - 76),
            )
            .order_by("grid_path", "id")
            .values_list("id", flat=True)
        )
        for person_id in rng.sample(pool, k=min(4, len(pool))):
            membership_create(
                body=body,
                person=Person.objects.get(pk=person_id),
                role=BodyRole.REPRESENTATIVE,
                term_start=start,
                term_end=end,
                by=by,
            )
    return 1


# -- When the meetings were held ---------------------------------------------------------------


def meeting_slots(
    start: dt.datetime, end: dt.datetime, n: int, rng: random.Random
) -> list[dt.datetime]:
    """``n`` increasing times between ``start`` and ``end``: on the half hour at daytime where
    there are enough, else evenly spread."""
    if n <= 0:
        return []
    local = timezone.localtime(start)
    t = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(
        minutes=30 if local.minute < 30 else 60
    )
    candidates = []
    while t < end:
        if DAY_HOURS[0] <= timezone.localtime(t).hour < DAY_HOURS[1]:
            candidates.append(t)
        t += dt.timedelta(minutes=30)
    if len(candidates) >= n:
        return sorted(rng.sample(candidates, k=n))
    step = (end - start) / (n + 1)
    return [start + step * (i + 1) for i in range(n)]


def members_registered_day(village: GridNode) -> dt.datetime | None:
    """The start of the day the village's last party member was registered: an assembly of the
    members held earlier would leave them off its roll."""
    last = PartyMember.objects.within(village.code).aggregate(last=Max("created_at"))["last"]
    if last is None:
        return None
    day = timezone.localdate(last)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
