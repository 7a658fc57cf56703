"""Demo matters on the demo's own grid, at every scale: each step is taken by someone who may.

``make run`` makes its matters on the demo area, not on a test fixture; the area's grid (built
as ``gridgov demo`` builds it, without its households, which routing by point does not need) is
loaded here for every scale, and the matters made for several seeds and counts.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import user_may
from gridgov.cases.models import Channel, Matter, MatterEvent
from gridgov.cases.permissions import REPORT_MATTER
from gridgov.cases.transitions import TRANSITIONS
from gridgov.dataio.services import import_file
from gridgov.demo.generate import _grid_row, _Writers
from gridgov.demo.matters import demo_matters_create
from gridgov.demo.scales import SCALES
from gridgov.demo.signins import ensure_demo_signins, username_for
from gridgov.demo.tree import build_tree
from gridgov.grid.models import GridLevel, GridNode

pytestmark = pytest.mark.django_db


def _load_grid(scale: str, seed: int, tmp_path) -> None:
    county = build_tree(SCALES[scale], np.random.default_rng([seed, 0]))
    writers = _Writers(tmp_path)
    writers.write("grid", [_grid_row(n) for n in county.walk()])
    writers.close()
    result = import_file(kind="grid", path=tmp_path / "grid.csv")
    assert result.ok and not result.error_count


def _events_by_permitted_users() -> None:
    """Every staff step was allowed where the matter was held at that moment (the services
    check it; this reads the stored timeline again, from the matter's place upwards)."""
    for event in MatterEvent.objects.select_related("actor", "matter").exclude(actor=None):
        actor = event.actor
        assert actor is not None  # excluded above; says so to the type checker
        if event.action == "create":
            assert user_may(actor, REPORT_MATTER, event.matter.grid_path), event
            continue
        need = TRANSITIONS[event.action].permission
        held = [event.matter.grid_path[:n] for n in (6, 9, 12, 15, 18)]
        assert any(user_may(actor, need, p) for p in held if p), event


@pytest.mark.parametrize(
    ("scale", "seed", "counts"),
    [
        ("village", 1, (40, 7)),
        ("village", 2, (60,)),
        ("town", 1, (40, 25)),
        ("town", 3, (80,)),
        ("town", 5, (33,)),
        ("county", 2, (40, 60)),
        pytest.param("nanhai", 1, (40,), marks=pytest.mark.slow),
    ],
)
def test_every_scale_seed_and_count(scale, seed, counts, tmp_path):
    _load_grid(scale, seed, tmp_path)
    ensure_demo_signins()
    total = 0
    for i, count in enumerate(counts):
        made = demo_matters_create(count=count, seed=seed + 10 * i)
        total += count
        assert made.created == count == sum(made.by_status.values())
    assert Matter.objects.count() == total
    statuses = Counter(Matter.objects.values_list("status", flat=True))
    assert {"in_progress", "settled", "reviewed"} & set(statuses)
    village = GridNode.objects.get(
        level=GridLevel.VILLAGE, code=Matter.objects.first().grid_path[:12]
    )
    assert not Matter.objects.exclude(grid_path__startswith=village.code).exists()
    # Staff channels carry a reporter who may report there; a public report carries none.
    staff = Matter.objects.exclude(channel=Channel.PUBLIC)
    assert not staff.filter(reporter_user=None).exists()
    assert not Matter.objects.filter(channel=Channel.PUBLIC).exclude(reporter_user=None).exists()
    _events_by_permitted_users()
    # The demo grid worker has matters of their own micro-grid to work on.
    worker = username_for(Role.GRID_WORKER)
    assert MatterEvent.objects.filter(actor__username=worker).exclude(action="create").exists()


def test_same_seed_same_matters(tmp_path):
    _load_grid("town", 4, tmp_path)
    ensure_demo_signins()
    demo_matters_create(count=20, seed=4)
    first = list(Matter.objects.order_by("id").values_list("category__code", "status", "grid_path"))
    Matter.objects.all().delete()
    demo_matters_create(count=20, seed=4)
    again = list(Matter.objects.order_by("id").values_list("category__code", "status", "grid_path"))
    assert first == again
