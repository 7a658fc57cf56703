"""Screenshots of the main pages at phone and desktop width, for a person to look at.

Not a test. Usage::

    .venv/bin/python -m gridgov.web.tests.screenshots [OUT_DIR]

Builds a throw-away SQLite database in a temporary directory, fills a small town through the
services, serves it with ``gridgov runserver`` and saves PNGs of every main page to OUT_DIR
(default /tmp/gridgov-shots).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SURNAMES = "陈李王张刘黄吴周徐孙梁罗何郑谢"
GIVEN = ["伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]


def square(lng: float, lat: float, size: float) -> dict:
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def seed() -> dict:
    from gridgov.accounts.roles import Role
    from gridgov.accounts.services import assignment_create, user_create
    from gridgov.core.identity import make_citizen_id
    from gridgov.grid.services import grid_node_create
    from gridgov.orgs.models import BodyKind, BodyRole, GridPostKind, MemberStatus, OrgKind
    from gridgov.orgs.services import (
        body_create,
        grid_post_create,
        membership_create,
        party_member_create,
        party_org_create,
    )
    from gridgov.people.models import Relation
    from gridgov.people.services import household_create, person_create, person_sensitive_set

    rnd = random.Random(7)
    seq = itertools.count(1)

    def citizen_id(sex: str, birth: dt.date) -> str:
        n = next(seq)
        return make_citizen_id("440605", birth, (n % 499) * 2 + (1 if sex == "M" else 0))

    county = grid_node_create(code="440605", name="南海区", by=None)
    town = grid_node_create(
        code="440605001", name="桂城街道", parent=county, boundary=square(113.0, 23.0, 0.3), by=None
    )
    first = None
    for v, vname in enumerate(["平东村", "平西村", "夏西村"], start=1):
        lng, lat = 113.0 + 0.1 * (v - 1), 23.0
        village = grid_node_create(
            code=f"440605001{200 + v}",
            name=vname,
            parent=town,
            boundary=square(lng, lat, 0.09),
            by=None,
        )
        branch = party_org_create(
            code=f"P{village.code}",
            name=f"{vname}党支部",
            kind=OrgKind.BRANCH,
            node=village,
            by=None,
        )
        committee = body_create(
            code=f"V{village.code}",
            name=f"{vname}村民委员会",
            kind=BodyKind.VILLAGE_COMMITTEE,
            node=village,
            by=None,
        )
        supervision = body_create(
            code=f"S{village.code}",
            name=f"{vname}村务监督委员会",
            kind=BodyKind.SUPERVISION,
            node=village,
            by=None,
        )
        first = first or village
        for g in range(1, 4):
            group = grid_node_create(
                code=f"{village.code}{g:03d}",
                name=f"第{'一二三'[g - 1]}村民小组",
                parent=village,
                boundary=square(lng + 0.03 * (g - 1), lat, 0.028),
                by=None,
            )
            pgroup = party_org_create(
                code=f"P{group.code}",
                name=f"{vname}第{'一二三'[g - 1]}党小组",
                kind=OrgKind.PARTY_GROUP,
                node=group,
                parent=branch,
                by=None,
            )
            for m in range(1, 3):
                micro = grid_node_create(
                    code=f"{group.code}{m:03d}",
                    name=f"{'一二三'[g - 1]}组{m}号微网格",
                    parent=group,
                    boundary=square(lng + 0.03 * (g - 1), lat + 0.014 * (m - 1), 0.0135),
                    by=None,
                )
                for h in range(1, (9 if v == 1 else 3)):
                    household = household_create(
                        number=f"{micro.code}{h:03d}",
                        microgrid=micro,
                        address=f"{vname}{'一二三'[g - 1]}组{m * 10 + h}号",
                        is_dibao=rnd.random() < 0.15,
                        is_tuopin=rnd.random() < 0.1,
                        is_military_family=rnd.random() < 0.05,
                        by=None,
                    )
                    surname = rnd.choice(SURNAMES)
                    head = person_create(
                        household=household,
                        name=surname + rnd.choice(GIVEN),
                        citizen_id=citizen_id("M", dt.date(1960 + rnd.randrange(25), 5, 17)),
                        relation=Relation.HEAD,
                        phone=f"138{rnd.randrange(10**8):08d}",
                        by=None,
                    )
                    spouse = person_create(
                        household=household,
                        name=rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                        citizen_id=citizen_id("F", dt.date(1962 + rnd.randrange(25), 8, 3)),
                        relation=Relation.SPOUSE,
                        by=None,
                    )
                    person_create(
                        household=household,
                        name=surname + rnd.choice(GIVEN),
                        citizen_id=citizen_id("M", dt.date(1990 + rnd.randrange(20), 1, 9)),
                        relation=Relation.CHILD,
                        by=None,
                    )
                    if rnd.random() < 0.3:
                        party_member_create(
                            person=head,
                            organization=pgroup,
                            status=MemberStatus.FULL,
                            joined_on=dt.date(2000, 7, 1),
                            full_member_on=dt.date(2001, 7, 1),
                            is_center_household=rnd.random() < 0.3,
                            by=None,
                        )
                    if rnd.random() < 0.1:
                        person_sensitive_set(person=spouse, data={"serious_illness": True}, by=None)
                    if h == 1 and m == 1:
                        grid_post_create(
                            node=micro,
                            person=head,
                            kind=GridPostKind.HEAD,
                            start_on=dt.date(2021, 3, 1),
                            by=None,
                        )
                    if g == 1 and m == 1 and h == 1:
                        membership_create(
                            body=committee,
                            person=head,
                            role=BodyRole.CHAIR,
                            term_start=dt.date(2021, 1, 1),
                            by=None,
                        )
                        membership_create(
                            body=supervision,
                            person=spouse,
                            role=BodyRole.MEMBER,
                            term_start=dt.date(2021, 1, 1),
                            by=None,
                        )
    user = user_create(username="cadre", password="demo-Pass-123", full_name="王书记")
    assignment_create(user=user, node=town, role=Role.TOWN_CADRE)
    from gridgov.people.models import Household, Person

    household = Household.objects.filter(grid_path__startswith=first.code).first()
    return {
        "village": first.code,
        "group": first.code + "001",
        "microgrid": first.code + "001001",
        "household": household.number,
        "person": Person.objects.filter(household=household).first().pk,
        "org": f"P{first.code}",
        "body": f"V{first.code}",
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gridgov-shots")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gridgov-shots-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        # An empty database of your own may be given (e.g. PostgreSQL); else a SQLite file.
        "GRIDGOV_DATABASE_URL": os.environ.get(
            "GRIDGOV_SHOTS_DATABASE_URL", f"sqlite:///{work / 'db.sqlite3'}"
        ),
        "GRIDGOV_VAR_DIR": str(work),
        "GRIDGOV_DEBUG": "0",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from gridgov.core.context import Source, actor_context

    call_command("migrate", verbosity=0)
    with actor_context(source=Source.SYSTEM):
        ids = seed()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gridgov", "runserver", "--noreload", f"127.0.0.1:{port}"], env=env
    )
    try:
        time.sleep(2.5)
        shoot(f"http://127.0.0.1:{port}", ids, out)
    finally:
        server.terminate()
        server.wait(10)
    print(f"screenshots in {out}")


def shoot(base: str, ids: dict, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    pages = {
        "login": "/login/",
        "home": "/",
        "village": f"/grid/{ids['village']}/",
        "microgrid": f"/grid/{ids['microgrid']}/",
        "households": f"/households/?under={ids['village']}",
        "household": f"/households/{ids['household']}/",
        "persons": "/persons/",
        "person": f"/persons/{ids['person']}/",
        "orgs": "/orgs/",
        "org": f"/orgs/{ids['org']}/",
        "members": "/members/",
        "report": "/orgs/report/",
        "body": f"/bodies/{ids['body']}/",
        "search": "/search/?q=陈",
        "import": "/import/",
        "roles": "/roles/",
        "audit": "/audit/",
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            headless=True,
        )
        for label, viewport in [("phone", PHONE), ("desktop", DESKTOP)]:
            context = browser.new_context(
                viewport=viewport,
                locale="zh-CN",
                device_scale_factor=1 if label == "desktop" else 2,
            )
            page = context.new_page()
            page.goto(base + "/login/")
            page.screenshot(path=str(out / f"{label}-login.png"), full_page=True)
            page.fill("input[name=username]", "cadre")
            page.fill("input[name=password]", "demo-Pass-123")
            page.click("main button[type=submit]")
            page.wait_for_url(base + "/")
            for name, path in pages.items():
                if name == "login":
                    continue
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                height = page.evaluate("document.documentElement.scrollHeight")
                clip = {"x": 0, "y": 0, "width": viewport["width"], "height": min(height, 1800)}
                page.screenshot(path=str(out / f"{label}-{name}.png"), full_page=True, clip=clip)
            shoot_imports(page, base, ids, out, label, work_dir=out)
            if label == "phone":
                # The same phone in English, through the language switch in the top bar.
                page.click("form.lang-switch button")
                page.wait_for_load_state("networkidle")
                for name in ["village", "household", "person", "import"]:
                    page.goto(base + pages[name])
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(out / f"{label}-en-{name}.png"), full_page=True)
            context.close()
        browser.close()


def shoot_imports(page, base: str, ids: dict, out: Path, label: str, *, work_dir: Path) -> None:
    """A dry run with an error in every way a cadre makes one, and a clean import."""
    mg = ids["microgrid"]
    bad = work_dir / "户-有错.csv"
    bad.write_text(
        "户编号,微网格代码,住址,低保户\n"
        f"{mg}901,{mg},平东村东街1号,是\n"
        f"{mg}902,440605001299001001,平东村东街2号,否\n"
        f"{mg}903,{mg},平东村东街3号,也许\n"
        f"{mg}901,{mg},平东村东街1号,是\n",
        encoding="utf-8",
    )
    good = work_dir / "户.csv"
    good.write_text(
        "户编号,微网格代码,住址,低保户\n"
        + "".join(f"{mg}9{i:02d},{mg},平东村东街{i}号,否\n" for i in range(10, 30)),
        encoding="utf-8",
    )
    for name, path, dry in [("import-errors", bad, True), ("import-ok", good, True)]:
        page.goto(base + "/import/")
        page.select_option("select[name=kind]", "households")
        page.set_input_files("input[name=file]", str(path))
        page.set_checked("input[name=dry_run]", dry)
        page.click("form.import-form button[type=submit]")
        page.wait_for_selector("#import-status:not([hx-trigger])")
        page.screenshot(path=str(out / f"{label}-{name}.png"), full_page=True)


if __name__ == "__main__":
    main()
