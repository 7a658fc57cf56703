"""What scoping costs: the main list and count reads as a village cadre, a town cadre and a
county administrator, beside the same rows read by hand-written SQL in the same run.

    python -m bench.scope --db URL [--repeat 50]

For each role, on a database loaded by ``make bench`` (``nanhai`` scale):

- scoped: the households and persons lists' first page of 50 and their total count, through
  the scoped queryset (``restrict(user, "view")``: the user's assignments looked up, their
  subtrees turned into grid-path ranges, the ORM building and reading the query);
- ORM: the same read through the ORM without the scope (``.within(code)`` of the same subtree):
  scoped / ORM is what scoping itself costs;
- raw: the same first page and count of the same subtree, written as SQL by hand and run on
  the same connection (no ORM, no scope lookup): the floor a scoped read is measured against.

Each read runs once to warm up, then ``--repeat`` times, the three kinds taking turns; p50 and
p95 in ms. Target: scoped within 1.5× of raw.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

from bench.pages import percentile


def timed(reads: dict[str, Callable[[], object]], repeat: int) -> dict[str, dict[str, float]]:
    """p50 and p95 of each read; the reads take turns, so that a warmer cache or a busier
    moment of the machine does not favour one of them."""
    for read in reads.values():
        read()
    times: dict[str, list[float]] = {name: [] for name in reads}
    for _ in range(repeat):
        for name, read in reads.items():
            t0 = time.perf_counter()
            read()
            times[name].append((time.perf_counter() - t0) * 1000)
    return {
        name: {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
        }
        for name, values in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    os.environ["GRIDGOV_DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.accounts.roles import Role
    from gridgov.accounts.services import assignment_create
    from gridgov.core.scoping import PATH_END
    from gridgov.grid.models import GridLevel, GridNode
    from gridgov.people.models import Household, Person

    nodes = {
        Role.VILLAGE_CADRE: GridNode.objects.filter(level=GridLevel.VILLAGE).order_by("code")[0],
        Role.TOWN_CADRE: GridNode.objects.filter(level=GridLevel.TOWN).order_by("code")[0],
        Role.COUNTY_ADMIN: GridNode.objects.filter(level=GridLevel.COUNTY).order_by("code")[0],
    }
    users = {}
    for role, node in nodes.items():
        user, _ = get_user_model().objects.get_or_create(username=f"bench-scope-{role}")
        assignment_create(user=user, node=node, role=role)
        users[role] = user

    hh, pp = Household._meta.db_table, Person._meta.db_table
    # The first page as the list pages order it (by place, then number / household and id).
    raw_pages = {
        "households": (
            f"SELECT id, number, address, grid_path, microgrid_id FROM {hh} "
            "WHERE grid_path >= %s AND grid_path < %s ORDER BY grid_path, number LIMIT 50",
            f"SELECT COUNT(*) FROM {hh} WHERE grid_path >= %s AND grid_path < %s",
        ),
        "persons": (
            f"SELECT id, name, id_masked, grid_path, household_id FROM {pp} "
            "WHERE grid_path >= %s AND grid_path < %s ORDER BY grid_path, household_id, id "
            "LIMIT 50",
            f"SELECT COUNT(*) FROM {pp} WHERE grid_path >= %s AND grid_path < %s",
        ),
    }

    def raw(sql: str, code: str) -> Callable[[], object]:
        def read() -> object:
            with connection.cursor() as cursor:
                cursor.execute(sql, [code, code + PATH_END])
                return cursor.fetchall()

        return read

    # The same rows, columns and order as the raw SQL, through the scoped queryset.
    scoped_reads = {
        "households": lambda u: (
            Household.objects.restrict(u, "view")
            .order_by("grid_path", "number")
            .values_list("id", "number", "address", "grid_path", "microgrid_id")
        ),
        "persons": lambda u: (
            Person.objects.restrict(u, "view")
            .order_by("grid_path", "household_id", "id")
            .values_list("id", "name", "id_masked", "grid_path", "household_id")
        ),
    }
    # And without the scope: the same ORM read of the same subtree (what the ORM itself costs).
    unscoped_reads = {
        "households": lambda code: (
            Household.objects.within(code)
            .order_by("grid_path", "number")
            .values_list("id", "number", "address", "grid_path", "microgrid_id")
        ),
        "persons": lambda code: (
            Person.objects.within(code)
            .order_by("grid_path", "household_id", "id")
            .values_list("id", "name", "id_masked", "grid_path", "household_id")
        ),
    }
    out = {}
    for role, user in users.items():
        code = nodes[role].code
        for kind, make in scoped_reads.items():
            plain = unscoped_reads[kind]

            def page(make=make, u=user) -> object:
                u.__dict__.pop("_gridgov_assignments", None)  # each read looks the scope up
                return list(make(u)[:50])

            def count(make=make, u=user) -> object:
                u.__dict__.pop("_gridgov_assignments", None)
                return make(u).count()

            page_sql, count_sql = raw_pages[kind]
            out[f"{role.label} · {kind} page"] = timed(
                {
                    "scoped": page,
                    "orm": lambda plain=plain, c=code: list(plain(c)[:50]),
                    "raw": raw(page_sql, code),
                },
                args.repeat,
            )
            out[f"{role.label} · {kind} count"] = timed(
                {
                    "scoped": count,
                    "orm": lambda plain=plain, c=code: plain(c).count(),
                    "raw": raw(count_sql, code),
                },
                args.repeat,
            )
    for row in out.values():
        row["ratio_p50"] = round(row["scoped"]["p50_ms"] / max(row["raw"]["p50_ms"], 1e-6), 2)
        row["ratio_orm_p50"] = round(row["scoped"]["p50_ms"] / max(row["orm"]["p50_ms"], 1e-6), 2)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
