"""Demo matters: made through the services by the demo users, at several steps of the loop."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from gridgov.cases.models import Matter, MatterEvent
from gridgov.demo.matters import demo_matters_create
from gridgov.demo.signins import ensure_demo_signins

pytestmark = pytest.mark.django_db


def test_matters_at_several_steps_with_timelines(grid):
    ensure_demo_signins()
    made = demo_matters_create(count=30, seed=3)
    assert made.created == Matter.objects.count() == 30
    assert (
        len(made.by_status) >= 3 and "settled" in made.by_status
    ) or "reviewed" in made.by_status
    assert sum(made.by_status.values()) == 30
    assert not Matter.objects.exclude(grid_path__startswith=grid.village.code).exists()
    for matter in Matter.objects.all():
        assert MatterEvent.objects.filter(matter=matter, action="create").count() == 1


def test_command_needs_the_demo_users_and_skips_when_not_empty(grid, capsys):
    with pytest.raises(CommandError, match="demo_signins"):
        call_command("demo_matters")
    ensure_demo_signins()
    call_command("demo_matters", "--count", "5")
    call_command("demo_matters", "--if-empty")
    assert Matter.objects.count() == 5
    assert "跳过" in capsys.readouterr().out
