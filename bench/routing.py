"""Routing: point → micro-grid lookups per second against the ``nanhai`` micro-grid boundaries.

    python -m bench.routing [--points 20000] [--naive 300] [--seed 1]

The boundaries are the demo's own: ``gridgov.demo.tree.build_tree`` draws the same tree that
``gridgov demo --scale nanhai`` writes (5,156 micro-grids), without the 1.2 million households.
Each boundary goes from its GeoJSON text into ``gridgov.grid.locate.MicrogridIndex`` as
``MicrogridIndex.from_database`` does (``shape`` of the parsed JSON), and then:

- index build: parsing the GeoJSON, and the STRtree, in seconds;
- single lookups, one ``index.locate(lat, lng, tolerance_m=…)`` call per point as intake makes
  them: lookups/s over all points, and p50/p99 µs per outcome. The points are uniform inside the
  county outline, and a share (``--outside``) uniform in a band 0–2 × the routing tolerance
  outside it, which takes the nearest-within-tolerance path ("nearest" or "none");
- the same points in one vectorized ``STRtree.query`` call (a bound: intake does not batch);
- the naive baseline, on a subsample: ``polygon.contains(point)`` over every micro-grid, and
  when none holds it, the nearest polygon by ``distance`` over every micro-grid, checked in metres
  against the tolerance; the index's answers must equal the naive ones on that subsample.

Figures go to stdout and bench/results/routing-<date>.{json,md}. Needs no database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time

from bench.pages import percentile

RESULTS_NAME = "routing"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", default="nanhai", choices=["village", "town", "county", "nanhai"]
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--points", type=int, default=20_000, help="single lookups timed")
    parser.add_argument("--outside", type=float, default=0.2, help="share of points outside")
    parser.add_argument("--naive", type=int, default=300, help="points of the naive baseline")
    args = parser.parse_args()
    result = bench(args)
    text = report(result)
    print(text)
    from bench.run import save_results

    save_results(f"{RESULTS_NAME}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}", result, text)


def bench(args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    import numpy as np
    import shapely
    from shapely.geometry import Point, shape
    from shapely.ops import nearest_points

    from gridgov.cases.rules import ROUTING_TOLERANCE_METERS
    from gridgov.demo import geometry as geo
    from gridgov.demo.scales import SCALES
    from gridgov.demo.tree import build_tree
    from gridgov.grid.locate import MicrogridIndex, distance_m

    tolerance = float(ROUTING_TOLERANCE_METERS.default)
    t0 = time.perf_counter()
    county = build_tree(SCALES[args.scale], np.random.default_rng([args.seed, 0]))
    tree_s = time.perf_counter() - t0
    micro = [n for n in county.walk() if n.level == "microgrid"]
    print(
        f"{len(micro):,} micro-grids ({args.scale}, seed {args.seed}) in {tree_s:.1f} s", flush=True
    )

    # As from_database: the boundary is stored as GeoJSON, read back as a dict, then shaped.
    texts = [n.boundary for n in micro]
    t0 = time.perf_counter()
    geoms = [shape(json.loads(text)) for text in texts]
    parse_s = time.perf_counter() - t0
    ids, codes = list(range(1, len(micro) + 1)), [n.code for n in micro]
    t0 = time.perf_counter()
    index = MicrogridIndex(ids, codes, geoms)
    tree_build_s = time.perf_counter() - t0

    # Points: uniform in the county outline, and in a band outside it (kilometre plane).
    rng = np.random.default_rng([args.seed, 7])
    n_out = round(args.points * args.outside)
    band_km = 2 * tolerance / 1000
    ring = county.shape.buffer(band_km).difference(county.shape)
    xy = np.concatenate(
        [
            geo.random_points(county.shape, args.points - n_out, rng),
            geo.random_points(ring, n_out, rng),
        ]
    )
    lnglat = geo.km_to_lnglat(xy)
    where = ["in outline"] * (args.points - n_out) + ["outside"] * n_out
    order = rng.permutation(args.points)
    lnglat, where = lnglat[order], [where[i] for i in order]
    points = [(float(lat), float(lng)) for lng, lat in lnglat]

    # Single lookups, one call per point, as intake makes them.
    for lat, lng in points[:200]:
        index.locate(lat, lng, tolerance_m=tolerance)  # warm up
    answers, per_call = [], []
    clock = time.perf_counter
    t_all = clock()
    for lat, lng in points:
        t = clock()
        answers.append(index.locate(lat, lng, tolerance_m=tolerance))
        per_call.append((clock() - t) * 1e6)
    single_s = clock() - t_all
    outcomes: dict[str, list[float]] = {}
    for answer, us in zip(answers, per_call, strict=True):
        outcomes.setdefault(answer.how, []).append(us)

    # The same points in one vectorized query (not how intake calls it: a bound).
    pts = shapely.points(lnglat)
    t0 = time.perf_counter()
    hits = index.tree.query(pts, predicate="intersects")
    batch_s = time.perf_counter() - t0

    # Naive baseline on a subsample: every polygon, every time.
    sample = list(range(min(args.naive, len(points))))
    naive_answers = []
    t0 = time.perf_counter()
    for k in sample:
        lat, lng = points[k]
        p = Point(lng, lat)
        found = None
        for i, g in enumerate(geoms):
            if g.contains(p) and (found is None or codes[i] < codes[found]):
                found = i
        if found is not None:
            naive_answers.append((codes[found], "inside"))
            continue
        i = min(range(len(geoms)), key=lambda j: geoms[j].distance(p))
        near = nearest_points(geoms[i], p)[0]
        ok = distance_m(lat, lng, near.y, near.x) <= tolerance
        naive_answers.append((codes[i], "nearest") if ok else ("", "none"))
    naive_s = time.perf_counter() - t0
    agree = sum((answers[k].code, answers[k].how) == naive_answers[j] for j, k in enumerate(sample))

    n = len(points)
    return {
        "date": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "scale": args.scale,
        "seed": args.seed,
        "microgrids": len(micro),
        "vertices": int(sum(shapely.get_num_coordinates(np.array(geoms, dtype=object)))),
        "tolerance_m": tolerance,
        "tree_generation_s": round(tree_s, 2),
        "index": {
            "parse_geojson_s": round(parse_s, 3),
            "strtree_s": round(tree_build_s, 3),
            "total_s": round(parse_s + tree_build_s, 3),
        },
        "points": n,
        "points_outside_outline": n_out,
        "shares": {how: round(len(v) / n, 4) for how, v in sorted(outcomes.items())},
        "single": {
            "lookups_per_s": round(n / single_s),
            "mean_us": round(single_s / n * 1e6, 1),
            "by_outcome": {
                how: {
                    "n": len(v),
                    "p50_us": round(percentile(v, 0.5), 1),
                    "p99_us": round(percentile(v, 0.99), 1),
                    "per_s": round(len(v) / (sum(v) / 1e6)),
                }
                for how, v in sorted(outcomes.items())
            },
        },
        "batch_query": {
            "points_per_s": round(n / batch_s),
            "inside_pairs": int(hits.shape[1]),
        },
        "naive": {
            "points": len(sample),
            "lookups_per_s": round(len(sample) / naive_s, 1),
            "mean_ms": round(naive_s / len(sample) * 1000, 2),
            "agree_with_index": agree,
        },
        "speedup_single_vs_naive": round((n / single_s) / (len(sample) / naive_s)),
    }


def report(r: dict) -> str:
    s, nv, ix = r["single"], r["naive"], r["index"]
    shares = ", ".join(f"{how} {100 * v:.1f} %" for how, v in r["shares"].items())
    lines = [
        f"### Routing — `{r['scale']}` micro-grid boundaries, {r['date']}, {r['machine']}",
        "",
        f"{r['microgrids']:,} micro-grids ({r['vertices']:,} vertices); index built in "
        f"{ix['total_s']} s (GeoJSON parsing {ix['parse_geojson_s']} s, STRtree "
        f"{ix['strtree_s']} s); {r['points']:,} points, {r['points_outside_outline']:,} of them in "
        f"a band up to {2 * r['tolerance_m']:.0f} m outside the county outline; tolerance "
        f"{r['tolerance_m']:.0f} m. Outcomes: {shares}.",
        "",
        "| lookup | points | lookups/s | mean µs | × naive |",
        "|---|---:|---:|---:|---:|",
        f"| `MicrogridIndex.locate`, one call per point | {r['points']:,} | "
        f"{s['lookups_per_s']:,} | {s['mean_us']} | {r['speedup_single_vs_naive']:,} |",
        f"| STRtree.query, all points in one call (bound; intake does not batch) | "
        f"{r['points']:,} | {r['batch_query']['points_per_s']:,} | | |",
        f"| naive: `contains` over every polygon, nearest by `distance` | {nv['points']:,} | "
        f"{nv['lookups_per_s']:,} | {nv['mean_ms'] * 1000:.0f} | 1 |",
        "",
        "| outcome | points | p50 µs | p99 µs | lookups/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for how, o in s["by_outcome"].items():
        lines.append(f"| {how} | {o['n']:,} | {o['p50_us']} | {o['p99_us']} | {o['per_s']:,} |")
    lines += [
        "",
        f"The index and the naive loop agree on {nv['agree_with_index']} of {nv['points']} "
        "subsampled points.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
