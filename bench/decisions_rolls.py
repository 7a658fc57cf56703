"""Meeting rolls (应到) of important matters (重要事项决策), recording a villagers' meeting, and
the matters' pages, against baselines in the same run.

    python -m bench.decisions_rolls [--scale village] [--seed 1] [--repeat 10] [--records 5]
                                    [--moves 200] [--matters 200]
    python -m bench.decisions_rolls --scale county      # 40 villages, about 400,000 persons
    python -m bench.run --only decisions_rolls          # the village demo, from make bench

A fresh SQLite database in a temporary directory gets the demo at ``--scale`` (``village``: one
village, 600–900 households; ``town``, ``county``, ``nanhai``: more villages, each of the same
size). The registry (persons, households, party members) is dated 60 days back, as if imported
then (the rolls leave out what was registered after the meeting day: ``created_at``). The largest
village gets a village cadre, the county the default important-matters list, and the village a
party organization committee (``BodyKind.BRANCH_COMMITTEE``) of three voting members, all
through the services. The meeting day is today (local time, Asia/Shanghai) and meetings are held
an hour ago, or at midnight when the day is younger than that. Then, timed ``--repeat`` times
each, with the SQL queries of one more run counted:

1. rolls at the village for today: ``roll_for(VILLAGERS)`` (adults aged 18+ and households as
   they stood on the day), its two parts ``place_adults`` and ``place_households``, and
   ``roll_for(PARTY_ASSEMBLY)`` (full members with voting rights); baselines: the plain queries
   of the same people (``Person``/``Household``/``PartyMember`` by grid path prefix, adults by
   birth date), which know nothing of registrations or moves after the day, written with
   ``startswith`` (on SQLite a LIKE, which does not use the grid_path index) and as the path
   range the rolls use (``core.scoping.subtree_q``);
2. the villagers' roll for yesterday, before and after ``--moves`` person moves and a fifth as
   many household moves made today through ``people.services.person_move`` and
   ``household_move`` (half of them out of the village, half anywhere in the area): what undoing
   the moves since the day costs;
3. ``meetings.meeting_record`` of a villagers' meeting by counts, as the cadre, for ``--records``
   matters at their resolution stage (四议两公开, the three meetings before it recorded, not timed):
   the whole service call, roll frozen (one ``RollEntry`` per adult and household) and audited,
   with its queries; baseline: the same ``RollEntry`` rows alone (``bulk_create``, committed);
4. as the cadre through ``django.test.Client``, with ``--matters`` matters seeded through
   ``matter_create`` (a quarter with their proposal meeting recorded): the list
   ``/decisions/``, a decided matter's page, its villagers' meeting's record, the form of a
   villagers' meeting (which computes the roll), and the village's households list as a baseline
   page; p50 and p95, and queries.

Figures go to stdout and bench/results/decisions-rolls-<scale>-<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS_NAME = "decisions-rolls"
BACKDATE_DAYS = 60


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", default="village", choices=["village", "town", "county", "nanhai"]
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=10, help="runs of each roll and page")
    parser.add_argument("--records", type=int, default=5, help="villagers' meetings recorded")
    parser.add_argument("--moves", type=int, default=200, help="person moves after the day")
    parser.add_argument("--matters", type=int, default=200, help="matters seeded for the pages")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rolls-") as tmp:
        os.environ["GRIDGOV_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["GRIDGOV_VAR_DIR"] = tmp
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
        result = bench(args, Path(tmp))
    text = report(result)
    print(text)
    from bench.run import save_results

    save_results(f"{RESULTS_NAME}-{args.scale}-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M}", result, text)


# -- Setup ------------------------------------------------------------------------------------


def _setup(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """The demo area, the registry dated back, the village's cadre, the matters list and a
    branch committee."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from gridgov.accounts.roles import Role
    from gridgov.accounts.services import user_create
    from gridgov.decisions.services import matter_kinds_seed
    from gridgov.grid.models import GridLevel, GridNode
    from gridgov.orgs.models import BodyKind, BodyRole, MemberStatus, PartyMember
    from gridgov.orgs.services import body_create, membership_create
    from gridgov.people.models import Household, Person

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("demo", scale=args.scale, seed=args.seed, out=str(tmp / "demo"), verbosity=0)
    demo_s = time.perf_counter() - t0
    print(f"demo {args.scale}: {demo_s:.0f} s", flush=True)
    t0 = time.perf_counter()
    then = timezone.now() - dt.timedelta(days=BACKDATE_DAYS)
    for model in (Person, Household, PartyMember):
        model.objects.update(created_at=then)
    backdate_s = time.perf_counter() - t0
    village = (
        GridNode.objects.filter(level=GridLevel.VILLAGE)
        .order_by("-households_count", "code")
        .first()
    )
    county = GridNode.objects.get(level=GridLevel.COUNTY)
    assert village is not None
    cadre = user_create(
        username="bench-cadre", password="bench-Pass-123", node=village, role=Role.VILLAGE_CADRE
    )
    registrar = user_create(
        username="bench-registrar",
        password="bench-Pass-123",
        node=county,
        role=Role.COUNTY_ADMIN,
    )
    kinds = {k.code: k for k in matter_kinds_seed(county=county, by=registrar)}
    today = timezone.localdate()
    voting = (
        PartyMember.objects.within(village.code)
        .filter(
            status=MemberStatus.FULL, person__birth_date__gt=today.replace(year=today.year - 65)
        )
        .select_related("person")
        .order_by("id")[:3]
    )
    committee = body_create(
        code=f"{village.code}-DZZWH",
        name=f"{village.name}党组织委员会",
        kind=BodyKind.BRANCH_COMMITTEE,
        node=village,
        by=registrar,
    )
    for i, member in enumerate(voting):
        membership_create(
            body=committee,
            person=member.person,
            role=BodyRole.CHAIR if i == 0 else BodyRole.MEMBER,
            term_start=today.replace(year=today.year - 1, day=1),
            by=registrar,
        )
    return {
        "village": village,
        "cadre": cadre,
        "registrar": registrar,
        "kinds": kinds,
        "demo_s": round(demo_s, 1),
        "backdate_s": round(backdate_s, 1),
    }


def _moves(village: Any, registrar: Any, n: int, seed: int) -> dict[str, int]:
    """``n`` person moves and ``n // 5`` household moves, made now through the people services:
    half of them out of the village, half anywhere in the area (at the village scale the area is
    the village)."""
    from gridgov.grid.models import GridLevel, GridNode
    from gridgov.people.models import Household, Person
    from gridgov.people.services import household_move, person_move

    rng = random.Random(seed)
    inside = list(Person.objects.within(village.code).values_list("id", flat=True))
    everyone = list(Person.objects.values_list("id", flat=True))
    households = list(Household.objects.values_list("id", flat=True))
    village_households = list(Household.objects.within(village.code).values_list("id", flat=True))
    microgrids = list(GridNode.objects.filter(level=GridLevel.MICROGRID))
    touching = 0
    people = rng.sample(inside, min(n // 2, len(inside)))
    people += rng.sample(everyone, n - len(people))
    for pid in people:
        person = Person.objects.get(pk=pid)
        target = Household.objects.get(pk=rng.choice(households))
        touching += person.grid_path.startswith(village.code) or target.grid_path.startswith(
            village.code
        )
        person_move(person=person, to_household=target, reason="bench", by=registrar)
    moved_households = rng.sample(village_households, min(n // 10, len(village_households)))
    moved_households += rng.sample(households, n // 5 - len(moved_households))
    for hid in moved_households:
        household = Household.objects.get(pk=hid)
        target = rng.choice(microgrids)
        touching += household.grid_path.startswith(village.code) or target.code.startswith(
            village.code
        )
        household_move(household=household, to_microgrid=target, reason="bench", by=registrar)
    return {
        "person_moves": len(people),
        "household_moves": len(moved_households),
        "touching_the_village": touching,
    }


def _held_at() -> dt.datetime:
    """An hour ago, or the start of today (local time) when today is younger than that."""
    from django.utils import timezone

    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    return min(now, max(now - dt.timedelta(hours=1), midnight))


def _record(stage: Any, body: str, by: Any, counts: dict[str, int]) -> Any:
    from django.utils import timezone

    from gridgov.decisions.meetings import meeting_record

    held_at = _held_at()
    return meeting_record(
        stage=stage,
        body=body,
        held_at=held_at,
        by=by,
        counts=counts,
        chair="主持人",
        place="村委会议室",
        summary="会议纪要",
        notice_given_on=timezone.localdate(held_at) - dt.timedelta(days=10),
    )


def _everyone_yes(stage: Any, body: str) -> dict[str, int]:
    from django.utils import timezone

    from gridgov.decisions.rolls import roll_for

    n = len(roll_for(body, stage.matter.node, timezone.localdate(_held_at())).persons)
    return {"present": n, "yes": n}


def _villagers_counts(adults: int) -> dict[str, int]:
    """Three fifths of the adults came; four fifths of them voted yes."""
    present = adults * 3 // 5
    yes = present * 4 // 5
    return {
        "present_adults": present,
        "present_household_reps": 0,
        "present": present,
        "yes": yes,
        "no": present // 10,
        "abstain": present - yes - present // 10,
    }


def _to_resolution(matter: Any, by: Any) -> Any:
    """Record the proposal, consultation and party review (everyone present, all yes)."""
    from gridgov.decisions.models import MeetingBody, StageKind
    from gridgov.decisions.stages import current_stage

    for body in (
        MeetingBody.BRANCH_COMMITTEE,
        MeetingBody.TWO_COMMITTEES,
        MeetingBody.PARTY_ASSEMBLY,
    ):
        stage = current_stage(matter)
        _record(stage, body, by, _everyone_yes(stage, body))
    stage = current_stage(matter)
    assert stage is not None and stage.kind == StageKind.RESOLUTION
    return stage


# -- Timing -----------------------------------------------------------------------------------


def _timed(run: Any, repeat: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU seconds of each run (the machine is shared: CPU time is what the work
    costs, wall time what the user waits)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = run()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return times, cpu, result


def _queries(run: Any) -> tuple[int, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = run()
    return len(captured.captured_queries), result


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(q * (len(values) - 1))))
    return values[k]


def _row(times: list[float], cpu: list[float], queries: int, rows: Any = "") -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(percentile(times, 0.95) * 1000, 1),
        "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
        "min_ms": round(min(times) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "runs": len(times),
        "queries": queries,
        "rows": rows,
    }


def _measure(figures: dict[str, Any], name: str, run: Any, repeat: int, size: Any) -> Any:
    """Time ``run`` (after one counted run that also warms the caches)."""
    queries, result = _queries(run)
    times, cpu, _ = _timed(run, repeat)
    row = _row(times, cpu, queries, size(result))
    figures[name] = row
    print(f"{name}: {row}", flush=True)
    return result


# -- The benchmark ----------------------------------------------------------------------------


def bench(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    env = _setup(args, tmp)
    setup_s = time.perf_counter() - t0
    from django.db import transaction
    from django.db.models import Q
    from django.test import Client
    from django.utils import timezone

    from gridgov.core.scoping import subtree_q
    from gridgov.decisions.models import Matter, MeetingBody, RollEntry, RollRole
    from gridgov.decisions.rolls import (
        _adult_born_by,
        place_adults,
        place_households,
        roll_for,
        voting_members,
    )
    from gridgov.decisions.services import matter_create
    from gridgov.decisions.stages import current_stage
    from gridgov.grid.models import GridLevel, GridNode
    from gridgov.orgs.models import MemberStatus, PartyMember
    from gridgov.people.models import Household, Person

    village, cadre, registrar = env["village"], env["cadre"], env["registrar"]
    code = village.code
    area = {
        "villages": GridNode.objects.filter(level=GridLevel.VILLAGE).count(),
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "party_members": PartyMember.objects.count(),
    }
    at_village = {
        "households": Household.objects.within(code).count(),
        "persons": Person.objects.within(code).count(),
        "party_members": PartyMember.objects.within(code).count(),
    }
    print(f"{village.name} ({code}): {at_village}; area {area}; setup {setup_s:.0f} s", flush=True)
    today = timezone.localdate(_held_at())
    yesterday = today - dt.timedelta(days=1)
    rolls: dict[str, Any] = {}
    n = args.repeat
    count = len

    def persons_of(roll: Any) -> dict[str, int]:
        return {"persons": len(roll.persons), "households": len(roll.households)}

    # The plain queries, by the path prefix as ``startswith`` writes it (on SQLite a LIKE, which
    # does not use the grid_path index) and as a range (``subtree_q``, as the rolls and the
    # scoped reads write it, which does).
    def where(prefix: bool) -> Any:
        return Q(grid_path__startswith=code) if prefix else subtree_q("grid_path", code)

    def adult_baseline(day: dt.date, prefix: bool) -> Any:
        born_by = _adult_born_by(day)
        return lambda: list(
            Person.objects.filter(where(prefix), birth_date__lte=born_by).values_list("id")
        )

    def households_baseline(prefix: bool) -> Any:
        return lambda: list(Household.objects.filter(where(prefix)).values_list("id"))

    def members_baseline(prefix: bool) -> Any:
        return lambda: list(
            PartyMember.objects.filter(where(prefix), status=MemberStatus.FULL).values_list(
                "person_id"
            )
        )

    # 1. Today's rolls, no moves since.
    _measure(
        rolls,
        "roll: villagers' meeting, today",
        lambda: roll_for(MeetingBody.VILLAGERS, village, today),
        n,
        persons_of,
    )
    _measure(rolls, "  place_adults alone", lambda: place_adults(village, today), n, count)
    _measure(rolls, "  place_households alone", lambda: place_households(village, today), n, count)
    for prefix, how in ((True, "startswith"), (False, "path range")):
        _measure(
            rolls, f"baseline: adults, plain query ({how})", adult_baseline(today, prefix), n, count
        )
    for prefix, how in ((True, "startswith"), (False, "path range")):
        _measure(
            rolls,
            f"baseline: households, plain query ({how})",
            households_baseline(prefix),
            n,
            count,
        )
    _measure(
        rolls,
        "roll: party members' assembly, today",
        lambda: roll_for(MeetingBody.PARTY_ASSEMBLY, village, today),
        n,
        persons_of,
    )
    _measure(rolls, "  voting_members alone", lambda: voting_members(village, today), n, count)
    for prefix, how in ((True, "startswith"), (False, "path range")):
        _measure(
            rolls,
            f"baseline: full party members, plain query ({how})",
            members_baseline(prefix),
            n,
            count,
        )
    # 2. Yesterday's roll, before and after moves made today.
    _measure(
        rolls,
        "roll: villagers' meeting, yesterday, no moves since",
        lambda: roll_for(MeetingBody.VILLAGERS, village, yesterday),
        n,
        persons_of,
    )
    t0 = time.perf_counter()
    moves = _moves(village, registrar, args.moves, args.seed)
    moves_s = time.perf_counter() - t0
    print(f"moves: {moves} in {moves_s:.1f} s", flush=True)
    label = f"{moves['person_moves']} + {moves['household_moves']} moves since"
    _measure(
        rolls,
        f"roll: villagers' meeting, yesterday, {label}",
        lambda: roll_for(MeetingBody.VILLAGERS, village, yesterday),
        n,
        persons_of,
    )
    _measure(
        rolls,
        f"  place_adults alone, yesterday, {label}",
        lambda: place_adults(village, yesterday),
        n,
        count,
    )
    for prefix, how in ((True, "startswith"), (False, "path range")):
        _measure(
            rolls,
            f"baseline: adults, plain query ({how}), yesterday",
            adult_baseline(yesterday, prefix),
            n,
            count,
        )

    # 3. Recording a villagers' meeting.
    kinds = env["kinds"]
    t0 = time.perf_counter()
    ready = [
        _to_resolution(
            matter_create(
                node=village, kind=kinds["projects"], title=f"村道硬底化工程{i}", by=cadre
            ),
            cadre,
        )
        for i in range(args.records + 2)
    ]
    prep_s = time.perf_counter() - t0
    adults = len(roll_for(MeetingBody.VILLAGERS, village, today).persons)
    counts = _villagers_counts(adults)

    def record(stage: Any) -> Any:
        return _record(stage, MeetingBody.VILLAGERS, cadre, counts)

    service: dict[str, Any] = {}
    open_stage = ready.pop()  # left at its resolution stage for the form page
    queries, first = _queries(lambda: record(ready.pop(0)))
    times, cpu, meetings = [], [], []
    for stage in ready:
        t, c = time.perf_counter(), time.process_time()
        meetings.append(record(stage))
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    meeting = meetings[-1]
    assert meeting.passed, (meeting.quorum, counts)
    frozen = RollEntry.objects.filter(meeting=meeting).count()
    service["meeting_record: villagers' meeting by counts (roll frozen, audited)"] = _row(
        times, cpu, queries, {"roll_entries": frozen, "passed": meeting.passed}
    )
    roll = roll_for(MeetingBody.VILLAGERS, village, today)

    def freeze() -> int:
        with transaction.atomic():
            RollEntry.objects.bulk_create(
                [
                    RollEntry(meeting=first, grid_path=code, role=RollRole.MEMBER, person_id=pid)
                    for pid in roll.persons
                ]
                + [
                    RollEntry(
                        meeting=first, grid_path=code, role=RollRole.HOUSEHOLD, household_id=hid
                    )
                    for hid in roll.households
                ],
                batch_size=1000,
            )
        return len(roll.persons) + len(roll.households)

    def unfreeze() -> None:
        RollEntry.objects.filter(meeting=first).delete()

    unfreeze()
    queries, _ = _queries(freeze)
    times, cpu = [], []
    for _ in range(args.records):
        unfreeze()
        t, c = time.perf_counter(), time.process_time()
        freeze()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    service["baseline: the same roll entries alone (bulk_create, committed)"] = _row(
        times, cpu, queries, {"roll_entries": frozen}
    )
    print(f"meeting_record: {service}", flush=True)
    roll_part = rolls["roll: villagers' meeting, today"]

    # 4. Pages.
    t0 = time.perf_counter()
    matter_kinds = [kinds[k] for k in ("projects", "funds", "assets", "personnel", "rules")]
    for i in range(args.matters):
        matter = matter_create(
            node=village, kind=matter_kinds[i % len(matter_kinds)], title=f"事项{i}", by=cadre
        )
        if i % 4 == 0:
            stage = current_stage(matter)
            _record(
                stage,
                MeetingBody.BRANCH_COMMITTEE,
                cadre,
                _everyone_yes(stage, MeetingBody.BRANCH_COMMITTEE),
            )
    seed_s = time.perf_counter() - t0
    matters = Matter.objects.within(code).count()
    client = Client()
    client.force_login(cadre)
    pages_to = {
        f"/decisions/ (list, {matters} matters)": "/decisions/",
        "/decisions/<pk>/ (a decided matter, 4 meetings)": f"/decisions/{meeting.stage.matter_id}/",
        f"/decisions/meetings/<pk>/ (villagers' meeting, {frozen} on the roll)": (
            f"/decisions/meetings/{meeting.pk}/"
        ),
        "/decisions/stages/<pk>/meeting/ (villagers' meeting form)": (
            f"/decisions/stages/{open_stage.pk}/meeting/"
        ),
        "baseline: /households/?under=<village>": f"/households/?under={code}",
    }
    pages: dict[str, Any] = {}
    for name, url in pages_to.items():

        def get(url: str = url) -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        _measure(pages, name, get, n, lambda r: {"bytes": len(r.content)})
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "local_time": timezone.localtime().isoformat(timespec="seconds"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "database": "SQLite (temporary)",
        "scale": args.scale,
        "seed": args.seed,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "village": village.name,
        "village_code": code,
        "at_village": at_village,
        "area": area,
        "meeting_day": today.isoformat(),
        "moves": moves,
        "matters": matters,
        "timings_s": {
            "setup": round(setup_s, 1),
            "demo": env["demo_s"],
            "backdate": env["backdate_s"],
            "moves": round(moves_s, 1),
            "matters_to_resolution": round(prep_s, 1),
            "seed_matters": round(seed_s, 1),
        },
        "rolls": rolls,
        "service": service,
        "service_roll_share": round(
            roll_part["median_ms"]
            / service["meeting_record: villagers' meeting by counts (roll frozen, audited)"][
                "median_ms"
            ],
            2,
        ),
        "pages": pages,
    }


def report(result: dict[str, Any]) -> str:
    v, a = result["at_village"], result["area"]
    m = result["moves"]
    lines = [
        f"# Meeting rolls (应到), scale `{result['scale']}`, {result['when']}",
        "",
        f"{result['village']} ({result['village_code']}): {v['persons']:,} persons, "
        f"{v['households']:,} households, {v['party_members']} party members; the area: "
        f"{a['villages']} villages, {a['persons']:,} persons, {a['households']:,} households. "
        f"{result['database']}; {result['machine']['cpus']} CPUs, Python "
        f"{result['machine']['python']}, load average {result['load_average']} at the end. "
        f"Meeting day {result['meeting_day']}; moves: {m['person_moves']} person and "
        f"{m['household_moves']} household moves made today ({m['touching_the_village']} "
        f"from or to the village); {result['matters']} matters in the village.",
        "",
        "| run | wall median ms | p95 ms | CPU median ms | min ms | max ms | queries | rows |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for section in ("rolls", "service", "pages"):
        for name, row in result[section].items():
            rows = row["rows"]
            if isinstance(rows, dict):
                rows = ", ".join(f"{k} {val}" for k, val in rows.items())
            lines.append(
                f"| {name} | {row['median_ms']} | {row['p95_ms']} | {row['cpu_median_ms']} | "
                f"{row['min_ms']} | {row['max_ms']} | {row['queries']} | {rows} |"
            )
    lines += [
        "",
        f"The villagers' roll is {result['service_roll_share']:.0%} of the service call's median.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
