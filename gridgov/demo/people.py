"""Households and persons of one village, drawn with numpy.

A household is a set of slots (head, spouse, the head's parents, children, a child's spouse,
grandchildren, a sibling) filled by household type with consistent ages: parents are 20–40 years
older than their children, spouses within a few years of each other. Rates of tags follow
DOMAIN §1 and the brief (低保 ≈3%, 特困 ≈0.5%, 脱贫 ≈5%, 防返贫监测 ≈1%, 军烈属 ≈1%, disability
≈2%).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from . import geometry as geo
from .identity import IdAllocator, day_number, iso_dates
from .names import draw_given_names, draw_surnames
from .tree import Node

YEAR = 365.2425

# Slots of a household, in the order members are listed.
HEAD, SPOUSE, FATHER, MOTHER, CHILD1, CHILD2, CHILD3, CHILD_IN_LAW, GRAND1, GRAND2, SIBLING = range(
    11
)
N_SLOTS = 11
SLOT_RELATION = np.array(
    [
        "户主",
        "配偶",
        "父母",
        "父母",
        "子女",
        "子女",
        "子女",
        "儿媳/女婿",
        "孙子女/外孙子女",
        "孙子女/外孙子女",
        "兄弟姐妹",
    ],
    dtype=object,
)

# Household types: single, couple, nuclear, single parent, three generations (head's married
# child and grandchildren), three generations (head's parents). Mean size ≈ 2.45 persons.
SINGLE, COUPLE, NUCLEAR, SINGLE_PARENT, THREE_DOWN, THREE_UP = range(6)
TYPE_P_NATIVE = np.array([0.27, 0.26, 0.30, 0.06, 0.065, 0.045])
TYPE_P_MIGRANT = np.array([0.35, 0.25, 0.35, 0.05, 0.0, 0.0])

# Where residents' IDs were first issued: the district (and its predecessor 南海市, 440682,
# until 2002), Foshan's other districts for some married-in spouses, other Guangdong counties
# for migrants (湛江, 茂名, 梅州, 揭阳, 汕尾, 肇庆, 清远, 江门).
HOME = "440605"
OLD_HOME = "440682"
NEARBY = ["440604", "440606", "440607", "440608", "440106"]
MIGRANT_REGIONS = [
    "440881",
    "440882",
    "440825",
    "440904",
    "441481",
    "445202",
    "445281",
    "441521",
    "441581",
    "441226",
    "441802",
    "441882",
    "440783",
]
REGIONS = [HOME, OLD_HOME, *NEARBY, *MIGRANT_REGIONS]
_NEARBY_IDX = np.array([REGIONS.index(r) for r in NEARBY])
_MIGRANT_IDX = np.array([REGIONS.index(r) for r in MIGRANT_REGIONS])

# Mobile number prefixes in use (China Mobile, Unicom, Telecom, Broadnet).
MOBILE_PREFIXES = np.array(
    [
        *(f"1{d}" for d in range(30, 40)),
        *("150", "151", "152", "153", "155", "156", "157", "158", "159", "166"),
        *("173", "175", "176", "177", "178", "191", "198", "199"),
        *(f"1{d}" for d in range(80, 90)),
    ],
    dtype=object,
)
LANES = np.array(
    [
        *("大街", "东街", "西街", "南街", "北街", "新村路", "中和坊", "东一巷", "东二巷"),
        *("西一巷", "西二巷", "南一巷", "北一巷", "前进路", "兴业路", "振兴路", "文明路"),
        *("福安里", "永安里", "怡景坊", "龙田坊", "康乐路", "和平路", "仁寿里"),
    ],
    dtype=object,
)
DISABILITY_LABELS = np.array(
    ["肢体残疾", "视力残疾", "听力残疾", "言语残疾", "智力残疾", "精神残疾", "多重残疾"],
    dtype=object,
)
DISABILITY_P = np.array([0.45, 0.13, 0.15, 0.02, 0.08, 0.10, 0.07])
SPECIAL_LABELS = np.array(
    ["刑满释放人员", "社区矫正对象", "严重精神障碍患者", "吸毒人员", "艾滋病危险性人员"],
    dtype=object,
)
SPECIAL_RATES = np.array([0.0015, 0.0004, 0.002, 0.0005, 0.0001])
HEALTH_NOTES = np.array(
    ["高血压", "糖尿病", "高血压、糖尿病", "冠心病", "慢性阻塞性肺病", "关节炎", "脑卒中后遗症"],
    dtype=object,
)
ILLNESS_NOTES = np.array(
    ["恶性肿瘤", "尿毒症（透析）", "重症肌无力", "白血病", "器官移植术后"], dtype=object
)


@dataclass
class VillagePeople:
    """One village's households (``h_*``) and persons (``p_*``), column by column."""

    h_number: np.ndarray
    h_micro: np.ndarray  # index into the village's micro-grids
    h_rows: list[tuple]  # CSV rows of households
    p_household: np.ndarray  # index into households
    p_slot: np.ndarray
    p_male: np.ndarray
    p_birth: np.ndarray  # day numbers since 1900-01-01
    p_age: np.ndarray  # whole years at the reference date
    p_id: np.ndarray
    p_name: np.ndarray
    p_residence: np.ndarray  # labels
    p_rows: list[tuple]  # CSV rows of persons

    @property
    def p_micro(self) -> np.ndarray:
        return self.h_micro[self.p_household]


def _u(rng: np.random.Generator, lo, hi, n: int) -> np.ndarray:
    return lo + (np.asarray(hi) - np.asarray(lo)) * rng.random(n)


def _age_gap(rng: np.random.Generator, n: int) -> np.ndarray:
    """Years a husband is older than his wife (–3 to 9, mostly 1–4)."""
    return np.clip(rng.normal(2.5, 2.5, n), -3, 9)


def _at_least(rng: np.random.Generator, ages: np.ndarray, floor: float) -> np.ndarray:
    """Ages below ``floor`` redrawn just above it (clipping would pile them on one birthday)."""
    return np.where(ages < floor, floor + 3 * rng.random(len(ages)), ages)


def _children(rng, lo: np.ndarray, hi: np.ndarray, first: np.ndarray, k: np.ndarray):
    """Ages of up to three children between ``lo`` and ``hi`` (NaN where absent)."""
    n = len(lo)
    ages = np.full((n, 3), np.nan)
    current = np.where(first, _u(rng, lo, np.maximum(lo, hi), n), np.nan)
    for i in range(3):
        ok = first & (k > i) & (current >= lo) & (current >= 0.02)
        ages[:, i] = np.where(ok, current, np.nan)
        current = current - _u(rng, 1.5, 6.0, n)
    return ages


def compose(rng: np.random.Generator, n: int, migrant: np.ndarray):
    """Ages (years, NaN = no such member) and sexes of each slot of ``n`` households."""
    kind = np.where(
        migrant,
        rng.choice(6, size=n, p=TYPE_P_MIGRANT),
        rng.choice(6, size=n, p=TYPE_P_NATIVE),
    )
    age = np.full((n, N_SLOTS), np.nan)
    male = np.zeros((n, N_SLOTS), dtype=bool)
    u = rng.random(n)
    head = np.select(
        [
            kind == SINGLE,
            kind == COUPLE,
            kind == NUCLEAR,
            kind == SINGLE_PARENT,
            kind == THREE_DOWN,
        ],
        [
            np.where(u < 0.5, _u(rng, 62, 90, n), _u(rng, 20, 60, n)),
            np.where(u < 0.4, _u(rng, 22, 35, n), _u(rng, 50, 85, n)),
            _u(rng, 26, 56, n),
            _u(rng, 28, 60, n),
            _u(rng, 52, 85, n),
        ],
        _u(rng, 30, 55, n),
    )
    head = np.where(
        migrant, np.where(np.isin(kind, [NUCLEAR, SINGLE_PARENT]), _u(rng, 24, 50, n), head), head
    )
    head = np.where(migrant & ~np.isin(kind, [NUCLEAR, SINGLE_PARENT]), _u(rng, 20, 50, n), head)
    p_male = np.select(
        [kind == SINGLE, kind == SINGLE_PARENT], [np.where(head >= 60, 0.4, 0.6), 0.35], 0.85
    )
    head_male = rng.random(n) < p_male
    age[:, HEAD] = head
    male[:, HEAD] = head_male

    has_spouse = np.isin(kind, [COUPLE, NUCLEAR, THREE_UP]) | (
        (kind == THREE_DOWN) & (rng.random(n) < 0.75)
    )
    gap = _age_gap(rng, n)
    spouse = _at_least(rng, np.where(head_male, head - gap, head + gap), 20.5)
    age[:, SPOUSE] = np.where(has_spouse, spouse, np.nan)
    male[:, SPOUSE] = ~head_male

    # Parents' ages bound their children's: 20–40 years younger than each parent.
    p_old = np.where(has_spouse, np.maximum(head, spouse), head)
    p_young = np.where(has_spouse, np.minimum(head, spouse), head)
    lo = np.maximum(p_old - 40, 0.0)
    hi = p_young - 20
    k = np.select(
        [kind == NUCLEAR, kind == SINGLE_PARENT, kind == THREE_UP],
        [
            rng.choice([1, 2, 3], size=n, p=[0.55, 0.38, 0.07]),
            rng.choice([1, 2], size=n, p=[0.7, 0.3]),
            rng.choice([1, 2], size=n, p=[0.6, 0.4]),
        ],
        0,
    )
    has_kids = np.isin(kind, [NUCLEAR, SINGLE_PARENT, THREE_UP]) & (hi > 0.02)
    kids = _children(rng, lo, hi, has_kids, k)
    age[:, CHILD1 : CHILD3 + 1] = kids
    male[:, CHILD1 : CHILD3 + 1] = rng.random((n, 3)) < 0.515

    # Three generations down: a married child (mostly a son) with spouse and children.
    down = kind == THREE_DOWN
    c_lo = np.maximum(p_old - 40, 22.0)
    c1 = _u(rng, c_lo, np.maximum(c_lo, hi), n)
    c1_male = rng.random(n) < 0.85
    gap = _age_gap(rng, n)
    cil = _at_least(rng, np.where(c1_male, c1 - gap, c1 + gap), 20.5)
    age[:, CHILD1] = np.where(down, c1, age[:, CHILD1])
    male[:, CHILD1] = np.where(down, c1_male, male[:, CHILD1])
    age[:, CHILD_IN_LAW] = np.where(down, cil, np.nan)
    male[:, CHILD_IN_LAW] = ~c1_male
    unmarried = down & (rng.random(n) < 0.2)
    c2 = _u(rng, lo, np.maximum(lo, hi), n)
    age[:, CHILD2] = np.where(unmarried, c2, age[:, CHILD2])
    g_lo = np.maximum(np.maximum(c1, cil) - 40, 0.0)
    g_hi = np.minimum(c1, cil) - 20
    kg = rng.choice([0, 1, 2], size=n, p=[0.15, 0.5, 0.35])
    grand = _children(rng, g_lo, g_hi, down & (g_hi > 0.02), kg)
    age[:, GRAND1] = grand[:, 0]
    age[:, GRAND2] = grand[:, 1]
    male[:, GRAND1 : GRAND2 + 1] = rng.random((n, 2)) < 0.515

    # Three generations up: the head's parents live with the family.
    up = kind == THREE_UP
    father = head + _u(rng, 24, 38, n)
    mother = np.clip(father - np.clip(rng.normal(3, 2.5, n), -2, 9), head + 20, head + 40)
    has_father = up & (rng.random(n) < 0.45) & (father <= 98)
    has_mother = up & ((rng.random(n) < 0.85) | ~has_father) & (mother <= 100)
    age[:, FATHER] = np.where(has_father, father, np.nan)
    age[:, MOTHER] = np.where(has_mother, mother, np.nan)
    male[:, FATHER] = True

    sibling = np.isin(kind, [NUCLEAR, THREE_UP]) & ~migrant & (rng.random(n) < 0.03)
    age[:, SIBLING] = np.where(sibling, _at_least(rng, head + _u(rng, -10, 10, n), 18), np.nan)
    male[:, SIBLING] = rng.random(n) < 0.5
    return kind, age, male


def surnames(rng, n: int, village_p: np.ndarray, head_male: np.ndarray, present: np.ndarray):
    """Surname of each slot: children take the father's, the head's parents the head's."""
    sur = np.empty((n, N_SLOTS), dtype=object)
    head = draw_surnames(rng, n, village_p)
    spouse = draw_surnames(rng, n)
    sur[:, HEAD] = head
    sur[:, SPOUSE] = spouse
    sur[:, FATHER] = head
    sur[:, MOTHER] = draw_surnames(rng, n)
    other = draw_surnames(rng, n)
    child = np.where(
        head_male,
        head,
        np.where(present[:, SPOUSE], spouse, np.where(rng.random(n) < 0.3, head, other)),
    )
    sur[:, CHILD1] = sur[:, CHILD2] = sur[:, CHILD3] = child
    sur[:, CHILD_IN_LAW] = draw_surnames(rng, n)
    return sur, head, child


def village_people(
    village: Node,
    rng: np.random.Generator,
    *,
    ids: IdAllocator,
    as_of: dt.date,
    village_p: np.ndarray,
) -> VillagePeople:
    micros = [m for g in village.children for m in g.children]
    counts = np.array([m.households for m in micros])
    n = int(counts.sum())
    h_micro = np.repeat(np.arange(len(micros)), counts)
    serial = np.concatenate([np.arange(1, c + 1) for c in counts])
    micro_codes = np.array([m.code for m in micros], dtype=object)
    h_number = micro_codes[h_micro] + np.char.zfill(serial.astype(str), 4).astype(object)

    # Residence of the household: registered here, migrant, or long-term resident.
    h_res = rng.choice(3, size=n, p=[0.85, 0.10, 0.05])  # 户籍, 流动, 常住
    migrant = h_res > 0
    kind, age, male = compose(rng, n, migrant)
    present = ~np.isnan(age)
    sur, head_sur, child_sur = surnames(rng, n, village_p, male[:, HEAD], present)
    grand_sur = np.where(male[:, CHILD1], child_sur, sur[:, CHILD_IN_LAW])
    sur[:, GRAND1] = sur[:, GRAND2] = grand_sur
    sur[:, SIBLING] = head_sur

    hh, slot = np.nonzero(present)
    p_age_f = age[hh, slot]
    p_male = male[hh, slot]
    today = day_number(as_of)
    birth = np.minimum(today - np.floor(p_age_f * YEAR).astype(np.int64), today - 1)
    p_age = ((today - birth) / YEAR).astype(int)
    birth_year = 1900 + (birth / YEAR).astype(int)
    m = len(hh)

    # ID regions: the household's, some married-in spouses from elsewhere, and the district's
    # pre-2002 code for some older natives.
    h_region = np.where(
        migrant, _MIGRANT_IDX[rng.integers(0, len(_MIGRANT_IDX), n)], REGIONS.index(HOME)
    )
    region = h_region[hh]
    native = ~migrant[hh]
    married_in = np.isin(slot, [SPOUSE, CHILD_IN_LAW, MOTHER]) & native
    u = rng.random(m)
    region = np.where(married_in & (u < 0.12), _NEARBY_IDX[rng.integers(0, len(NEARBY), m)], region)
    region = np.where(
        married_in & (u >= 0.12) & (u < 0.25),
        _MIGRANT_IDX[rng.integers(0, len(_MIGRANT_IDX), m)],
        region,
    )
    old = native & ~married_in & (birth_year < 2002) & (rng.random(m) < 0.15)
    region = np.where(old, REGIONS.index(OLD_HOME), region)
    p_id = ids.allocate(region, birth, p_male)
    p_name = sur[hh, slot] + draw_given_names(rng, np.where(p_male, "M", "F"), birth_year)

    # Residence of each person: some registered adults live and work elsewhere (人户分离).
    away_p = np.where(slot == HEAD, 0.04, 0.12)
    away = native & (p_age >= 18) & (p_age <= 45) & (rng.random(m) < away_p)
    residence = np.where(
        away, "人户分离", np.array(["户籍", "流动", "常住"], dtype=object)[h_res[hh]]
    ).astype(object)
    h_away = np.bincount(hh, weights=away, minlength=n) > 0
    h_away_male = np.bincount(hh, weights=away & p_male, minlength=n) > 0
    stays = h_away[hh] & ~away
    left = np.full(m, "", dtype=object)
    left[stays & (p_age >= 60)] = "留守老人"
    woman = stays & ~p_male & (p_age >= 18) & (p_age < 60) & h_away_male[hh]
    left[woman & np.isin(slot, [HEAD, SPOUSE, CHILD_IN_LAW])] = "留守妇女"
    left[stays & (p_age < 16) & np.isin(slot, [CHILD1, CHILD2, CHILD3, GRAND1, GRAND2])] = (
        "留守儿童"
    )
    size = np.bincount(hh, minlength=n)
    elderly_home = (kind == SINGLE) | ((kind == COUPLE) & (size == 2))
    h_min_age = np.full(n, 999)
    np.minimum.at(h_min_age, hh, p_age)
    alone = (elderly_home & (h_min_age >= 60))[hh]

    adult = p_age >= 18
    has_phone = adult & (rng.random(m) < np.where(p_age < 70, 0.93, 0.6))
    phones = np.where(
        has_phone,
        MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), m)]
        + np.char.zfill(rng.integers(0, 10**8, m).astype(str), 8).astype(object),
        "",
    )

    # Sensitive tags (stored apart by the importer).
    p_dis = np.select([p_age < 18, p_age < 60], [0.008, 0.015], 0.05)
    disabled = rng.random(m) < p_dis
    dis_label = np.where(
        disabled, DISABILITY_LABELS[rng.choice(len(DISABILITY_LABELS), m, p=DISABILITY_P)], ""
    )
    grade = np.where(disabled, rng.choice([1, 2, 3, 4], m, p=[0.12, 0.22, 0.28, 0.38]), 0)
    special = np.full(m, "", dtype=object)
    draw = rng.random(m)
    edge = 0.0
    for label, rate in zip(SPECIAL_LABELS, SPECIAL_RATES, strict=True):
        hit = (draw >= edge) & (draw < edge + rate) & (p_age >= 16)
        special[hit] = label
        edge += rate
    illness = rng.random(m) < np.where(p_age >= 50, 0.02, 0.003)
    note = np.where(
        illness,
        ILLNESS_NOTES[rng.integers(0, len(ILLNESS_NOTES), m)],
        np.where(
            (p_age >= 60) & (rng.random(m) < 0.15),
            HEALTH_NOTES[rng.integers(0, len(HEALTH_NOTES), m)],
            "",
        ),
    )

    # Household tags.
    h_disabled = np.bincount(hh, weights=disabled, minlength=n) > 0
    tekun = rng.random(n) < np.where((kind == SINGLE) & (age[:, HEAD] >= 60), 0.025, 0.0012)
    dibao = ~tekun & (rng.random(n) < 0.025 + 0.1 * h_disabled)
    tuopin = ~migrant & (rng.random(n) < 0.059)
    u = rng.random(n)
    monitoring = np.where(
        tuopin & (u < 0.1),
        "脱贫不稳定户",
        np.where(
            ~tuopin & (u < 0.004),
            "边缘易致贫户",
            np.where(~tuopin & (u >= 0.004) & (u < 0.0055), "突发严重困难户", ""),
        ),
    )
    military = rng.random(n) < 0.01

    # Where each household lives: a random point inside its micro-grid; the lane follows it.
    points = np.empty((n, 2))
    offset = 0
    for micro, count in zip(micros, counts, strict=True):
        points[offset : offset + count] = geo.random_points(micro.shape, int(count), rng)
        offset += count
    lnglat = geo.km_to_lnglat(points)
    lat = np.round(lnglat[:, 1], 6)
    lng = np.round(lnglat[:, 0], 6)
    lanes = LANES[rng.integers(0, len(LANES), n)]
    doors = rng.integers(1, 160, n)
    prefix = f"{village.town_name}{village.name}"
    yes = np.array(["否", "是"], dtype=object)
    h_rows = list(
        zip(
            h_number.tolist(),
            micro_codes[h_micro].tolist(),
            [f"{prefix}{lane}{door}号" for lane, door in zip(lanes, doors.tolist(), strict=True)],
            [f"{v:.6f}" for v in lat],
            [f"{v:.6f}" for v in lng],
            yes[dibao.astype(int)].tolist(),
            yes[tekun.astype(int)].tolist(),
            yes[tuopin.astype(int)].tolist(),
            monitoring.tolist(),
            yes[military.astype(int)].tolist(),
            strict=True,
        )
    )
    p_rows = list(
        zip(
            p_id.tolist(),
            p_name.tolist(),
            np.where(p_male, "男", "女").tolist(),
            iso_dates(birth).tolist(),
            h_number[hh].tolist(),
            SLOT_RELATION[slot].tolist(),
            phones.tolist(),
            residence.tolist(),
            left.tolist(),
            yes[alone.astype(int)].tolist(),
            special.tolist(),
            dis_label.tolist(),
            [str(g) if g else "" for g in grade.tolist()],
            yes[illness.astype(int)].tolist(),
            note.tolist(),
            strict=True,
        )
    )
    return VillagePeople(
        h_number=h_number,
        h_micro=h_micro,
        h_rows=h_rows,
        p_household=hh,
        p_slot=slot,
        p_male=p_male,
        p_birth=birth,
        p_age=p_age,
        p_id=p_id,
        p_name=p_name,
        p_residence=residence,
        p_rows=p_rows,
    )
