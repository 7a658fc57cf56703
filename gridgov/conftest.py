"""Fixtures shared by every app's tests: a small grid, households, persons, users with roles."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest

from gridgov.core.context import Source, actor_context
from gridgov.core.identity import make_citizen_id

# Fixtures of residents' matters (grid with boundaries, staff, new_matter), for every app.
pytest_plugins = [
    "gridgov.cases.tests.fixtures",
    "gridgov.testing.world",
    "gridgov.testing.api",
    "gridgov.testing.links",
]

_issued: dict[tuple[str, dt.date, str], int] = {}


def new_citizen_id(
    *, region: str = "440605", birth: dt.date = dt.date(1980, 5, 17), sex: str = "M"
) -> str:
    """A valid, unique ID for tests with exactly the asked birth date and sex.

    A region and birth date hold 500 IDs per sex (3-digit sequence, odd for men); past that the
    region moves to the next Guangdong county code, never the birth date or the sex.
    """
    from gridgov.core.identity import _known_counties

    counties = sorted(c for c in _known_counties() if c.startswith("44"))
    while True:
        n = _issued.get((region, birth, sex), 0)
        if n < 500:
            _issued[(region, birth, sex)] = n + 1
            return make_citizen_id(region, birth, n * 2 + (1 if sex == "M" else 0))
        region = (
            counties[(counties.index(region) + 1) % len(counties)]
            if region in counties
            else "440605"
        )


@dataclass
class Tree:
    county: object
    town: object
    village: object
    group: object
    microgrid: object
    other_village: object
    other_microgrid: object


@pytest.fixture(autouse=True)
def _chinese():
    """Every test starts in the default language, whatever a request of an earlier test in the
    same process activated (Django's locale middleware leaves the thread's language set)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _test_actor():
    with actor_context(source=Source.SYSTEM):
        yield


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Entered calendar days and the micro-grid index are cached per process; a rolled-back test
    says nothing to either."""
    from gridgov.core import workdays
    from gridgov.grid.locate import microgrid_index_reset

    workdays.clear_cache()
    microgrid_index_reset()
    yield
    workdays.clear_cache()
    microgrid_index_reset()


@pytest.fixture
def tree(db) -> Tree:
    """南海区 → 桂城街道 → 两村 (each with a group and a micro-grid)."""
    from gridgov.grid.services import grid_node_create

    county = grid_node_create(code="440605", name="南海区", by=None)
    town = grid_node_create(code="440605001", name="桂城街道", parent=county, by=None)
    village = grid_node_create(code="440605001201", name="平东村", parent=town, by=None)
    group = grid_node_create(code="440605001201001", name="第一村民小组", parent=village, by=None)
    microgrid = grid_node_create(
        code="440605001201001001", name="一组1号微网格", parent=group, by=None
    )
    other_village = grid_node_create(code="440605001202", name="平西村", parent=town, by=None)
    other_group = grid_node_create(
        code="440605001202001", name="第一村民小组", parent=other_village, by=None
    )
    other_microgrid = grid_node_create(
        code="440605001202001001", name="平西1号微网格", parent=other_group, by=None
    )
    return Tree(county, town, village, group, microgrid, other_village, other_microgrid)


@pytest.fixture
def make_household(tree):
    from gridgov.people.services import household_create

    counter = itertools.count(1)

    def make(microgrid=None, **fields):
        mg = microgrid or tree.microgrid
        return household_create(
            number=f"{mg.code}{next(counter):04d}", microgrid=mg, **fields, by=None
        )

    return make


@pytest.fixture
def make_person(make_household):
    from gridgov.people.services import person_create

    def make(household=None, *, name="张三", sex="M", **fields):
        return person_create(
            household=household or make_household(),
            name=name,
            citizen_id=fields.pop("citizen_id", None) or new_citizen_id(sex=sex),
            **fields,
            by=None,
        )

    return make


@pytest.fixture
def make_user(db):
    from gridgov.accounts.services import assignment_create, user_create

    counter = itertools.count(1)

    def make(
        role: str | None = None, node=None, *, superuser: bool = False, password="pw-Test-123"
    ):
        user = user_create(
            username=f"user{next(counter)}", password=password, is_superuser=superuser
        )
        if role and node is not None:
            assignment_create(user=user, node=node, role=role)
        return user

    return make
