"""Contact cards (连心卡): a village's cards as one PDF, against baselines in the same run.

    python -m bench.links_cards [--seed 1] [--repeat 3] [--png]

A fresh SQLite database in a temporary directory gets the ``village`` demo (one village,
600–900 households, its party members), every party member of working age as a linker
(党员中心户 as kind "center"), half of them consenting to show their phone, and each
micro-grid's households linked to its linkers up to their capacity. Then, as the village's
cadre (``print_cards`` at the village), timed ``--repeat`` times each:

- cards, first print: every household gets a new card token (the common first case);
- cards, reprint: the tokens are reused;
- baseline "no QR": the same PDF without QR codes (what the QR codes cost);
- baseline "HTML only": the data and the HTML with QR codes, without WeasyPrint (what the
  layout and PDF writing cost);
- plaques and the public list (一人一牌) of the same village.

Target (issue 15): a village's cards (about 700 households) in ≤ 15 s. ``--png`` writes page 1
of the cards to bench/results/links-cards-page1.png (needs ``pdftoppm``, poppler-utils).
Figures go to stdout and bench/results/links-cards-<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS_NAME = "links-cards"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--png", action="store_true", help="page 1 of the cards as PNG")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cards-") as tmp:
        os.environ["GRIDGOV_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["GRIDGOV_VAR_DIR"] = tmp
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
        result = bench(args, Path(tmp))
    text = report(result)
    print(text)
    from bench.run import save_results

    save_results(f"{RESULTS_NAME}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}", result, text)


def _setup(seed: int, tmp: Path) -> tuple[Any, Any]:
    """The demo village with linkers and links; its cadre."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from gridgov.accounts.roles import Role
    from gridgov.accounts.services import user_create
    from gridgov.grid.models import GridLevel, GridNode
    from gridgov.links.eligibility import capacity_of
    from gridgov.links.models import Link, Linker, LinkerKind
    from gridgov.orgs.models import PartyMember
    from gridgov.people.models import Household

    call_command("migrate", verbosity=0)
    call_command("demo", scale="village", seed=seed, out=str(tmp / "demo"), verbosity=0)
    village = (
        GridNode.objects.filter(level=GridLevel.VILLAGE)
        .order_by("-households_count", "code")
        .first()
    )
    assert village is not None
    cadre = user_create(
        username="bench-cadre",
        password="bench-Pass-123",
        node=village,
        role=Role.VILLAGE_CADRE,
    )
    today = timezone.localdate()
    cutoff = today.replace(year=today.year - 70)
    members = (
        PartyMember.objects.within(village.code)
        .filter(person__birth_date__gt=cutoff, is_mobile=False, lost_contact=False)
        .select_related("person")
        .order_by("id")
    )
    linkers = []
    for i, member in enumerate(members):
        kind = LinkerKind.CENTER_HOUSEHOLD if member.is_center_household else LinkerKind.MEMBER
        linkers.append(
            Linker(
                person=member.person,
                kind=kind,
                grid_path=member.person.grid_path,
                phone_consent=i % 2 == 0,
                phone_consent_at=timezone.now() if i % 2 == 0 else None,
            )
        )
    Linker.objects.bulk_create(linkers, batch_size=500)
    by_grid: dict[str, list[Linker]] = {}
    for linker in Linker.objects.within(village.code).order_by("id"):
        by_grid.setdefault(linker.grid_path, []).append(linker)
    links = []
    for grid, households in _grouped(Household.objects.within(village.code).order_by("number")):
        slots = [
            linker for linker in by_grid.get(grid, []) for _ in range(capacity_of(linker.kind).high)
        ]
        for household, linker in zip(households, slots, strict=False):
            links.append(Link(linker=linker, household=household, grid_path=grid, start_on=today))
    Link.objects.bulk_create(links, batch_size=500)
    return village, cadre


def _grouped(households: Any) -> list[tuple[str, list[Any]]]:
    out: dict[str, list[Any]] = {}
    for household in households:
        out.setdefault(household.grid_path, []).append(household)
    return list(out.items())


def _timed(run: Any, repeat: int, before: Any = None) -> tuple[list[float], list[float], Any]:
    """Wall and CPU seconds of each run (the machine is shared: CPU time is what the work
    costs, wall time what the user waits)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        if before is not None:
            before()
        t, c = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return times, cpu, result


def bench(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    village, cadre = _setup(args.seed, tmp)
    setup_s = time.perf_counter() - t0
    from django.template.loader import render_to_string

    from gridgov.links import cards as cards_mod
    from gridgov.links.models import CardToken, Link
    from gridgov.people.models import Household

    households = Household.objects.within(village.code).count()
    linked = Link.objects.within(village.code).filter(end_on__isnull=True).count()
    print(
        f"{village.name}: {households} households, {linked} linked; setup {setup_s:.1f} s",
        flush=True,
    )
    site = "https://gov.example.cn"

    def drop_tokens() -> None:
        CardToken.objects.all().delete()

    def cards(qr: bool = True) -> Any:
        return cards_mod.cards_pdf(node=village, by=cadre, site=site, qr=qr)

    def html_only() -> int:
        rows = cards_mod.card_rows(node=village, by=cadre, site=site)
        html = render_to_string(
            "links/cards/print_cards.html",
            {"sheets": [rows[i : i + 8] for i in range(0, len(rows), 8)]},
        )
        return len(html)

    figures: dict[str, Any] = {}
    runs = [
        ("cards, first print (new tokens)", lambda: cards(), drop_tokens),
        ("cards, reprint (tokens reused)", lambda: cards(), None),
        ("baseline: cards without QR codes", lambda: cards(qr=False), None),
        ("baseline: data and HTML only, no PDF", html_only, None),
        (
            "plaques (党员户/党员之家)",
            lambda: cards_mod.plaques_pdf(node=village, by=cadre),
            None,
        ),
        ("public list (一人一牌)", lambda: cards_mod.public_list_pdf(node=village, by=cadre), None),
    ]
    pdf_first = None
    for name, run, before in runs:
        times, cpu, result = _timed(run, args.repeat, before)
        row: dict[str, Any] = {
            "median_s": round(statistics.median(times), 3),
            "cpu_median_s": round(statistics.median(cpu), 3),
            "min_s": round(min(times), 3),
            "max_s": round(max(times), 3),
            "runs": len(times),
        }
        if hasattr(result, "printed"):
            row["pages"] = result.printed.pages
            row["bytes"] = len(result.printed.pdf)
            row["counts"] = result.counts
            if name.startswith("cards, first"):
                pdf_first = result.printed.pdf
        figures[name] = row
        print(f"{name}: {row}", flush=True)
    png = ""
    if args.png and pdf_first is not None and shutil.which("pdftoppm"):
        from bench.run import RESULTS

        pdf_path = tmp / "cards.pdf"
        pdf_path.write_bytes(pdf_first)
        out = RESULTS / "links-cards-page1"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", pdf_path, out],
            check=True,
        )
        png = str(out.with_suffix(".png"))
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "database": "SQLite (temporary)",
        "seed": args.seed,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "village": village.name,
        "households": households,
        "linked": linked,
        "target_s": 15,
        "figures": figures,
        "png": png,
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"# Contact cards (连心卡), {result['when']}",
        "",
        f"{result['village']}: {result['households']} households, {result['linked']} linked; "
        f"{result['database']}; {result['machine']['cpus']} CPUs, Python "
        f"{result['machine']['python']}, load average {result['load_average']} at the end. "
        f"Target: cards in ≤ {result['target_s']} s.",
        "",
        "| run | wall median s | CPU median s | wall min s | wall max s | pages | PDF kB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in result["figures"].items():
        kb = f"{row['bytes'] / 1024:,.0f}" if "bytes" in row else ""
        pages = row.get("pages", "")
        lines.append(
            f"| {name} | {row['median_s']} | {row['cpu_median_s']} | {row['min_s']} | "
            f"{row['max_s']} | {pages} | {kb} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
