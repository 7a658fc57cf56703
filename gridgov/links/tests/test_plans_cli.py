"""``gridgov links plan``: figures printed, --apply as an administrator, clean errors."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from gridgov.links.models import Link, LinkPlan, PlanStatus

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("links", *args, stdout=out)
    return out.getvalue()


def test_plan_prints_its_figures_and_stores_a_draft(linking, world):
    text = _run("plan", "--under", world.tree.village.code)
    plan = LinkPlan.objects.get()
    t = plan.figures["total"]
    assert plan.status == PlanStatus.DRAFT
    assert f"覆盖 {t['covered']}/{t['households']}" in text
    assert f"重点户覆盖 {t['priority_covered']}/{t['priority']}" in text
    assert f"总距离 {t['total_distance_m']} 米" in text
    assert "调整 0 户" in text
    assert f"缺口 {t['shortfall']} 户" in text
    assert not Link.objects.exists()


def test_plan_lists_the_microgrids_short_of_capacity(world, make_household):
    for _ in range(2):
        make_household(world.tree.other_microgrid)
    text = _run("plan", "--under", world.tree.other_village.code)
    assert f"{world.tree.other_microgrid.code} {world.tree.other_microgrid.name}：缺口" in text


def test_apply_needs_a_user_and_applies_as_them(linking, world, make_user):
    with pytest.raises(CommandError, match="--user"):
        _run("plan", "--under", world.tree.microgrid.code, "--apply")
    assert not LinkPlan.objects.exists()
    admin = make_user(superuser=True)
    text = _run("plan", "--under", world.tree.microgrid.code, "--apply", "--user", admin.username)
    plan = LinkPlan.objects.get()
    assert "已批准并生效" in text
    assert plan.status == PlanStatus.APPLIED
    assert plan.approval_meeting == "命令行" and plan.applied_by == admin
    assert Link.objects.filter(plan=plan).count() == plan.figures["total"]["added"]


def test_errors_are_clean(world):
    with pytest.raises(CommandError, match="没有网格"):
        _run("plan", "--under", "999999")
    with pytest.raises(CommandError, match="没有有效用户"):
        _run("plan", "--under", world.tree.microgrid.code, "--apply", "--user", "nobody")
    with pytest.raises(CommandError):
        _run("plan", "--under", world.tree.microgrid.code, "--user", world.outsider.username)
    assert not LinkPlan.objects.exists()


def test_the_command_line_exits_non_zero_without_a_traceback(world, capsys):
    from gridgov.links.management.commands.links import Command

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["gridgov", "links", "plan", "--under", "x"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "没有网格 x" in err and "Traceback" not in err
