"""Who is due at a meeting (应到): computed from the registry and the rosters as they stood on
the meeting day, then frozen with the record (``services.meeting_record``).

- villagers' and group meetings: villagers aged 18 and over on the day (VCOL Art. 22, 28), and
  the households (for their representatives), of the village or group;
- the party members' assembly: full members with voting rights on the day (预备党员 have none:
  党章 Art. 7) in the village's party organizations;
- committees and the representative meeting: the seats held on the day (``orgs.BodyMembership``
  terms); the representative meeting is the villagers' committee and the representatives
  (VCOL Art. 25); the "two committees" are the party organization's committee and the
  villagers' committee;
- the collective members' assembly: the villagers aged 18 and over (members with full civil
  capacity, 集体经济组织法 Art. 27), until the collective's own member register exists.

"As it stood on the day": a person registered after the day, or who moved in afterwards, is not
on the roll; one who moved out afterwards is; ages are taken on the day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.rules import rule_value
from gridgov.core.scoping import subtree_q
from gridgov.grid.models import GridLevel, GridNode
from gridgov.orgs.models import BodyKind, BodyMembership, MemberStatus, PartyMember
from gridgov.people.models import Household, HouseholdMove, Person, PersonMove

from .models import MeetingBody
from .procedures import PLACE_BODIES
from .rules import ADULT_AGE


@dataclass
class Roll:
    """The frozen roll: person ids due (adults or members) and household ids (for household
    representatives)."""

    body: str
    persons: list[int] = field(default_factory=list)
    households: list[int] = field(default_factory=list)

    @property
    def by_place(self) -> bool:
        return self.body in PLACE_BODIES or self.body == MeetingBody.COLLECTIVE_MEMBERS


def village_of(node: GridNode) -> GridNode:
    """The village a matter's place belongs to (the node itself, or a group's parent)."""
    if node.level == GridLevel.VILLAGE:
        return node
    if node.level == GridLevel.GROUP and node.parent is not None:
        return node.parent
    raise ValidationError({"node": _("重要事项须属于一个村或村民小组")})


def _adult_born_by(day: dt.date) -> dt.date:
    """The latest birth date of a person aged ``ADULT_AGE`` or more on ``day`` (one born on
    29 February comes of age on 1 March in a common year)."""
    years = int(rule_value(ADULT_AGE))
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, month=2, day=28)


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day``, in the deployment's time zone."""
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start)


@dataclass
class _Since:
    """The moves made after the day, undone: for each person who moved since, the household
    they were in on the day; for each household that moved since, its micro-grid's code then."""

    household_of: dict[int, int]
    microgrid_code_of: dict[int, str]

    def code_then(self, household_id: int, code_now: str) -> str:
        """The code of the micro-grid ``household_id`` was in on the day."""
        return self.microgrid_code_of.get(household_id, code_now)


def _since(after: dt.datetime) -> _Since:
    # Latest first, so that the earliest move after the day is written last and wins: its
    # origin is where the person (the household) was on the day.
    household_of: dict[int, int] = dict(
        PersonMove.objects.filter(moved_at__gte=after)
        .order_by("-moved_at", "-id")
        .values_list("person_id", "from_household_id")
    )
    microgrid_code_of: dict[int, str] = dict(
        HouseholdMove.objects.filter(moved_at__gte=after)
        .order_by("-moved_at", "-id")
        .values_list("household_id", "from_microgrid__code")
    )
    return _Since(household_of, microgrid_code_of)


def place_adults(place: GridNode, day: dt.date) -> list[int]:
    """Ids of villagers aged 18+ on ``day`` who lived in ``place`` that day.

    A person's household that day is the origin of their first move after it (else their
    household now), and that household's micro-grid that day the origin of its first move
    after it (else its micro-grid now)."""
    after = _end_of(day)
    since = _since(after)
    candidates = Person.objects.filter(
        subtree_q("grid_path", place.code)
        | Q(id__in=list(since.household_of))
        | Q(household_id__in=list(since.microgrid_code_of)),
        created_at__lt=after,
        birth_date__lte=_adult_born_by(day),
    ).values_list("id", "household_id", "grid_path")
    rows = list(candidates)
    # A person's path is their household's micro-grid (the people services keep it so).
    codes_now = {household_id: path for _pid, household_id, path in rows}
    left = set(since.household_of.values()) - codes_now.keys()
    if left:
        codes_now.update(
            Household.objects.filter(id__in=left).values_list("id", "grid_path").iterator()
        )
    found = []
    for person_id, household_id, _path in rows:
        then = since.household_of.get(person_id, household_id)
        if since.code_then(then, codes_now.get(then, "")).startswith(place.code):
            found.append(person_id)
    return sorted(found)


def place_households(place: GridNode, day: dt.date) -> list[int]:
    """Ids of the households of ``place`` on ``day`` (registered by then, and living there
    then: a household that moved since counts where it came from)."""
    after = _end_of(day)
    since = _since(after)
    rows = Household.objects.filter(
        subtree_q("grid_path", place.code) | Q(id__in=list(since.microgrid_code_of)),
        created_at__lt=after,
    ).values_list("id", "grid_path")
    return sorted(
        household_id
        for household_id, code_now in rows
        if since.code_then(household_id, code_now).startswith(place.code)
    )


def voting_members(village: GridNode, day: dt.date) -> list[int]:
    """Person ids of the full members (with voting rights) of the village's party
    organizations on ``day``: joined by then, and full by then."""
    full_by_then = Q(status=MemberStatus.FULL) & (
        Q(full_member_on__isnull=True) | Q(full_member_on__lte=day)
    )
    return sorted(
        PartyMember.objects.filter(
            subtree_q("grid_path", village.code),
            full_by_then,
            joined_on__lte=day,
            created_at__lt=_end_of(day),
        ).values_list("person_id", flat=True)
    )


def seats(
    node: GridNode, kinds: tuple[str, ...], day: dt.date, roles: tuple[str, ...] = ()
) -> list[int]:
    """Person ids holding a seat on ``day`` in the bodies of ``kinds`` at ``node``."""
    held = BodyMembership.objects.filter(
        body__node=node, body__kind__in=kinds, term_start__lte=day
    ).filter(Q(term_end__isnull=True) | Q(term_end__gte=day))
    if roles:
        held = held.filter(role__in=roles)
    return sorted(set(held.values_list("person_id", flat=True)))


def roll_for(body: str, place: GridNode, day: dt.date) -> Roll:
    """The roll of ``body`` meeting on ``day`` for a matter of ``place`` (a village or group).

    A body with no one on its roll is refused: a meeting of nobody decides nothing, and it
    usually means the roster was never entered."""
    village = village_of(place)
    roll = Roll(body=body)
    if body in (MeetingBody.VILLAGERS, MeetingBody.GROUP, MeetingBody.DISCUSSION):
        where = place if body != MeetingBody.VILLAGERS else village
        roll.persons = place_adults(where, day)
        roll.households = place_households(where, day)
    elif body == MeetingBody.COLLECTIVE_MEMBERS:
        roll.persons = place_adults(village, day)
    elif body == MeetingBody.PARTY_ASSEMBLY:
        roll.persons = voting_members(village, day)
    elif body == MeetingBody.BRANCH_COMMITTEE:
        roll.persons = seats(village, (BodyKind.BRANCH_COMMITTEE,), day)
    elif body == MeetingBody.TWO_COMMITTEES:
        roll.persons = seats(village, (BodyKind.BRANCH_COMMITTEE, BodyKind.VILLAGE_COMMITTEE), day)
    elif body == MeetingBody.REPRESENTATIVES:
        roll.persons = seats(village, (BodyKind.REPRESENTATIVES, BodyKind.VILLAGE_COMMITTEE), day)
    elif body == MeetingBody.GROUP_COMMITTEE:
        roll.persons = seats(place, (BodyKind.GROUP_COMMITTEE,), day)
    elif body == MeetingBody.COLLECTIVE_REPRESENTATIVES:
        roll.persons = seats(village, (BodyKind.COLLECTIVE_ECONOMY,), day, ("representative",))
    else:
        raise ValidationError({"body": _("未知的会议类型")})
    if not roll.persons:
        raise ValidationError(
            {
                "body": _("%(body)s在会议当日没有应到人员：请先登记成员名册")
                % {"body": MeetingBody(body).label}
            }
        )
    return roll
