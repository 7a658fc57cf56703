"""Fixtures of the matters tests (registered for every app by the root conftest): the shared grid
with boundaries, handlers at each level, a matter factory."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from gridgov.cases.intake import matter_create
from gridgov.cases.models import Category, Channel
from gridgov.grid.services import grid_node_update

# Two micro-grids side by side near Guicheng (≈ 0.01° ≈ 1 km squares).
LNG0, LAT0 = 113.15, 23.03
INSIDE_A = (LAT0 + 0.005, LNG0 + 0.005)  # inside micro-grid A (平东)
INSIDE_B = (LAT0 + 0.005, LNG0 + 0.015)  # inside micro-grid B (平西)


def square(lng: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


@dataclass
class Staff:
    county: Any
    town: Any
    village: Any
    other_village: Any
    worker: Any
    worker2: Any
    group_leader: Any
    other_worker: Any
    supervisor: Any
    viewer: Any


@pytest.fixture
def grid(tree):
    grid_node_update(node=tree.microgrid, data={"boundary": square(LNG0, LAT0)}, by=None)
    grid_node_update(
        node=tree.other_microgrid, data={"boundary": square(LNG0 + 0.01, LAT0)}, by=None
    )
    tree.microgrid.refresh_from_db()
    tree.other_microgrid.refresh_from_db()
    return tree


@pytest.fixture
def staff(grid, make_user) -> Staff:
    return Staff(
        county=make_user("county_admin", grid.county),
        town=make_user("town_cadre", grid.town),
        village=make_user("village_cadre", grid.village),
        other_village=make_user("village_cadre", grid.other_village),
        worker=make_user("grid_worker", grid.microgrid),
        worker2=make_user("grid_worker", grid.microgrid),
        group_leader=make_user("group_leader", grid.group),
        other_worker=make_user("grid_worker", grid.other_microgrid),
        supervisor=make_user("supervisor", grid.village),
        viewer=make_user("viewer", grid.village),
    )


@pytest.fixture
def default_categories(db):
    """The categories of the data migrations, put back for transactional tests: an earlier
    transactional test flushes every table, data migrations' rows included."""
    import importlib

    from django.apps import apps

    for name in ("0002_default_categories", "0003_category_is_public"):
        migration = importlib.import_module(f"gridgov.cases.migrations.{name}")
        (migration.load if hasattr(migration, "load") else migration.publish)(apps, None)


@pytest.fixture
def category():
    return Category.objects.get(code="dispute")


@pytest.fixture
def new_matter(grid, staff, category):
    def make(**kw: Any):
        kw.setdefault("category", category)
        kw.setdefault("description", "邻居占用通道，多次协商不成")
        kw.setdefault("channel", Channel.STAFF)
        kw.setdefault("reporter_user", staff.worker)
        if not any(k in kw for k in ("household", "lat", "place", "address")):
            kw["lat"], kw["lng"] = INSIDE_A
        return matter_create(**kw)

    return make


def monday(hour: int = 9) -> dt.datetime:
    """2026-11-30, an ordinary Monday, Beijing time."""
    from zoneinfo import ZoneInfo

    return dt.datetime(2026, 11, 30, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="session")
def _media_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings, _media_dir):
    """Uploaded photos go to a temporary directory, never into var/media."""
    settings.MEDIA_ROOT = str(_media_dir)
