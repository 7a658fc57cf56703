"""The link plan (联户方案) at nanhai scale: compute, check, baseline, re-plan, store.

    python -m bench.links_plan [--seed 1] [--samples 60] [--engines sqlite,postgres]
    python -m bench.run --only links_plan

Synthetic data, generated in memory from a fixed seed: 5,156 micro-grids (nanhai's number) over
a 35 × 33 km box, 1.2 million households scattered around their micro-grid's centre (2 % without
a location, 8 % priority households), 44,000 linkers (Poisson per micro-grid; a fifth are 党员中心户
with capacity 10, the rest capacity 20) living in households of their micro-grid. Then:

1. in memory (``gridgov.links.solver``, no database): the whole county's plan by OR-Tools'
   min-cost flow, one problem per micro-grid: seconds and peak RSS;
2. the same plan against networkx's network simplex (an independent exact solver) on sampled
   micro-grids: priority coverage, coverage and objective equal on every sample;
3. the greedy baseline (priority first, each household to the nearest linker with capacity left)
   on the whole county: coverage and total distance beside the optimal plan's;
4. a one-member re-plan: a micro-grid whose links are in force loses a linker; the solve time,
   and how many households move;
5. for each engine (a fresh database, data inserted by bulk_create, not timed): the service's
   own steps (``gridgov.links.planning``) for the county: the basis, loading the problems, solving,
   storing the plan's 1.2 million lines (PlanAssignment rows); then a micro-grid's re-plan through
   ``plan_compute`` after one of its linkers leaves.

Targets (issue 15): compute ≤ 20 s, store ≤ 60 s, re-plan ≤ 1 s, optimal on every sample.
Figures go to stdout and bench/results/links-plan-<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

MICROGRIDS = 5_156
HOUSEHOLDS = 1_200_000
LINKERS = 44_000
BOX = (22.95, 112.90, 23.25, 113.28)  # lat0, lng0, lat1, lng1
SPREAD_DEG = 0.0025  # households lie within about 250 m (σ) of their micro-grid's centre


@dataclass
class Grid:
    code: str
    lat: float
    lng: float
    hh_lat: np.ndarray
    hh_lng: np.ndarray
    priority: np.ndarray
    lk_home: np.ndarray  # index of the household each linker lives in
    lk_kind: list[str]


def mg_code(i: int) -> str:
    t, v, g, k = i // 1000, (i // 50) % 20, (i // 5) % 10, i % 5
    return f"440605{t + 1:03d}{v + 201:03d}{g + 1:03d}{k + 1:03d}"


def generate(seed: int, microgrids: int, households: int, linkers: int) -> list[Grid]:
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(households, np.full(microgrids, 1 / microgrids))
    counts = rng.poisson(linkers / microgrids, microgrids)
    lat0, lng0, lat1, lng1 = BOX
    grids = []
    for i in range(microgrids):
        n = int(sizes[i])
        m = min(int(counts[i]), n)
        clat, clng = lat0 + rng.random() * (lat1 - lat0), lng0 + rng.random() * (lng1 - lng0)
        hh_lat = clat + rng.normal(0, SPREAD_DEG, n)
        hh_lng = clng + rng.normal(0, SPREAD_DEG, n)
        missing = rng.random(n) < 0.02
        missing[:m] = False  # linkers' homes are located
        hh_lat[missing] = np.nan
        hh_lng[missing] = np.nan
        kinds = ["center" if rng.random() < 0.2 else "member" for _ in range(m)]
        grids.append(
            Grid(
                code=mg_code(i),
                lat=clat,
                lng=clng,
                hh_lat=hh_lat,
                hh_lng=hh_lng,
                priority=rng.random(n) < 0.08,
                lk_home=np.arange(m),
                lk_kind=kinds,
            )
        )
    return grids


CAPACITY = {"center": 10, "member": 20}


def problems_of(grids: list[Grid]) -> list[Any]:
    from gridgov.links.solver import Problem

    out = []
    hh_id, lk_id = 1, 1
    for g in grids:
        n, m = len(g.hh_lat), len(g.lk_kind)
        out.append(
            Problem(
                key=g.code,
                household_ids=np.arange(hh_id, hh_id + n, dtype=np.int64),
                hh_lat=g.hh_lat,
                hh_lng=g.hh_lng,
                priority=g.priority,
                hh_group=np.ones(n, dtype=np.int64),
                current=np.zeros(n, dtype=np.int64),
                pinned=np.zeros(n, dtype=np.int64),
                linker_ids=np.arange(lk_id, lk_id + m, dtype=np.int64),
                lk_lat=g.hh_lat[g.lk_home],
                lk_lng=g.hh_lng[g.lk_home],
                lk_group=np.ones(m, dtype=np.int64),
                capacity=np.array([CAPACITY[k] for k in g.lk_kind], dtype=np.int64),
                linker_load=np.zeros(m, dtype=np.int64),
                centre=(g.lat, g.lng),
            )
        )
        hh_id += n
        lk_id += m
    return out


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def in_memory(args: argparse.Namespace) -> dict[str, Any]:
    from gridgov.links import solver

    params = solver.Params(stability_m=300, same_group_bonus_m=200)
    t0 = time.perf_counter()
    grids = generate(args.seed, args.microgrids, args.households, args.linkers)
    problems = problems_of(grids)
    gen_s = time.perf_counter() - t0
    rss_before = rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    optimal = solver.solve_all(problems, params)
    compute_s, compute_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    rss_after = rss_mb()
    opt = solver.total(optimal)
    print(f"  county plan: {compute_s:.1f} s, peak RSS {rss_after} MB", flush=True)

    rng = np.random.default_rng(args.seed + 1)
    sample = sorted(rng.choice(len(problems), size=min(args.samples, len(problems)), replace=False))
    checks = []
    t0 = time.perf_counter()
    for i in sample:
        exact = solver.solve_exact_check(problems[i], params)
        ours = optimal[i]
        checks.append(
            {
                "key": problems[i].key,
                "households": ours.figures.households,
                "linkers": ours.figures.linkers,
                "equal": (
                    exact.figures.priority_covered == ours.figures.priority_covered
                    and exact.figures.covered == ours.figures.covered
                    and exact.objective == ours.objective
                ),
                "objective": ours.objective,
                "exact_objective": exact.objective,
            }
        )
    exact_s = time.perf_counter() - t0
    equal = sum(c["equal"] for c in checks)
    print(f"  exact check: {equal}/{len(checks)} equal ({exact_s:.1f} s)", flush=True)

    t0 = time.perf_counter()
    greedy = solver.solve_all(problems, params, method="greedy")
    greedy_s = time.perf_counter() - t0
    gr = solver.total(greedy)
    print(f"  greedy: {greedy_s:.1f} s", flush=True)

    # One-member re-plan: links in force as planned; the micro-grid's busiest linker leaves.
    sizes = [(p.linker_ids.size, i) for i, p in enumerate(problems)]
    pick = max(i for m, i in sizes if m == 9) if any(m == 9 for m, _ in sizes) else sizes[0][1]
    p = problems[pick]
    p.current = optimal[pick].linker.copy()
    ids, counts = np.unique(p.current[p.current != 0], return_counts=True)
    leaver = int(ids[np.argmax(counts)])
    t0 = time.perf_counter()
    again = solver.solve(p.without_linker(leaver), params)
    replan_s = time.perf_counter() - t0
    f = solver.figures_of(p.without_linker(leaver), again)
    moved, ended = f.moved, f.ended
    theirs = int((p.current == leaver).sum())
    print(
        f"  re-plan: {replan_s * 1000:.1f} ms; the leaver linked {theirs}: "
        f"{moved} moved, {ended} ended",
        flush=True,
    )
    return {
        "microgrids": len(problems),
        "households": int(sum(p.household_ids.size for p in problems)),
        "linkers": int(sum(p.linker_ids.size for p in problems)),
        "generate_s": round(gen_s, 2),
        "compute_s": round(compute_s, 2),
        "compute_cpu_s": round(compute_cpu_s, 2),
        "load_average": os.getloadavg(),
        "peak_rss_mb_before": rss_before,
        "peak_rss_mb": rss_after,
        "optimal": opt.as_dict(),
        "greedy": gr.as_dict(),
        "greedy_s": round(greedy_s, 2),
        "greedy_distance_ratio": round(gr.total_distance_m / opt.total_distance_m, 3)
        if opt.total_distance_m
        else None,
        "greedy_objective_ratio": round(
            sum(s.objective for s in greedy) / max(1, sum(s.objective for s in optimal)), 3
        ),
        "exact_samples": len(checks),
        "exact_equal": equal,
        "exact_s": round(exact_s, 2),
        "exact_checks": checks,
        "replan": {
            "key": p.key,
            "households": int(p.household_ids.size),
            "linkers": int(p.linker_ids.size),
            "leaver_households": theirs,
            "moved": moved,
            "ended": ended,
            "priority_covered_before": int((p.priority & (p.current != 0)).sum()),
            "priority_covered_after": f.priority_covered,
            "seconds": round(replan_s, 4),
        },
    }


# -- The database stage (a subprocess per engine) ------------------------------------------------


def db_stage(args: argparse.Namespace) -> dict[str, Any]:
    os.environ["GRIDGOV_DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.core.context import Source, actor_context
    from gridgov.grid.models import GridNode
    from gridgov.links import planning, solver
    from gridgov.links.models import Linker, LinkPlan
    from gridgov.people.models import Household, Person

    grids = generate(args.seed, args.microgrids, args.households, args.linkers)
    t0 = time.perf_counter()
    county = GridNode.objects.create(level="county", code="440605", name="南海区")
    nodes: dict[str, int] = {county.code: county.pk}
    for level, length in (("town", 9), ("village", 12), ("group", 15), ("microgrid", 18)):
        codes = sorted({g.code[:length] for g in grids})
        centre = {g.code: (g.lat, g.lng) for g in grids}
        GridNode.objects.bulk_create(
            [
                GridNode(
                    level=level,
                    code=c,
                    name=c[-3:],
                    parent_id=nodes[c[: length - 3]],
                    lat=centre[c][0] if c in centre else None,
                    lng=centre[c][1] if c in centre else None,
                )
                for c in codes
            ],
            batch_size=2000,
        )
        nodes.update(dict(GridNode.objects.filter(level=level).values_list("code", "id")))
    mg_ids = nodes
    batch: list[Household] = []
    homes: list[tuple[str, int, str]] = []  # (micro-grid code, household number index, kind)

    def flush() -> None:
        Household.objects.bulk_create(batch, batch_size=2000)
        batch.clear()

    for g in grids:
        for j in range(len(g.hh_lat)):
            lat = None if np.isnan(g.hh_lat[j]) else float(g.hh_lat[j])
            lng = None if np.isnan(g.hh_lng[j]) else float(g.hh_lng[j])
            batch.append(
                Household(
                    number=f"{g.code}{j:05d}",
                    lat=lat,
                    lng=lng,
                    microgrid_id=mg_ids[g.code],
                    grid_path=g.code,
                    is_dibao=bool(g.priority[j]),
                )
            )
        homes += [(g.code, j, kind) for j, kind in zip(g.lk_home, g.lk_kind, strict=True)]
        if len(batch) >= 50_000:
            flush()
    flush()
    numbers = [f"{code}{j:05d}" for code, j, _k in homes]
    hh_id: dict[str, int] = {}
    for start in range(0, len(numbers), 5000):
        chunk = numbers[start : start + 5000]
        hh_id.update(Household.objects.filter(number__in=chunk).values_list("number", "id"))
    persons = [
        Person(
            household_id=hh_id[num],
            name="联户人",
            id_cipher=b"-",
            id_hash=f"bench{n}",
            id_masked="",
            sex="M",
            birth_date=dt.date(1980, 1, 1),
            grid_path=code,
        )
        for n, (num, (code, _j, _k)) in enumerate(zip(numbers, homes, strict=True))
    ]
    Person.objects.bulk_create(persons, batch_size=2000)
    person_ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    Linker.objects.bulk_create(
        [
            Linker(person_id=pid, kind=kind, grid_path=code)
            for pid, (code, _j, kind) in zip(person_ids, homes, strict=True)
        ],
        batch_size=2000,
    )
    setup_s = time.perf_counter() - t0
    print(f"  {connection.vendor}: data inserted in {setup_s:.0f} s", flush=True)
    with connection.cursor() as c:
        c.execute("ANALYZE")

    county = GridNode.objects.get(code="440605")
    params = planning.plan_params()
    on = timezone.localdate()
    out: dict[str, Any] = {"engine": connection.vendor, "setup_s": round(setup_s, 1)}
    with actor_context(source=Source.CLI), transaction.atomic():
        t0 = time.perf_counter()
        basis = planning.plan_basis(county, params, on=on)
        out["basis_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        loaded = planning.plan_load(county, params, on=on)
        out["load_s"] = round(time.perf_counter() - t0, 2)
        t0, c0 = time.perf_counter(), time.process_time()
        p = solver.Params(params["stability_m"], params["same_group_bonus_m"])
        solutions = solver.solve_all(loaded.problems, p)
        out["solve_s"] = round(time.perf_counter() - t0, 2)
        out["solve_cpu_s"] = round(time.process_time() - c0, 2)
        t0 = time.perf_counter()
        plan = LinkPlan.objects.create(
            node=county,
            grid_path=county.code,
            basis=basis,
            params=params,
            figures=planning.figures_of(loaded, solutions),
            computed_at=timezone.now(),
        )
        stored = planning.assignments_store(planning.plan_line_rows(plan.pk, loaded, solutions))
        out["store_s"] = round(time.perf_counter() - t0, 2)
        out["stored_rows"] = stored
    out["compute_total_s"] = round(out["basis_s"] + out["load_s"] + out["solve_s"], 2)
    out["figures"] = plan.figures["total"]
    print(
        f"  {connection.vendor}: basis {out['basis_s']} s, load {out['load_s']} s, "
        f"solve {out['solve_s']} s, store {stored:,} rows in {out['store_s']} s",
        flush=True,
    )
    # A micro-grid's re-plan through the service, after one of its linkers leaves.
    mg = GridNode.objects.get(code=grids[0].code)
    leaver = Linker.objects.filter(grid_path=mg.code).order_by("id").first()
    with actor_context(source=Source.CLI):
        if leaver is not None:
            Linker.objects.filter(pk=leaver.pk).update(cannot_link=True, cannot_link_reason="外出")
        t0 = time.perf_counter()
        small = planning.plan_compute(node=mg, by=None)
        out["replan_microgrid_s"] = round(time.perf_counter() - t0, 3)
    out["replan_microgrid_households"] = small.figures["total"]["households"]
    out["peak_rss_mb"] = rss_mb()
    out["load_average"] = os.getloadavg()
    print(f"  {connection.vendor}: micro-grid re-plan {out['replan_microgrid_s']} s", flush=True)
    return out


def report(result: dict[str, Any]) -> str:
    m = result["memory"]
    o, g = m["optimal"], m["greedy"]
    lines = [
        f"### Link plan benchmark — {result['date']}, {result['machine']}, {result['cores']} cores",
        "",
        f"`{result['command']}` — synthetic, seed {result['seed']}: {m['microgrids']:,} "
        f"micro-grids, {m['households']:,} households, {m['linkers']:,} linkers.",
        "",
        "| what | figure | target |",
        "|---|---:|---:|",
        f"| county plan, in memory (OR-Tools min-cost flow per micro-grid): wall / CPU | {m['compute_s']} s / {m['compute_cpu_s']} s | ≤ 20 s |",
        f"| load average (1, 5, 15 min) when it ran | {', '.join(f'{x:.1f}' for x in m['load_average'])} | |",
        f"| peak RSS after it (data generated in the same process) | {m['peak_rss_mb']} MB | |",
        f"| exact check (networkx network simplex), sampled micro-grids | {m['exact_equal']}/{m['exact_samples']} equal | all |",
        f"| one-member re-plan of a micro-grid ({m['replan']['households']} households, {m['replan']['linkers']} linkers), solve | {m['replan']['seconds'] * 1000:.1f} ms | ≤ 1 s |",
        f"| that re-plan: households of the leaver / moved to another linker / left unlinked | {m['replan']['leaver_households']} / {m['replan']['moved']} / {m['replan']['ended']} | |",
        "",
        "| plan | covered | priority covered | total distance m | mean m | seconds |",
        "|---|---:|---:|---:|---:|---:|",
        f"| optimal | {o['covered']:,} | {o['priority_covered']:,} / {o['priority']:,} | {o['total_distance_m']:,} | {o['mean_distance_m']} | {m['compute_s']} |",
        f"| greedy nearest-with-capacity | {g['covered']:,} | {g['priority_covered']:,} / {g['priority']:,} | {g['total_distance_m']:,} | {g['mean_distance_m']} | {m['greedy_s']} |",
        "",
        f"Greedy / optimal total distance: {m['greedy_distance_ratio']}; objective ratio "
        f"{m['greedy_objective_ratio']}. Shortfall (households the micro-grids' capacity cannot "
        f"cover): {o['shortfall']:,}; households without a location placed at their centre: "
        f"{o['at_centre']:,}.",
    ]
    if result["engines"]:
        lines += [
            "",
            "| engine | basis s | load s | solve s (CPU) | compute total s | store s (rows) | micro-grid re-plan via plan_compute s | peak RSS MB | load average |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for e in result["engines"]:
            lines.append(
                f"| {e['engine']} | {e['basis_s']} | {e['load_s']} | {e['solve_s']} "
                f"({e.get('solve_cpu_s', '')}) | {e['compute_total_s']} | {e['store_s']} "
                f"({e['stored_rows']:,}) | {e['replan_microgrid_s']} | {e['peak_rss_mb']} | "
                f"{', '.join(f'{x:.1f}' for x in e.get('load_average', []))} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--microgrids", type=int, default=MICROGRIDS)
    parser.add_argument("--households", type=int, default=HOUSEHOLDS)
    parser.add_argument("--linkers", type=int, default=LINKERS)
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)  # the engine stage
    args = parser.parse_args()
    if args.db:
        print(json.dumps(db_stage(args)))
        return
    print("== links plan: in memory ==", flush=True)
    memory = in_memory(args)
    engines = []
    from bench.run import fresh_database, pg_available, save_results

    for engine in [e for e in args.engines.split(",") if e]:
        if engine == "postgres" and not pg_available():
            print("PostgreSQL is not reachable on 127.0.0.1:5432: skipped", flush=True)
            continue
        print(f"== links plan: {engine} ==", flush=True)
        url = fresh_database(engine, "links_plan")
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.links_plan",
                "--db",
                url,
                "--seed",
                str(args.seed),
                "--microgrids",
                str(args.microgrids),
                "--households",
                str(args.households),
                "--linkers",
                str(args.linkers),
            ],
            capture_output=True,
            text=True,
        )
        sys.stdout.write(proc.stdout.rsplit("\n", 2)[0] + "\n" if proc.stdout else "")
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-3000:])
            raise SystemExit(f"the {engine} stage failed")
        engines.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    result = {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "seed": args.seed,
        "command": "python -m bench.links_plan " + " ".join(sys.argv[1:]),
        "memory": memory,
        "engines": engines,
    }
    text = report(result)
    print(text)
    save_results(f"links-plan-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}", result, text)


if __name__ == "__main__":
    main()
