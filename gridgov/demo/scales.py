"""Demo scales, sized from Nanhai district's published figures (DOMAIN §1, seed 000).

Nanhai: 7 towns, 286 villages/communities, 2,081 villager groups, 5,156 micro-grids, about
1.2 million households and 2.91 million residents, about 44,000 party members. Smaller scales
keep Nanhai's densities (groups per village, micro-grids per group, households per micro-grid)
and take fewer villages.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTY_CODE = "440605"
COUNTY_NAME = "南海区"
CITY_NAME = "佛山市"
# Rough centre and extent of the district (about 1,070 km²).
CENTER_LNG, CENTER_LAT = 113.04, 23.02
AREA_KM2 = 1070.0


@dataclass(frozen=True)
class Town:
    suffix: str  # 3 digits: GB/T 10114 segments, 001–099 街道 and 100–199 镇
    name: str
    villages: int  # villages and communities in the whole town (its cells on the map)
    lng: float  # where the town lies, so that the map looks like Nanhai
    lat: float
    area_km2: float

    @property
    def is_subdistrict(self) -> bool:
        return self.name.endswith("街道")


# Nanhai's seven towns with their approximate village counts (sum 286), positions and areas.
# The township codes follow GB/T 10114's segments; they are illustrative, not the official ones.
NANHAI_TOWNS: tuple[Town, ...] = (
    Town("011", "桂城街道", 51, 113.150, 23.030, 84),
    Town("121", "九江镇", 24, 112.990, 22.850, 95),
    Town("122", "西樵镇", 34, 112.960, 22.935, 177),
    Town("123", "丹灶镇", 22, 112.915, 23.040, 143),
    Town("124", "狮山镇", 76, 113.010, 23.130, 330),
    Town("125", "大沥镇", 50, 113.110, 23.110, 100),
    Town("126", "里水镇", 29, 113.160, 23.190, 148),
)

NANHAI_GROUPS = 2081
NANHAI_MICROGRIDS = 5156
NANHAI_HOUSEHOLDS = 1_200_000
PARTY_MEMBER_RATE = 44_000 / 2_910_000  # ≈1.5%: 44,000 members of 2.91 million residents
BRANCH_SHARE = 1748 / 2081  # groups with their own party branch


@dataclass(frozen=True)
class Scale:
    """What to generate. Counts are totals over the whole area; a pair is a range to draw from.

    ``towns`` lists (index into NANHAI_TOWNS, villages kept); kept villages are the cells
    nearest the town's seat, so every village keeps a realistic size on the map.
    """

    name: str
    towns: tuple[tuple[int, int], ...]
    groups: int | tuple[int, int]
    microgrids: int | tuple[int, int]
    households: int | tuple[int, int]
    min_households_per_microgrid: int = 40


def _scaled(villages: int) -> tuple[int, int, int]:
    groups = round(villages * NANHAI_GROUPS / 286)
    microgrids = round(groups * NANHAI_MICROGRIDS / NANHAI_GROUPS)
    households = round(microgrids * NANHAI_HOUSEHOLDS / NANHAI_MICROGRIDS)
    return groups, microgrids, households


SCALES: dict[str, Scale] = {
    # The `make run` demo: one village, loads in seconds.
    "village": Scale(
        "village",
        ((2, 1),),
        groups=(4, 6),
        microgrids=(11, 13),
        households=(600, 900),
        min_households_per_microgrid=30,
    ),
    "town": Scale("town", ((4, 15),), *_scaled(15)),
    "county": Scale("county", ((4, 20), (5, 20)), *_scaled(40)),
    "nanhai": Scale(
        "nanhai",
        tuple((i, t.villages) for i, t in enumerate(NANHAI_TOWNS)),
        NANHAI_GROUPS,
        NANHAI_MICROGRIDS,
        NANHAI_HOUSEHOLDS,
    ),
}
