"""Page timings against a loaded database: p50 and p95 of the tree and list pages.

python -m bench.pages --db URL [--repeat 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q * (len(values) - 1))))
    return values[k]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    os.environ["GRIDGOV_DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from gridgov.grid.models import GridLevel, GridNode

    user_model = get_user_model()
    admin, _ = user_model.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(admin)
    county = GridNode.objects.filter(level=GridLevel.COUNTY).order_by("code").first()
    town = GridNode.objects.filter(level=GridLevel.TOWN).order_by("code").first()
    village = GridNode.objects.filter(level=GridLevel.VILLAGE).order_by("code").first()
    pages = {
        "tree: county node": f"/grid/{county.code}/",
        "tree: town node": f"/grid/{town.code}/",
        "tree: village node": f"/grid/{village.code}/",
        "households list (county)": f"/households/?under={county.code}",
        "households list (village)": f"/households/?under={village.code}",
    }
    out = {}
    for label, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        out[label] = {
            "url": url,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
            "n": args.repeat,
        }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
