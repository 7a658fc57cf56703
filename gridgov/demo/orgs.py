"""Party organizations, party members, self-governance bodies, memberships and grid posts of one
village, chosen among the persons drawn by ``people``.

Structure (DOMAIN §1, §9): the village party organization is a 党委 (≥100 members), 党总支
(>50) or 党支部; under a 党委/党总支, most groups with at least 3 full members have their own
branch; every micro-grid has a 党小组, which the members living there belong to. A few villages
keep a type that does not fit (``mismatch``), and one or two supervision-committee members are
barred (``barred``), so that the organization reports have something to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .identity import EPOCH, iso_dates
from .people import YEAR, VillagePeople
from .scales import BRANCH_SHARE, CITY_NAME, COUNTY_NAME, PARTY_MEMBER_RATE
from .tree import Node

# A group whose village has branches gets its own when it has ≥3 full members, with this
# probability (so that Nanhai gets about 1,748 branches over 2,081 groups).
BRANCH_P = BRANCH_SHARE
PROBATIONARY_SHARE = 0.03
CENTER_HOUSEHOLD_SHARE = 0.3  # Yangjiang: 35,000 党员中心户 of 127,000 members (004)
YES_NO = ("否", "是")


def party_org_code(node_code: str) -> str:
    return "P" + node_code


BODY_SUFFIX = {
    "村民委员会": "CWH",
    "村民代表会议": "CMDB",
    "村务监督委员会": "JWH",
    "集体经济组织": "JJZZ",
    "村民小组": "XZ",
    "组委会": "ZWH",
}


def body_code(node_code: str, kind: str) -> str:
    return f"{node_code}-{BODY_SUFFIX[kind]}"


def natural_kind(members: int) -> str:
    if members >= 100:
        return "党委"
    if members > 50:
        return "党总支"
    return "党支部"


# The type a village keeps when it has not followed its membership (a finding for the report).
MISMATCH = {"党委": "党总支", "党总支": "党支部", "党支部": "党总支"}
ORG_TITLE = {"党委": "委员会", "党总支": "总支部委员会", "党支部": "支部委员会"}


@dataclass
class Term:
    start: dt.date
    end: dt.date

    @classmethod
    def current(cls, as_of: dt.date) -> Term:
        """The five-year term of village organizations running on ``as_of``.

        Guangdong elected village 两委 by 2021-03-31; terms are five years (VCOL 2018 Art. 11;
        《中国共产党农村基层组织工作条例》 Art. 6), so the next one began in 2026.
        """
        year = 2021 + 5 * ((as_of.year - 2021) // 5)
        start = dt.date(year, 3, 31)
        if start > as_of:
            start = dt.date(year - 5, 3, 31)
        return cls(start, dt.date(start.year + 5, 3, 30))


@dataclass
class VillageOrgs:
    party_orgs: list[tuple] = field(default_factory=list)
    party_members: list[tuple] = field(default_factory=list)
    bodies: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    grid_posts: list[tuple] = field(default_factory=list)
    kind: str = ""
    members: int = 0
    branches: int = 0
    barred: int = 0


def town_party_org(town: Node) -> tuple:
    title = "工作委员会" if town.name.endswith("街道") else "委员会"
    name = f"中共{CITY_NAME}{COUNTY_NAME}{town.name}{title}"
    return (party_org_code(town.code), name, "党委", town.code, "")


def choose(rng: np.random.Generator, mask: np.ndarray, k: int, weight=None) -> np.ndarray:
    """Up to ``k`` indices where ``mask`` holds, weighted, without replacement."""
    idx = np.flatnonzero(mask)
    if idx.size == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    w = np.ones(idx.size) if weight is None else np.asarray(weight, dtype=float)[idx]
    keys = np.log(rng.random(idx.size)) / np.maximum(w, 1e-9)
    return idx[np.argsort(-keys, kind="stable")[:k]]


def _add_years(day: int, years: int) -> dt.date:
    date = EPOCH + dt.timedelta(days=int(day))
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28) + dt.timedelta(days=1)


def village_orgs(
    village: Node,
    people: VillagePeople,
    rng: np.random.Generator,
    *,
    as_of: dt.date,
    term: Term,
    mismatch: bool = False,
    barred: tuple[str, ...] = (),
) -> VillageOrgs:
    out = VillageOrgs()
    groups = village.children
    micros = [m for g in groups for m in g.children]
    micro_group = np.array([gi for gi, g in enumerate(groups) for _ in g.children])
    p_micro = people.p_micro
    p_group = micro_group[p_micro]
    age = people.p_age
    male = people.p_male
    ids = people.p_id
    household = people.p_household
    registered = np.isin(people.p_residence, ["户籍", "人户分离"])
    at_home = people.p_residence == "户籍"
    n = len(ids)
    today = (as_of - EPOCH).days

    # Party members: ≈1.5% of residents, adults registered here; more men and older people,
    # as in the party's membership. Micro-grids are drawn around members, so each gets two first.
    weight = np.where(male, 2.3, 1.0) * np.select(
        [age < 30, age < 45, age < 60, age < 75], [0.6, 0.9, 1.2, 1.6], 1.4
    )
    eligible = registered & (age >= 20)
    keys = np.where(eligible, np.log(rng.random(n)) / weight, -np.inf)
    target = max(round(PARTY_MEMBER_RATE * n), 2 * len(micros))
    order = np.lexsort((-keys, p_micro))
    first = np.ones(n, dtype=bool)
    first[1:] = p_micro[order][1:] != p_micro[order][:-1]
    starts = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    seeded = order[(np.arange(n) - starts < 2) & np.isfinite(keys[order])]
    is_member = np.zeros(n, dtype=bool)
    is_member[seeded] = True
    rest = target - is_member.sum()
    if rest > 0:
        is_member[choose(rng, eligible & ~is_member, int(rest), weight)] = True
    members = np.flatnonzero(is_member)
    m = members.size
    out.members = m

    probationary = np.zeros(n, dtype=bool)
    n_prob = round(PROBATIONARY_SHARE * m)
    probationary[choose(rng, is_member & (age <= 40), n_prob)] = True
    # Full members joined at 18 or later and at least a year (plus the time to turn full) ago.
    join_age = np.clip(rng.normal(28, 7, n), 18, np.maximum(age - 1.3, 18))
    # 6,575 days (18 years with five leap days) make sure nobody joined before turning 18.
    joined = people.p_birth + np.maximum(np.floor(join_age * YEAR).astype(np.int64), 6575)
    joined = np.where(probationary, today - rng.integers(10, 350, n), joined)
    full = is_member & ~probationary
    center = full & (age >= 25) & (age <= 75) & (rng.random(n) < CENTER_HOUSEHOLD_SHARE)
    mobile = people.p_residence == "人户分离"

    # Organizations.
    kind = natural_kind(m)
    if mismatch:
        kind = MISMATCH[kind]
    out.kind = kind
    vcode = party_org_code(village.code)
    town_code = party_org_code(village.code[:9])
    out.party_orgs.append(
        (vcode, f"中共{village.name}{ORG_TITLE[kind]}", kind, village.code, town_code)
    )
    group_full = np.bincount(p_group[full], minlength=len(groups))
    branch_of: dict[int, str] = {}
    if kind in ("党委", "党总支"):
        for gi, group in enumerate(groups):
            if group_full[gi] >= 3 and rng.random() < BRANCH_P:
                code = party_org_code(group.code)
                branch_of[gi] = code
                out.party_orgs.append(
                    (code, f"中共{village.name}{group.name}支部委员会", "党支部", group.code, vcode)
                )
    out.branches = len(branch_of)
    micro_org = []
    for gi, group in enumerate(groups):
        for micro in group.children:
            code = party_org_code(micro.code)
            micro_org.append(code)
            parent = branch_of.get(gi, vcode)
            out.party_orgs.append(
                (code, f"{village.name}{micro.name}党小组", "党小组", micro.code, parent)
            )
    full_on = {int(i): _add_years(joined[i], 1).isoformat() for i in np.flatnonzero(full)}
    joined_iso = iso_dates(joined[members])
    for j, i in enumerate(members.tolist()):
        out.party_members.append(
            (
                ids[i],
                micro_org[p_micro[i]],
                "预备党员" if probationary[i] else "正式党员",
                joined_iso[j],
                full_on.get(i, ""),
                YES_NO[bool(center[i])],
                YES_NO[bool(mobile[i])],
            )
        )

    # Self-governance bodies.
    community = village.is_community
    names = {
        "村民委员会": "居民委员会" if community else "村民委员会",
        "村民代表会议": "居民代表会议" if community else "村民代表会议",
        "村务监督委员会": "居务监督委员会" if community else "村务监督委员会",
        "集体经济组织": "股份经济联合社",
    }
    for kind_label, suffix in names.items():
        out.bodies.append(
            (body_code(village.code, kind_label), village.name + suffix, kind_label, village.code)
        )
    for group in groups:
        for kind_label in ("村民小组", "组委会"):
            name = f"{village.name}{group.name}" + ("组委会" if kind_label == "组委会" else "")
            out.bodies.append((body_code(group.code, kind_label), name, kind_label, group.code))

    start, end = term.start.isoformat(), term.end.isoformat()

    def seat(body: str, person: int, role: str) -> None:
        out.memberships.append((body, ids[person], role, start, end))

    def post(node: str, person: int, kind_label: str) -> None:
        out.grid_posts.append((node, ids[person], kind_label, start, ""))

    def adult(lo: int, hi: int) -> np.ndarray:
        return at_home & (age >= lo) & (age <= hi)

    taken = np.zeros(n, dtype=bool)

    # Secretary: a full member, 35–60; also chairs the village committee and the collective
    # economic organization (三个一肩挑, DOMAIN §7) and heads the village grid.
    secretary_pool = [full & adult(35, 60), is_member & adult(28, 70), adult(30, 60), age >= 18]
    secretary = next(
        int(choose(rng, pool, 1, np.where(male, 4.0, 1.0))[0])
        for pool in secretary_pool
        if pool.any()
    )
    taken[secretary] = True
    size = 7 if len(people.h_number) >= 1500 else 5
    woman = choose(rng, adult(25, 60) & ~male & ~taken, 1, np.where(is_member, 3.0, 1.0))
    taken[woman] = True
    others = choose(rng, adult(25, 60) & ~taken, size - 1 - woman.size, np.where(is_member, 3, 1))
    taken[others] = True
    committee = [secretary, *others.tolist(), *woman.tolist()]
    vices = 2 if size == 7 else 1
    vc = body_code(village.code, "村民委员会")
    for rank, person in enumerate(committee):
        seat(vc, person, "主任" if rank == 0 else ("副主任" if rank <= vices else "委员"))
    committee_households = set(household[committee].tolist())

    # Representatives' meeting: the committee plus representatives chosen in each group,
    # at least four fifths of the members and 40% women (VCOL Art. 25).
    rm = body_code(village.code, "村民代表会议")
    for rank, person in enumerate(committee):
        seat(rm, person, "主任" if rank == 0 else "委员")
    per_group = max(3, -(-4 * size // len(groups)))
    for gi in range(len(groups)):
        pool = adult(30, 75) & (p_group == gi) & ~taken
        women = choose(rng, pool & ~male, round(per_group * 0.4))
        men = choose(rng, pool & male, per_group - women.size)
        for person in [*women.tolist(), *men.tolist()]:
            seat(rm, person, "代表")

    # Supervision committee: 3–5 members, none on the village committee or in a committee
    # member's household (VCOL Art. 32) — except the ones planted for the report.
    sc = body_code(village.code, "村务监督委员会")
    in_committee_home = np.isin(household, list(committee_households))
    sup_size = 5 if size == 7 else 3
    supervisors = choose(
        rng, adult(30, 70) & ~taken & ~in_committee_home, sup_size, np.where(is_member, 2, 1)
    ).tolist()
    taken[supervisors] = True
    for reason in barred:
        if reason == "self" and supervisors:
            supervisors[-1] = committee[-1]
            out.barred += 1
        elif reason == "household" and len(supervisors) >= 2:
            relatives = in_committee_home & (age >= 18) & ~np.isin(np.arange(n), committee)
            found = choose(rng, relatives, 1)
            if found.size:
                supervisors[-2] = int(found[0])
                out.barred += 1
    for rank, person in enumerate(dict.fromkeys(supervisors)):
        seat(sc, person, "主任" if rank == 0 else "委员")

    ce = body_code(village.code, "集体经济组织")
    seat(ce, secretary, "理事长")
    board = choose(rng, adult(30, 65) & ~np.isin(np.arange(n), [secretary]), 2 + size // 5)
    for person in board.tolist():
        seat(ce, person, "委员")

    # Grid posts of the village.
    post(village.code, secretary, "网格长")
    worker = choose(rng, adult(25, 45) & ~taken, 1, np.where(male, 1.0, 1.5))
    if worker.size:
        post(village.code, int(worker[0]), "专职网格员")
        taken[worker] = True

    # Groups: leader (组长, group grid head) and group committee (组委会, 3–5, not cadres).
    roles = ["理事长", "调解员", "监督员", "环保员", "委员"]
    for gi, group in enumerate(groups):
        in_group = p_group == gi
        leader = choose(
            rng,
            adult(35, 65) & in_group & ~taken,
            1,
            np.where(male, 4.0, 1.0) * np.where(is_member, 2.0, 1.0),
        )
        if leader.size:
            taken[leader] = True
            seat(body_code(group.code, "村民小组"), int(leader[0]), "组长")
            post(group.code, int(leader[0]), "网格长")
        gc = choose(rng, adult(30, 70) & in_group & ~taken, int(rng.integers(3, 6)))
        taken[gc] = True
        for rank, person in enumerate(gc.tolist()):
            seat(body_code(group.code, "组委会"), person, roles[rank])
        if rng.random() < 0.25:
            worker = choose(rng, adult(25, 50) & in_group & ~taken, 1)
            if worker.size:
                taken[worker] = True
                post(group.code, int(worker[0]), "专职网格员")

    # Micro-grids: the head is a full member living there, a 党员中心户 if there is one.
    for mi, micro in enumerate(micros):
        pool = full & (p_micro == mi) & (age >= 25) & (age <= 72)
        head = choose(rng, pool, 1, np.where(center, 3.0, 1.0))
        if head.size:
            post(micro.code, int(head[0]), "网格长")
    return out
