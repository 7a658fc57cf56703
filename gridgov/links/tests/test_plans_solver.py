"""The plan's solver: optimal against an independent exact solver, rules at their boundaries."""

from __future__ import annotations

import random

import numpy as np
import pytest

from gridgov.links.solver import (
    NONE,
    HouseholdIn,
    LinkerIn,
    Params,
    Problem,
    haversine_m,
    solve,
    solve_exact_check,
    solve_greedy,
)

P = Params(stability_m=300, same_group_bonus_m=200)


def _random_problem(rnd: random.Random) -> Problem:
    m = rnd.randint(0, 6)
    linkers = [
        LinkerIn(
            id=100 + j,
            lat=None if rnd.random() < 0.1 else 23 + rnd.random() * 0.01,
            lng=113 + rnd.random() * 0.01,
            capacity=rnd.randint(0, 8),
            group=rnd.choice("ab"),
            load=rnd.randint(0, 1),
        )
        for j in range(m)
    ]
    ids = [k.id for k in linkers]
    households = [
        HouseholdIn(
            id=1 + i,
            lat=None if rnd.random() < 0.1 else 23 + rnd.random() * 0.01,
            lng=113 + rnd.random() * 0.01,
            priority=rnd.random() < 0.25,
            group=rnd.choice("ab"),
            current=rnd.choice([None, *ids]),
            pinned=rnd.choice(ids) if ids and rnd.random() < 0.05 else None,
        )
        for i in range(rnd.randint(0, 40))
    ]
    return Problem.build("mg", households, linkers)


@pytest.mark.parametrize("seed", range(40))
def test_the_plan_equals_the_exact_solvers_cost_to_the_metre(seed):
    problem = _random_problem(random.Random(seed))
    ours, exact = solve(problem, P), solve_exact_check(problem, P)
    assert ours.figures.priority_covered == exact.figures.priority_covered
    assert ours.figures.covered == exact.figures.covered
    assert ours.objective == exact.objective
    greedy = solve_greedy(problem, P)
    assert greedy.figures.covered == ours.figures.covered
    assert greedy.objective >= ours.objective


def _line(n: int, *, capacity: int, priority: frozenset[int] = frozenset(), **kw) -> Problem:
    """``n`` households 100 m apart eastwards from one linker (id 9)."""
    households = [
        HouseholdIn(id=i + 1, lat=23.0, lng=113.0 + 0.000978 * (i + 1), priority=i + 1 in priority)
        for i in range(n)
    ]
    return Problem.build("mg", households, [LinkerIn(9, 23.0, 113.0, capacity=capacity, **kw)])


def test_capacity_exactly_at_the_limit_covers_all_one_over_leaves_one():
    at = solve(_line(5, capacity=5), P)
    assert at.figures.covered == 5 and at.figures.shortfall == 0
    over = solve(_line(6, capacity=5), P)
    assert over.figures.covered == 5 and over.figures.shortfall == 1
    # The farthest household is the one left: least total distance.
    assert over.linker[5] == NONE


def test_priority_households_come_first_even_when_far():
    sol = solve(_line(6, capacity=5, priority={6}), P)
    assert sol.linker[5] == 9  # the far priority household is covered
    assert sol.figures.priority_covered == 1 and sol.figures.covered == 5
    assert sol.linker[4] == NONE  # the farthest ordinary one is not


def test_load_outside_the_problem_uses_capacity():
    sol = solve(_line(5, capacity=5, load=2), P)
    assert sol.figures.covered == 3


def test_pinned_pairs_are_kept_and_use_capacity():
    households = [
        HouseholdIn(1, 23.0, 113.0, pinned=8),  # next to linker 9, pinned to far linker 8
        HouseholdIn(2, 23.0, 113.05),
        HouseholdIn(3, 23.0, 113.0001),
    ]
    linkers = [LinkerIn(9, 23.0, 113.0, capacity=2), LinkerIn(8, 23.0, 113.05, capacity=1)]
    sol = solve(Problem.build("mg", households, linkers), P)
    assert list(sol.linker) == [8, 9, 9]  # 8 is full with its pin: household 2 goes to 9


def test_a_pin_to_a_linker_outside_the_problem_is_kept():
    households = [HouseholdIn(1, 23.0, 113.0, pinned=77), HouseholdIn(2, 23.0, 113.0)]
    sol = solve(Problem.build("mg", households, [LinkerIn(9, 23.0, 113.0, capacity=1)]), P)
    assert list(sol.linker) == [77, 9]
    assert sol.distance_m[0] == -1


def test_same_group_counts_less_but_never_below_zero():
    households = [HouseholdIn(1, 23.0, 113.0, group="g1")]
    near_other = LinkerIn(8, 23.0, 113.0 + 0.000978 * 1.5, capacity=1, group="g2")  # ≈150 m
    far_same = LinkerIn(9, 23.0, 113.0 + 0.000978 * 3, capacity=1, group="g1")  # ≈300 m
    sol = solve(Problem.build("mg", households, [near_other, far_same]), P)
    assert sol.linker[0] == 9  # 300 − 200 = 100 < 150
    assert sol.objective == 2 * 100 + 601  # a new link: half metres, plus the stability
    sol = solve(Problem.build("mg", households, [far_same]), Params(300, 1000))
    assert sol.objective == 601


def test_an_existing_link_stays_unless_moving_gains_more_than_the_stability_distance():
    def case(lng_far: float) -> tuple[int, int]:
        households = [HouseholdIn(1, 23.0, 113.0, current=8)]
        linkers = [LinkerIn(9, 23.0, 113.0, capacity=1), LinkerIn(8, 23.0, lng_far, capacity=1)]
        sol = solve(Problem.build("mg", households, linkers), Params(300, 0))
        return int(sol.linker[0]), int(sol.distance_m[0])

    # Find the longitudes at which the link in force is 300 and 301 m away (gain of moving).
    step = 1e-7
    lng = 113.0 + 0.0029
    while int(haversine_m(*map(np.array, (23.0, 113.0, 23.0, lng)))) < 300:
        lng += step
    assert case(lng) == (8, 300)  # moving gains exactly 300 m: kept
    while int(haversine_m(*map(np.array, (23.0, 113.0, 23.0, lng)))) < 301:
        lng += step
    assert case(lng) == (9, 0)  # 301 m: moved


def test_a_replan_after_one_member_leaves_moves_only_their_households():
    rnd = random.Random(5)
    linkers = [
        LinkerIn(100 + j, 23 + rnd.random() * 0.01, 113 + rnd.random() * 0.01, capacity=12)
        for j in range(6)
    ]
    households = [
        HouseholdIn(i + 1, 23 + rnd.random() * 0.01, 113 + rnd.random() * 0.01) for i in range(50)
    ]
    first = solve(Problem.build("mg", households, linkers), P)
    linked = [
        HouseholdIn(h.id, h.lat, h.lng, current=int(first.linker[i]))
        for i, h in enumerate(households)
    ]
    again = Problem.build("mg", linked, linkers)
    assert solve(again, P).figures.kept == 50  # nothing changes with nothing changed
    leaver = 100
    theirs = {int(h) for h, k in zip(first.household_ids, first.linker, strict=True) if k == leaver}
    assert theirs
    replan = solve(again.without_linker(leaver), P)
    moved = {
        int(h)
        for h, k, c in zip(replan.household_ids, replan.linker, again.current, strict=True)
        if k != c
    }
    assert moved == theirs
    assert replan.figures.covered == 50


def test_no_location_goes_to_the_centre_and_is_flagged():
    households = [HouseholdIn(1, None, None), HouseholdIn(2, 23.0, 113.0)]
    linkers = [LinkerIn(9, None, 113.0, capacity=2)]
    sol = solve(Problem.build("mg", households, linkers, centre=(23.0, 113.001)), P)
    assert list(sol.at_centre) == [True, False]
    assert sol.distance_m[0] == 0  # both at the centre
    assert sol.distance_m[1] == int(
        haversine_m(np.array(23.0), np.array(113.0), np.array(23.0), np.array(113.001))
    )
    assert sol.figures.at_centre == 1


def test_a_microgrid_without_linkers_has_a_shortfall_not_an_error():
    households = [HouseholdIn(1, 23.0, 113.0, current=5), HouseholdIn(2, 23.0, 113.0)]
    for fn in (solve, solve_exact_check, solve_greedy):
        sol = fn(Problem.build("mg", households, []), P)
        assert sol.figures.shortfall == 2
        assert sol.figures.ended == 1 and sol.figures.uncovered == 1


def test_haversine_is_whole_metres():
    # One degree of latitude on the mean sphere: 111,195 m.
    d = haversine_m(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0]))
    assert int(d[0]) == 111_195
