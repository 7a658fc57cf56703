"""The access matrix: every page and API operation, for every role, inside and outside its scope.

Each role is held at village A (平东村). For each endpoint the table below names the action the
role table (``accounts.roles.ROLE_ACTIONS``) must allow, and how to reach an object of village
A (in scope) and of village B (out of scope). The expectation is generated from the role table:

- in scope: the endpoint's success status if the role allows every action it needs, else 404
  (or the row's ``refused`` status where the page shows why, e.g. a step of a matter the role
  sees but may not take: 403 with the reason);
- out of scope: 404 for every role (never 403, never a count);
- anonymous: the sign-in page (pages) or 401 (API).

Residents' pages under /p/ need no sign-in: ``PUBLIC_CASES`` expect the same answer for anonymous
visitors and for every role.

A completeness test fails when a URL or API operation is added without a row here. Writes run
inside a savepoint that is rolled back, so every role meets the same data.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gridgov.accounts.roles import ROLE_ACTIONS, Role
from gridgov.accounts.services import api_token_create
from gridgov.api.router import api
from gridgov.cases.intake import matter_create
from gridgov.cases.models import Category, Channel
from gridgov.cases.services import matter_act
from gridgov.core.jobs import job_create
from gridgov.core.verify import verify_path
from gridgov.orgs.models import BodyMembership, GridPost, PartyMember

pytestmark = pytest.mark.django_db

VIEW, CHANGE, SENSITIVE, REVEAL = "view", "change", "view_sensitive", "reveal"
GRID, IMPORT, AUDIT = "manage_grid", "import", "audit"
REPORT, HANDLE = "report_matter", "handle_matter"
MANAGE = "manage_users"
ANY = ()  # every signed-in user


@dataclass(frozen=True)
class Case:
    key: str  # the URL name (web) or "METHOD /path" of the OpenAPI schema (API)
    path: Callable[[dict, Any], str]  # (objects of A or B, user) → path
    actions: tuple[str, ...]
    method: str = "get"
    data: Callable[[Any], dict] | None = None
    ok: int = 200
    scoped: bool = True  # False: nothing of B to point at (lists, forms): no out-of-scope call
    refused: int = 404  # in scope, role without the actions


def side(world, inside: bool) -> dict[str, Any]:
    """The objects of village A (inside) or B."""
    if inside:
        return {
            "village": world.tree.village,
            "microgrid": world.tree.microgrid,
            "household": world.household,
            "person": world.spouse,
            "org": world.branch,
            "body": world.committee,
        }
    return {
        "village": world.tree.other_village,
        "microgrid": world.tree.other_microgrid,
        "household": world.other_household,
        "person": world.other_person,
        "org": world.other_branch,
        "body": world.other_body,
    }


def web(key: str, path: Callable[[dict], str], actions=(VIEW,), **kw) -> Case:
    return Case(key, lambda o, user: path(o), actions, **kw)


def page(key: str, path: str, actions=ANY, **kw) -> Case:
    return Case(key, lambda o, user: path, actions, scoped=False, **kw)


def job_path(suffix: str) -> Callable[[dict, Any], str]:
    """An import job of the user (in scope) or of village B's cadre (out of scope)."""

    def path(o, user):
        owner = user if o["inside"] else o["world"].outsider
        params = {"kind": "persons", "filename": "x.csv", "suffix": ".csv", "dry_run": True}
        job = job_create(owner=owner, kind="import", params=params)
        return f"/import/jobs/{job.id.hex}/{suffix}"

    return path


def matter_of(o, *, settled: bool = False):
    """A matter of village A (in scope) or B, held by the village, with a photo; made once."""
    world = o["world"]
    made = world.__dict__.setdefault("web_matters", {})
    key = (o["inside"], settled)
    if key not in made:
        village = world.tree.village if o["inside"] else world.tree.other_village
        matter = matter_create(
            category=Category.objects.get(code="dispute"),
            description="村道路灯不亮",
            channel=Channel.STAFF,
            place=village,
            photos=[SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png")],
        )
        if settled:
            cadre = world.cadre if o["inside"] else world.outsider
            matter = matter_act(matter=matter, user=cadre, action="sign")
            matter = matter_act(matter=matter, user=cadre, action="settle", answer="已修复")
        made[key] = matter
    return made[key]


def matter_path(suffix: str = "") -> Callable[[dict, Any], str]:
    return lambda o, user: f"/matters/{matter_of(o).number}/{suffix}"


def photo_path(o, user) -> str:
    matter = matter_of(o)
    return f"/matters/{matter.number}/photos/{matter.photos.get().pk}/"


# ---- links (党员联户) --------------------------------------------------------------------------
# Rows of the links app's pages and operations, one list per part of the app (the register and
# coverage; plans; visits; contact cards). Objects of village A or B that a row needs are made by
# the row's path function from ``o["world"]`` (see ``matter_of``).

MANAGE_LINKS = "manage_links"


def link_of(o):
    """A link in force of village A (in scope) or B, with its linker; made once."""
    from gridgov.links.services import link_create, linker_create

    world = o["world"]
    made = world.__dict__.setdefault("web_links", {})
    if o["inside"] not in made:
        person = world.spouse if o["inside"] else world.other_person
        household = world.household if o["inside"] else world.other_household
        linker = linker_create(person=person, kind="other", by=None)
        made[o["inside"]] = link_create(linker=linker, household=household, by=None)
    return made[o["inside"]]


LINKS_WEB_LINKING: list[Case] = [
    page("web:links", "/links/", (VIEW,)),
    web("web:links", lambda o: f"/links/?node={o['village'].code}"),
    page("web:link_register", "/links/register/", (VIEW,)),
    page("web:link_new", "/links/register/new/", (MANAGE_LINKS,)),
    Case(
        "web:link_end",
        lambda o, user: f"/links/register/{link_of(o).pk}/end/",
        (MANAGE_LINKS,),
        method="post",
        data=lambda o: {"reason": "迁出本村"},
        ok=302,
    ),
    page("web:linkers", "/links/linkers/", (VIEW,)),
    page("web:linker_new", "/links/linkers/new/", (MANAGE_LINKS,)),
    Case("web:linker", lambda o, user: f"/links/linkers/{link_of(o).linker_id}/", (VIEW,)),
    web("web:link_map", lambda o: f"/links/map/?node={o['village'].code}"),
]


PLAN = "plan_links"


def plan_of(o):
    """A draft plan of village A's (in scope) or B's micro-grid; made once."""
    world = o["world"]
    made = world.__dict__.setdefault("link_plans", {})
    if o["inside"] not in made:
        from gridgov.links.planning import plan_compute

        made[o["inside"]] = plan_compute(node=o["microgrid"], by=None)
    return made[o["inside"]]


def _meeting(o) -> dict:
    from django.utils import timezone

    return {"meeting": "党员大会", "meeting_on": timezone.localdate().isoformat()}


LINKS_WEB_PLANS: list[Case] = [
    page("web:link_plans", "/links/plans/", (PLAN,)),
    web("web:link_plan", lambda o: f"/links/plans/{plan_of(o).pk}/", (PLAN,)),
    web(
        "web:link_plan_approve",
        lambda o: f"/links/plans/{plan_of(o).pk}/approve/",
        (PLAN,),
        method="post",
        data=_meeting,
        ok=302,
    ),
    web(
        "web:link_plan_apply",
        lambda o: f"/links/plans/{plan_of(o).pk}/apply/",
        (PLAN,),
        method="post",
        ok=302,
    ),
    web(
        "web:link_plan_discard",
        lambda o: f"/links/plans/{plan_of(o).pk}/discard/",
        (PLAN,),
        method="post",
        ok=302,
    ),
]


RECORD_VISIT, MANAGE_LINKS = "record_visit", "manage_links"


def visit_of(o):
    """A visit to the household of village A (in scope) or B, by that village's cadre; made
    once. Its household is linked to a linker of that village (for appraisals)."""
    from gridgov.links.services import link_create, linker_create
    from gridgov.links.visits import visit_record

    world = o["world"]
    made = world.__dict__.setdefault("link_visits", {})
    if o["inside"] not in made:
        household = world.household if o["inside"] else world.other_household
        person = world.head if o["inside"] else world.other_person
        linker = linker_create(person=person, kind="member", by=None)
        link_create(linker=linker, household=household, by=None)
        cadre = world.cadre if o["inside"] else world.outsider
        made[o["inside"]] = visit_record(
            household=household,
            by=cadre,
            outcome="met",
            photo=SimpleUploadedFile("v.png", b"\x89PNG\r\n\x1a\n" + bytes(32), "image/png"),
        )
    return made[o["inside"]]


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _period() -> str:
    from django.utils import timezone

    from gridgov.links.periods import appraisal_period

    return appraisal_period(timezone.localdate())


def visit_path(suffix: str = "") -> Callable[[dict, Any], str]:
    return lambda o, user: f"/links/visits/{visit_of(o).pk}/{suffix}"


LINKS_WEB_VISITS: list[Case] = [
    page("web:links_visits", "/links/visits/", (VIEW,)),
    page("web:visit_new", "/links/visits/new/", (RECORD_VISIT,)),
    web(
        "web:visit_new",
        lambda o: f"/links/visits/new/?household={o['household'].number}",
        (RECORD_VISIT,),
    ),
    web(
        "web:visit_new",
        lambda o: "/links/visits/new/",
        (RECORD_VISIT,),
        method="post",
        data=lambda o: {"household": o["household"].number, "outcome": "not_home"},
        ok=302,
    ),
    Case("web:visit_detail", visit_path(), (VIEW,)),
    Case(
        "web:visit_matter",
        visit_path("matter/"),
        (RECORD_VISIT, REPORT),
        method="post",
        data=lambda o: {"category": "dispute", "description": "邻里纠纷"},
        ok=302,
    ),
    Case("web:visit_photo", visit_path("photo/"), (VIEW,)),
    page("web:visit_tasks", "/links/visits/tasks/", (VIEW,)),
    page("web:household_event_new", "/links/visits/events/new/", (RECORD_VISIT,)),
    web(
        "web:household_event_new",
        lambda o: "/links/visits/events/new/",
        (RECORD_VISIT,),
        method="post",
        data=lambda o: {
            "household": o["household"].number,
            "kind": "hospital",
            "occurred_on": _today(),
        },
        ok=302,
    ),
    web("web:links_compliance", lambda o: f"/links/visits/compliance/?node={o['village'].code}"),
    page("web:appraisals", "/links/visits/appraisals/", (VIEW,)),
    page("web:appraisal_new", "/links/visits/appraisals/new/", (MANAGE_LINKS,)),
    Case(
        "web:appraisal_new",
        lambda o, user: (visit_of(o), "/links/visits/appraisals/new/")[1],
        (MANAGE_LINKS,),
        method="post",
        data=lambda o: {"household": o["household"].number, "period": _period(), "score": "4"},
        ok=302,
    ),
]


PRINT = "print_cards"


def card_token_path(o, user) -> str:
    """The public page of a card of the household of village A (or B): a token issued once."""
    from gridgov.links.cards import card_path, card_tokens_issue

    household = o["household"]
    return card_path(card_tokens_issue(households=[household], by=None)[household.pk])


def card_revoke_path(o, user) -> str:
    card_token_path(o, user)  # a valid token to revoke (each call is rolled back)
    return "/api/v1/link-cards/revoke"


LINKS_WEB_CARDS: list[Case] = [
    web("web:link_cards", lambda o: f"/links/cards/?node={o['village'].code}", (PRINT,)),
    web(
        "web:link_cards_pdf",
        lambda o: f"/links/cards/{o['village'].code}/list.pdf",
        (PRINT,),
        method="post",
    ),
    web(
        "web:link_cards_revoke",
        lambda o: f"/links/cards/{o['village'].code}/revoke/",
        (PRINT,),
        method="post",
        data=lambda o: {"household": o["household"].number},
        ok=302,
    ),
]

# The phone page a card's QR code opens (/c/, no sign-in).
LINKS_PUBLIC_CARDS: list[Case] = [
    Case("card:page", card_token_path, ANY),
    # The household's score of its linker: back to the card's page, scored or told why not.
    Case(
        "card:appraise",
        lambda o, user: card_token_path(o, user) + "appraise/",
        ANY,
        method="post",
        data=lambda o: {"score": "3"},
        ok=302,
    ),
]


# ---- decisions (重要事项决策) ------------------------------------------------------------------
# Rows of the decisions app's pages, one list per part (matters and their steps; meetings;
# reviews, notices and their printing; opinions). Its matters are made through the app's
# services, in village A (by its cadre) or B (by B's cadre), from ``o["world"]``: every body's
# roll there has one person (the party members' assembly: 陈大明 in A, 赵秘密 in B; the two
# committees and the representative meeting: the villagers' committee's chair).

MANAGE_MATTERS, CONFIRM_OVERRIDE = "manage_matters", "confirm_override"
SUPERVISE_MATTERS, RECORD_OPINION = "supervise_matters", "record_opinion"
# Every role here is held at village A: what needs a role at the county or the town (putting
# the default important-matters list on the county) is never allowed, in scope or not.
ABOVE_VILLAGE = "held_above_the_village"


def _minutes_ago(minutes: float) -> dt.datetime:
    """A moment of today (local time) that far back, or today's first: a roll is the one of
    the meeting's day, and the world's people were registered today."""
    from django.utils import timezone

    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - dt.timedelta(minutes=minutes), midnight)


def _in_days_at(days: int) -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime() + dt.timedelta(days=days)


def _local(at: dt.datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def _in_days(days: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=days)


def decision_once(o, name: str, make: Callable[[dict], Any]) -> Any:
    """``make(o)`` for village A (inside) or B, made once per test."""
    made = o["world"].__dict__.setdefault("decisions", {})
    key = (name, o["inside"])
    if key not in made:
        made[key] = make(o)
    return made[key]


def decision_kinds(o) -> dict[str, Any]:
    """The county's default important-matters list (both villages'), put on once."""
    from gridgov.decisions.services import matter_kinds_seed

    world = o["world"]
    if "decision_kinds" not in world.__dict__:
        kinds = matter_kinds_seed(county=world.tree.county, by=None)
        world.__dict__["decision_kinds"] = {kind.code: kind for kind in kinds}
    return world.__dict__["decision_kinds"]


def _village_cadre(o):
    return o["world"].cadre if o["inside"] else o["world"].outsider


def _supervisor(o):
    """A member of the village's supervision committee (村务监督委员会)."""
    from gridgov.accounts.services import assignment_create, user_create

    def make(o):
        user = user_create(username=f"supervisor_{int(o['inside'])}", password="pw-Test-123")
        assignment_create(user=user, node=o["village"], role=Role.SUPERVISOR)
        return user

    return decision_once(o, "supervisor", make)


def _new_decision(o, title: str):
    from gridgov.decisions.services import matter_create

    kind = decision_kinds(o)["projects"]  # 四议两公开
    return matter_create(node=o["village"], kind=kind, title=title, by=_village_cadre(o))


def _hold(o, matter, body: str, minutes: float, *, passed: bool = True):
    """The meeting of the matter's current stage, its one person on the roll present and
    voting for (or against) it."""
    from gridgov.decisions.meetings import meeting_record
    from gridgov.decisions.stages import current_stage

    stage = current_stage(matter)
    assert stage is not None
    return meeting_record(
        stage=stage,
        body=body,
        held_at=_minutes_ago(minutes),
        place="村委会议室",
        chair="陈大明",
        summary="会议纪要",
        counts={"present": 1, "yes": int(passed), "no": int(not passed)},
        by=_village_cadre(o),
    )


def decision_fresh(o):
    """A matter just registered: its proposal stage open, no meeting yet."""
    return decision_once(o, "fresh", lambda o: _new_decision(o, "村道硬底化工程"))


def decision_stage(o):
    """The fresh matter's current stage (its proposal)."""
    return decision_fresh(o).stages.get(order=1)


def decision_held(o) -> dict[str, Any]:
    """A matter whose proposal meeting failed (one vote against), with an override asked by the
    village's cadre, an objection of the supervision committee on that stage, and the opinions
    of the village's households asked (one task per household)."""

    def make(o) -> dict[str, Any]:
        from gridgov.decisions.reviews import review_record
        from gridgov.decisions.services import meeting_override_request
        from gridgov.decisions.solicitations import solicitation_create

        matter = _new_decision(o, "文化室改建")
        meeting = _hold(o, matter, "party_assembly", 2, passed=False)
        meeting_override_request(
            meeting=meeting, reason="党员抗洪值守，事项紧急", by=_village_cadre(o)
        )
        review = review_record(
            stage=meeting.stage, verdict="objection", reason="会前未公示议题", by=_supervisor(o)
        )
        solicitation = solicitation_create(
            matter=matter,
            question="是否同意改建文化室",
            closes_on=_in_days(7),
            by=_village_cadre(o),
        )
        return {
            "matter": matter,
            "meeting": meeting,
            "stage": meeting.stage,
            "review": review,
            "solicitation": solicitation,
            "task": solicitation.tasks.order_by("id").first(),
        }

    return decision_once(o, "held", make)


def decision_decided(o) -> dict[str, Any]:
    """A matter carried by its four meetings and its decision notice (of village A or B)
    published: the result of its implementation is next."""

    def make(o) -> dict[str, Any]:
        from gridgov.decisions.notices import notice_publish

        matter = _new_decision(o, "村道路灯安装")
        for minutes, body in (
            (5, "party_assembly"),  # the proposal
            (4, "two_committees"),  # the consultation
            (3, "party_assembly"),  # the party members' review
            (2, "representative_meeting"),  # the resolution
        ):
            _hold(o, matter, body, minutes)
        notice = notice_publish(
            node=o["village"],
            kind="decision",
            title="关于村道路灯安装的决议公开",
            body="经村民代表会议表决通过。",
            matter=matter,
            by=_village_cadre(o),
        )
        return {"matter": matter, "notice": notice}

    return decision_once(o, "decided", make)


def decision_notice(o):
    return decision_decided(o)["notice"]


def decision_printed(o):
    """The decision notice printed once by the village's cadre (its verify link)."""

    def make(o):
        from gridgov.decisions.printing import notice_print

        doc, _printed = notice_print(
            notice=decision_notice(o), by=_village_cadre(o), base="https://gov.example.cn"
        )
        return doc

    return decision_once(o, "printed", make)


def decision_step(action: str, matter: Callable[[dict], Any], actions, data) -> Case:
    """A step on a matter's page: the form's service, back to the matter (302); a role that sees
    the matter but may not take the step gets 403 with the reason."""
    return web(
        "web:decision_act",
        lambda o: f"/decisions/{matter(o).pk}/act/{action}/",
        (VIEW, *actions),
        method="post",
        data=data,
        ok=302,
        refused=403,
    )


def _held_matter(o):
    return decision_held(o)["matter"]


def _decided_matter(o):
    return decision_decided(o)["matter"]


DECISIONS_WEB_MATTERS: list[Case] = [
    page("web:decisions", "/decisions/", (VIEW,)),
    page("web:decisions_overview", "/decisions/overview/", (VIEW,)),
    page("web:decision_new", "/decisions/new/", (MANAGE_MATTERS,)),
    Case(
        "web:decision_new",
        lambda o, user: "/decisions/new/",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {
            "node": o["village"].code,
            "kind": decision_kinds(o)["projects"].pk,
            "title": "村道硬底化工程",
        },
        ok=302,
        scoped=False,  # a place of B is a form error (not on the form's list)
    ),
    Case(
        "web:decision_kinds_seed",
        lambda o, user: "/decisions/kinds/seed/",
        (MANAGE_MATTERS, ABOVE_VILLAGE),  # at the county or a town of it
        method="post",
        data=lambda o: {"county": o["world"].tree.county.code},
        ok=302,
        scoped=False,
    ),
    web("web:decision", lambda o: f"/decisions/{_held_matter(o).pk}/"),
    web("web:decision", lambda o: f"/decisions/{_decided_matter(o).pk}/"),
    decision_step("withdraw", decision_fresh, (MANAGE_MATTERS,), lambda o: {"reason": "不需要了"}),
    decision_step(
        "schedule",
        decision_fresh,
        (MANAGE_MATTERS,),
        lambda o: {
            "body": "party_assembly",
            "held_at": _local(_in_days_at(2)),
            "place": "党群服务中心",
        },
    ),
    decision_step(
        "solicit",
        decision_fresh,
        (MANAGE_MATTERS,),
        lambda o: {"question": "是否同意硬底化村道", "closes_on": _in_days(7).isoformat()},
    ),
    decision_step(
        "override",
        _held_matter,
        (MANAGE_MATTERS,),
        lambda o: {"meeting": decision_held(o)["meeting"].pk, "reason": "两名党员抗洪值守"},
    ),
    # Asked by the village's cadre (the world's), confirmed by another holder.
    decision_step(
        "confirm",
        _held_matter,
        (CONFIRM_OVERRIDE,),
        lambda o: {"meeting": decision_held(o)["meeting"].pk},
    ),
    decision_step(
        "review",
        _held_matter,
        (SUPERVISE_MATTERS,),
        lambda o: {"stage": decision_held(o)["stage"].pk, "verdict": "signoff"},
    ),
    decision_step(
        "answer",
        _held_matter,
        (MANAGE_MATTERS,),
        lambda o: {"review": decision_held(o)["review"].pk, "answer": "议题已于会前张贴公示"},
    ),
    decision_step(
        "result", _decided_matter, (MANAGE_MATTERS,), lambda o: {"result_text": "已完工，验收合格"}
    ),
]


DECISIONS_WEB_MEETINGS: list[Case] = [
    web(
        "web:decision_meeting_new",
        lambda o: f"/decisions/stages/{decision_stage(o).pk}/meeting/",
        (VIEW, MANAGE_MATTERS),
        refused=403,
    ),
    web(
        "web:decision_meeting_new",
        lambda o: f"/decisions/stages/{decision_stage(o).pk}/meeting/",
        (VIEW, MANAGE_MATTERS),
        method="post",
        data=lambda o: {
            "body": "party_assembly",
            "mode": "counts",  # a show of hands
            "held_at": _local(_minutes_ago(1)),
            "present": 1,
            "yes": 1,
            "no": 0,
            "abstain": 0,
            "excused": 0,
        },
        ok=302,
        refused=403,
    ),
    web("web:decision_meeting", lambda o: f"/decisions/meetings/{decision_held(o)['meeting'].pk}/"),
    web(
        "web:decision_meeting",
        lambda o: f"/decisions/meetings/{decision_held(o)['meeting'].pk}/",
        (VIEW, MANAGE_MATTERS),
        method="post",
        data=lambda o: {
            "place": "党群服务中心",
            "chair": "陈大明",
            "summary": "会议纪要",
            "reason": "地点记错",
        },
        ok=302,
        refused=403,
    ),
    web(
        "web:decision_minutes",
        lambda o: f"/decisions/meetings/{decision_held(o)['meeting'].pk}/minutes.pdf",
    ),
]


DECISIONS_WEB_NOTICES: list[Case] = [
    page("web:decision_reviews", "/decisions/reviews/", (VIEW,)),
    page("web:decision_notices", "/decisions/notices/", (VIEW,)),
    page("web:decision_notice_new", "/decisions/notices/new/", (MANAGE_MATTERS,)),
    Case(
        "web:decision_notice_new",
        lambda o, user: "/decisions/notices/new/",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {
            "node": o["village"].code,
            "kind": "ordinary",
            "title": "二季度村务公开",
            "body": "本季度村务收支情况如下。",
            "period_days": 7,
        },
        ok=302,
        scoped=False,  # a village of B is a form error (not on the form's list)
    ),
    web(
        "web:decision_notice_new",
        lambda o: f"/decisions/notices/new/?matter={_decided_matter(o).pk}&kind=result",
        (VIEW, MANAGE_MATTERS),
        refused=403,
    ),
    web(
        "web:decision_notice_print",
        lambda o: f"/decisions/notices/{decision_notice(o).pk}/print/",
        (VIEW, MANAGE_MATTERS),
        refused=403,
    ),
    web(
        "web:decision_notice_pdf",
        lambda o: f"/decisions/notices/{decision_notice(o).pk}/print.pdf",
        (VIEW, MANAGE_MATTERS),
        method="post",
        refused=403,
    ),
    web(
        "web:decision_notice_posting",
        lambda o: (decision_printed(o), f"/decisions/notices/{decision_notice(o).pk}/posting/")[1],
        (VIEW, MANAGE_MATTERS),
        method="post",
        data=lambda o: {"place": "村务公开栏"},
        ok=302,
        refused=403,
    ),
]


DECISIONS_WEB_OPINIONS: list[Case] = [
    web(
        "web:decision_solicitation",
        lambda o: f"/decisions/solicitations/{decision_held(o)['solicitation'].pk}/",
    ),
    web(
        "web:decision_opinion",
        lambda o: f"/decisions/opinions/{decision_held(o)['task'].pk}/",
        (VIEW, RECORD_OPINION),
        refused=403,
    ),
    web(
        "web:decision_opinion",
        lambda o: f"/decisions/opinions/{decision_held(o)['task'].pk}/",
        (VIEW, RECORD_OPINION),
        method="post",
        data=lambda o: {"stance": "support", "channel": "visit"},
        ok=302,
        refused=403,
    ),
]


def _village_b(o) -> dict[str, Any]:
    """The objects of village B, for a public page asked with village A's code."""
    return {**side(o["world"], False), "world": o["world"], "inside": False}


# A village's public board (/p/board/) and the page a printed notice's QR code opens (/p/v/):
# the same answer for everyone; anything the board or the record does not have is one 404 page.
DECISIONS_PUBLIC: list[Case] = [
    Case("board:village", lambda o, user: f"/p/board/{o['village'].code}/", ANY),
    Case(
        "board:notice",
        lambda o, user: f"/p/board/{o['village'].code}/{decision_notice(o).pk}/",
        ANY,
    ),
    # Village B's notice under village A's code.
    Case(
        "board:notice",
        lambda o, user: f"/p/board/{o['village'].code}/{decision_notice(_village_b(o)).pk}/",
        ANY,
        ok=404,
    ),
    Case("board:unknown", lambda o, user: "/p/board/x/y/z/", ANY, ok=404),
    Case("verify:page", lambda o, user: verify_path(decision_printed(o)), ANY),
    Case(
        "verify:page",
        lambda o, user: f"/p/v/{decision_printed(o).uid}/0000000000/",  # not its hash
        ANY,
        ok=404,
    ),
    Case("verify:unknown", lambda o, user: "/p/v/x/", ANY, ok=404),
]


WEB_CASES = [
    page("web:home", "/", (VIEW,)),
    web("web:node", lambda o: f"/grid/{o['village'].code}/"),
    web("web:node_children", lambda o: f"/grid/{o['village'].code}/children/"),
    page("web:households", "/households/", (VIEW,)),
    web("web:household", lambda o: f"/households/{o['household'].number}/"),
    page("web:persons", "/persons/", (VIEW,)),
    web("web:person", lambda o: f"/persons/{o['person'].pk}/"),
    web("web:person_sensitive", lambda o: f"/persons/{o['person'].pk}/sensitive/", (SENSITIVE,)),
    web(
        "web:person_reveal",
        lambda o: f"/persons/{o['person'].pk}/reveal/",
        (REVEAL,),
        method="post",
        data=lambda w: {"field": "citizen_id", "reason": "核实身份信息"},
    ),
    page("web:orgs", "/orgs/", (VIEW,)),
    page("web:org_report", "/orgs/report/", (VIEW,)),
    web("web:org", lambda o: f"/orgs/{o['org'].code}/"),
    page("web:members", "/members/", (VIEW,)),
    web("web:body", lambda o: f"/bodies/{o['body'].code}/"),
    page("web:search", "/search/?q=陈", (VIEW,)),
    page("web:import", "/import/", (IMPORT,)),
    page("web:import_template", "/import/template/persons/", (IMPORT,)),
    Case("web:import_job", job_path(""), (IMPORT,)),
    Case("web:import_progress", job_path("progress/"), (IMPORT,)),
    # The report exists only after a run with errors: own job without one answers 404 too.
    Case("web:import_report", job_path("report/"), (IMPORT, "never")),
    Case(
        "web:import_commit",
        job_path("commit/"),
        (IMPORT, "never"),  # a job that has not passed its dry run cannot be committed
        method="post",
    ),
    page("web:audit", "/audit/", (AUDIT,)),
    page("web:roles", "/roles/"),
    page("web:matters", "/matters/", (VIEW,)),
    page("web:matter_new", "/matters/new/", (REPORT,)),
    web("web:matter_measures", lambda o: f"/matters/measures/?node={o['village'].code}"),
    Case("web:matter", matter_path(), (VIEW,)),
    Case("web:matter_photo", photo_path, (VIEW,)),
    Case(
        "web:matter_act",
        matter_path("act/note/"),
        (VIEW, HANDLE),  # at the level that holds it (the village)
        method="post",
        data=lambda o: {"public_note": "已上门了解情况"},
        ok=302,
        refused=403,  # sees the matter, may not act on it: the page says so
    ),
    page("web:inbox", "/inbox/"),
    page("web:inbox_unread", "/inbox/unread/"),
    page("web:inbox_read", "/inbox/read/", method="post", ok=302),
    # Users and roles (accounts app): the managed user is a viewer of village A or B.
    page("accounts:users", "/users/?q=user&role=viewer", (MANAGE,)),
    page("accounts:user_new", "/users/new/", (MANAGE,)),
    web(
        "accounts:user_new",
        lambda o: "/users/new/",
        (MANAGE,),
        method="post",
        data=lambda o: {
            "username": "matrix_new",
            "full_name": "新用户",
            "node": o["village"].code,
            "role": "viewer",
        },
        scoped=False,  # a node of B is a form error (the form names the field), tested apart
    ),
    web("accounts:user", lambda o: f"/users/{o['managed'].pk}/", (MANAGE,)),
    web(
        "accounts:user_deactivate",
        lambda o: f"/users/{o['managed'].pk}/deactivate/",
        (MANAGE,),
        method="post",
        ok=302,
    ),
    web(
        "accounts:user_reactivate",
        lambda o: f"/users/{o['managed'].pk}/reactivate/",
        (MANAGE,),
        method="post",
        ok=302,
    ),
    web(
        "accounts:user_password_reset",
        lambda o: f"/users/{o['managed'].pk}/password-reset/",
        (MANAGE,),
        method="post",
    ),
    web(
        "accounts:assignment_new",
        lambda o: f"/users/{o['managed'].pk}/assignments/",
        (MANAGE,),
        method="post",
        data=lambda o: {"node": o["microgrid"].code, "role": "grid_worker"},
        ok=302,
    ),
    web(
        "accounts:assignment_revoke",
        lambda o: f"/users/{o['managed'].pk}/assignments/{o['managed_role'].pk}/revoke/",
        (MANAGE,),
        method="post",
        ok=302,
    ),
    page("accounts:password_change", "/password/"),
    # -- links (党员联户): one block per part, kept apart so that they grow independently --
    *LINKS_WEB_LINKING,
    *LINKS_WEB_PLANS,
    *LINKS_WEB_VISITS,
    *LINKS_WEB_CARDS,
    # -- decisions (重要事项决策) --
    *DECISIONS_WEB_MATTERS,
    *DECISIONS_WEB_MEETINGS,
    *DECISIONS_WEB_NOTICES,
    *DECISIONS_WEB_OPINIONS,
]
WEB_EXEMPT = {
    "web:login": "public: the sign-in page itself",
    "web:logout": "signs out whoever calls it",
}


PUBLIC_CASES = [
    page("public:home", "/p/"),
    page("public:report", "/p/report/"),
    Case("public:groups", lambda o, user: f"/p/report/groups/?village={o['village'].code}", ANY),
    Case("public:track", lambda o, user: f"/p/m/{matter_of(o).tracking_token}/", ANY),
    Case(
        "public:track_review",
        lambda o, user: f"/p/m/{matter_of(o, settled=True).tracking_token}/review/",
        ANY,
        method="post",
        data=lambda o: {"satisfaction": "basic"},
        ok=302,
    ),
    Case(
        "public:track_reopen",
        lambda o, user: f"/p/m/{matter_of(o, settled=True).tracking_token}/reopen/",
        ANY,
        method="post",
        data=lambda o: {"reason": "路灯又坏了"},
        ok=302,
    ),
    *LINKS_PUBLIC_CARDS,
    *DECISIONS_PUBLIC,
]


def api_case(key: str, path: Callable[[dict], str], actions=(VIEW,), **kw) -> Case:
    return Case(key, lambda o, user: "/api/v1" + path(o), actions, **kw)


def api_list(key: str, path: str, actions=(VIEW,)) -> Case:
    return Case(key, lambda o, user: "/api/v1" + path, actions, scoped=False)


# Rows of the links app's API operations, one list per part (as the pages above).
def linking_of(o) -> dict[str, Any]:
    """A linker of village A (the world's member, 陈大明) or B (赵秘密) linked to a household of
    its village, and a household of that village with no link yet; made once."""
    from gridgov.links.services import link_create, linker_create
    from gridgov.people.services import household_create

    world = o["world"]
    made = world.__dict__.setdefault("api_links", {})
    if o["inside"] not in made:
        if o["inside"]:
            person, household, microgrid = world.head, world.household, world.tree.microgrid
        else:
            person, household = world.other_person, world.other_household
            microgrid = world.tree.other_microgrid
        linker = linker_create(person=person, kind="center", by=None)
        link = link_create(linker=linker, household=household, by=None)
        free = household_create(
            number=f"{microgrid.code}9001", microgrid=microgrid, address="待联系户", by=None
        )
        made[o["inside"]] = {"linker": linker, "link": link, "free": free}
    return made[o["inside"]]


LINKS_API_LINKING: list[Case] = [
    api_list("GET /api/v1/links", "/links"),
    api_list("GET /api/v1/links/mine", "/links/mine", ANY),
    api_case("GET /api/v1/links/{link_id}", lambda o: f"/links/{linking_of(o)['link'].pk}"),
    api_case(
        "POST /api/v1/links",
        lambda o: "/links",
        ("manage_links",),
        method="post",
        data=lambda o: {
            "linker": linking_of(o)["linker"].pk,
            "household": linking_of(o)["free"].number,
        },
        ok=201,
    ),
    api_case(
        "POST /api/v1/links/{link_id}/end",
        lambda o: f"/links/{linking_of(o)['link'].pk}/end",
        ("manage_links",),
        method="post",
        data=lambda o: {"reason": "户迁出"},
    ),
    api_list("GET /api/v1/linkers", "/linkers"),
    api_case("GET /api/v1/linkers/{linker_id}", lambda o: f"/linkers/{linking_of(o)['linker'].pk}"),
    api_case(
        "POST /api/v1/linkers",
        lambda o: "/linkers",
        ("manage_links",),
        method="post",
        data=lambda o: {"person": o["person"].pk, "kind": "village_cadre"},
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/linkers/{linker_id}",
        lambda o: f"/linkers/{linking_of(o)['linker'].pk}",
        ("manage_links",),
        method="patch",
        data=lambda o: {"phone_consent": True},
    ),
    api_case("GET /api/v1/link-coverage", lambda o: f"/link-coverage?under={o['village'].code}"),
]


LINKS_API_PLANS: list[Case] = [
    api_list("GET /api/v1/link-plans", "/link-plans", ANY),
    api_case("GET /api/v1/link-plans/{plan_id}", lambda o: f"/link-plans/{plan_of(o).pk}", (PLAN,)),
    api_case(
        "GET /api/v1/link-plans/{plan_id}/assignments",
        lambda o: f"/link-plans/{plan_of(o).pk}/assignments",
        (PLAN,),
    ),
    api_case(
        "POST /api/v1/link-plans",
        lambda o: "/link-plans",
        (PLAN,),
        method="post",
        data=lambda o: {"node": o["microgrid"].code},
        ok=201,
    ),
    api_case(
        "POST /api/v1/link-plans/{plan_id}/approve",
        lambda o: f"/link-plans/{plan_of(o).pk}/approve",
        (PLAN,),
        method="post",
        data=_meeting,
    ),
    api_case(
        "POST /api/v1/link-plans/{plan_id}/apply",
        lambda o: f"/link-plans/{plan_of(o).pk}/apply",
        (PLAN,),
        method="post",
        ok=422,  # a draft is not applied before its approval; in scope, the reason
    ),
    api_case(
        "POST /api/v1/link-plans/{plan_id}/discard",
        lambda o: f"/link-plans/{plan_of(o).pk}/discard",
        (PLAN,),
        method="post",
    ),
]


LINKS_API_VISITS: list[Case] = [
    api_list("GET /api/v1/visits", "/visits"),
    Case(
        "GET /api/v1/visits/{visit_id}", lambda o, user: f"/api/v1/visits/{visit_of(o).pk}", (VIEW,)
    ),
    api_case(
        "POST /api/v1/visits",
        lambda o: "/visits",
        (RECORD_VISIT,),
        method="post",
        data=lambda o: {"household": o["household"].number, "outcome": "not_home"},
        ok=201,
    ),
    Case(
        "POST /api/v1/visits/{visit_id}/matter",
        lambda o, user: f"/api/v1/visits/{visit_of(o).pk}/matter",
        (RECORD_VISIT, REPORT),
        method="post",
        data=lambda o: {"category": "dispute", "description": "邻里纠纷"},
        ok=201,
    ),
    api_case(
        "GET /api/v1/visits/compliance", lambda o: f"/visits/compliance?node={o['village'].code}"
    ),
    api_list("GET /api/v1/visit-tasks", "/visit-tasks"),
    api_list("GET /api/v1/household-events", "/household-events"),
    api_case(
        "POST /api/v1/household-events",
        lambda o: "/household-events",
        (RECORD_VISIT,),
        method="post",
        data=lambda o: {
            "household": o["household"].number,
            "kind": "hospital",
            "occurred_on": _today(),
        },
        ok=201,
    ),
    api_list("GET /api/v1/appraisals", "/appraisals"),
    Case(
        "POST /api/v1/appraisals",
        lambda o, user: (visit_of(o), "/api/v1/appraisals")[1],
        (MANAGE_LINKS,),
        method="post",
        data=lambda o: {
            "household": o["household"].number,
            "linker": visit_of(o).household.links.get().linker_id,
            "score": 4,
        },
        ok=201,
    ),
]


LINKS_API_CARDS: list[Case] = [
    Case(
        "GET /api/v1/link-cards",
        lambda o, user: f"/api/v1/link-cards?under={o['village'].code}&kind=list",
        (PRINT,),
    ),
    Case(
        "POST /api/v1/link-cards/revoke",
        card_revoke_path,
        (PRINT,),
        method="post",
        data=lambda o: {"household": o["household"].number},
    ),
]


# Rows of the decisions app's API operations (重要事项决策), one list per part.
DECISIONS_API_MATTERS: list[Case] = [
    api_case("GET /api/v1/decision-kinds", lambda o: f"/decision-kinds?node={o['village'].code}"),
    Case(
        "POST /api/v1/decision-kinds/seed",
        lambda o, user: "/api/v1/decision-kinds/seed",
        (MANAGE_MATTERS, ABOVE_VILLAGE),  # at the county
        method="post",
        data=lambda o: {"county": o["world"].tree.county.code},
        scoped=False,
    ),
    api_list("GET /api/v1/decision-matters", "/decision-matters"),
    api_case(
        "GET /api/v1/decision-matters/{matter_id}",
        lambda o: f"/decision-matters/{_held_matter(o).pk}",
    ),
    api_case(
        "POST /api/v1/decision-matters",
        lambda o: "/decision-matters",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: (
            decision_kinds(o),
            {"node": o["village"].code, "kind": "projects", "title": "村道硬底化工程"},
        )[1],
        ok=201,
    ),
    api_case(
        "POST /api/v1/decision-matters/{matter_id}/withdraw",
        lambda o: f"/decision-matters/{decision_fresh(o).pk}/withdraw",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {"reason": "不需要了"},
    ),
    api_case(
        "POST /api/v1/decision-matters/{matter_id}/result",
        lambda o: f"/decision-matters/{_decided_matter(o).pk}/result",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {"result_text": "已完工，验收合格"},
    ),
]


DECISIONS_API_MEETINGS: list[Case] = [
    api_list("GET /api/v1/decision-meetings", "/decision-meetings"),
    api_case(
        "GET /api/v1/decision-meetings/{meeting_id}",
        lambda o: f"/decision-meetings/{decision_held(o)['meeting'].pk}",
    ),
    api_case(
        "POST /api/v1/decision-stages/{stage_id}/meetings",
        lambda o: f"/decision-stages/{decision_stage(o).pk}/meetings",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {
            "body": "party_assembly",
            "held_at": _minutes_ago(1).isoformat(),
            "counts": {"present": 1, "yes": 1},
        },
        ok=201,
    ),
    api_case(
        "POST /api/v1/decision-stages/{stage_id}/schedule",
        lambda o: f"/decision-stages/{decision_stage(o).pk}/schedule",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {"body": "party_assembly", "held_at": _in_days_at(2).isoformat()},
        ok=201,
    ),
    api_case(
        "POST /api/v1/decision-meetings/{meeting_id}/override",
        lambda o: f"/decision-meetings/{decision_held(o)['meeting'].pk}/override",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {"reason": "两名党员抗洪值守"},
    ),
    # Asked by the village's cadre (the world's), confirmed by another holder.
    api_case(
        "POST /api/v1/decision-meetings/{meeting_id}/override/confirm",
        lambda o: f"/decision-meetings/{decision_held(o)['meeting'].pk}/override/confirm",
        (CONFIRM_OVERRIDE,),
        method="post",
    ),
    api_case(
        "POST /api/v1/decision-meetings/{meeting_id}/amendments",
        lambda o: f"/decision-meetings/{decision_held(o)['meeting'].pk}/amendments",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {"changes": {"place": "党群服务中心"}, "reason": "地点记错"},
        ok=201,
    ),
    api_list("GET /api/v1/decision-reviews", "/decision-reviews"),
    api_case(
        "POST /api/v1/decision-stages/{stage_id}/reviews",
        lambda o: f"/decision-stages/{decision_held(o)['stage'].pk}/reviews",
        (SUPERVISE_MATTERS,),
        method="post",
        data=lambda o: {"verdict": "signoff"},
        ok=201,
    ),
    api_case(
        "POST /api/v1/decision-reviews/{review_id}/answer",
        lambda o: f"/decision-reviews/{decision_held(o)['review'].pk}/answer",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {"answer": "议题已于会前张贴公示"},
    ),
]


DECISIONS_API_NOTICES: list[Case] = [
    api_list("GET /api/v1/decision-notices", "/decision-notices"),
    api_case(
        "GET /api/v1/decision-notices/{notice_id}",
        lambda o: f"/decision-notices/{decision_notice(o).pk}",
    ),
    api_case(
        "POST /api/v1/decision-notices",
        lambda o: "/decision-notices",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {
            "kind": "ordinary",
            "title": "二季度村务公开",
            "body": "本季度村务收支情况如下。",
            "node": o["village"].code,
        },
        ok=201,
    ),
]


DECISIONS_API_OPINIONS: list[Case] = [
    api_case(
        "POST /api/v1/decision-matters/{matter_id}/solicitations",
        lambda o: f"/decision-matters/{decision_fresh(o).pk}/solicitations",
        (MANAGE_MATTERS,),
        method="post",
        data=lambda o: {"question": "是否同意硬底化村道", "closes_on": _in_days(7).isoformat()},
        ok=201,
    ),
    api_case(
        "GET /api/v1/decision-solicitations/{solicitation_id}",
        lambda o: f"/decision-solicitations/{decision_held(o)['solicitation'].pk}",
    ),
    api_case(
        "GET /api/v1/decision-solicitations/{solicitation_id}/tasks",
        lambda o: f"/decision-solicitations/{decision_held(o)['solicitation'].pk}/tasks",
    ),
    api_case(
        "POST /api/v1/decision-opinions/{task_id}",
        lambda o: f"/decision-opinions/{decision_held(o)['task'].pk}",
        (RECORD_OPINION,),
        method="post",
        data=lambda o: {"stance": "support"},
    ),
]


DECISIONS_API_TALLY: list[Case] = [
    # Reads nothing: every signed-in user may tally (anonymous: 401).
    Case(
        "POST /api/v1/decisions/tally",
        lambda o, user: "/api/v1/decisions/tally",
        ANY,
        method="post",
        data=lambda o: {"body": "party_assembly", "voting_members": 10, "present": 6, "yes": 6},
        scoped=False,
    ),
]


API_CASES = [
    api_list("GET /api/v1/me", "/me", ANY),
    api_list("GET /api/v1/grid-nodes/", "/grid-nodes/"),
    api_case("GET /api/v1/grid-nodes/{code}", lambda o: f"/grid-nodes/{o['village'].code}"),
    api_case(
        "POST /api/v1/grid-nodes/",
        lambda o: "/grid-nodes/",
        (GRID,),
        method="post",
        data=lambda o: {
            "code": o["village"].code + "009",
            "name": "新小组",
            "parent": o["village"].code,
        },
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/grid-nodes/{code}",
        lambda o: f"/grid-nodes/{o['village'].code}",
        (GRID,),
        method="patch",
        data=lambda o: {"name": "改名村"},
    ),
    api_list("GET /api/v1/households/", "/households/"),
    api_case("GET /api/v1/households/{number}", lambda o: f"/households/{o['household'].number}"),
    api_case(
        "POST /api/v1/households/",
        lambda o: "/households/",
        (CHANGE,),
        method="post",
        data=lambda o: {"number": o["microgrid"].code + "9999", "microgrid": o["microgrid"].code},
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/households/{number}",
        lambda o: f"/households/{o['household'].number}",
        (CHANGE,),
        method="patch",
        data=lambda o: {"address": "新地址"},
    ),
    api_case(
        "POST /api/v1/households/{number}/move",
        lambda o: f"/households/{o['household'].number}/move",
        (CHANGE,),
        method="post",
        data=lambda o: {"to_microgrid": o["microgrid"].code},
    ),
    api_list("GET /api/v1/persons/", "/persons/"),
    Case(
        "POST /api/v1/persons/search",
        lambda o, user: "/api/v1/persons/search",
        (VIEW,),
        method="post",
        data=lambda o: {"q": "张"},
        scoped=False,
    ),
    api_case("GET /api/v1/persons/{person_id}", lambda o: f"/persons/{o['person'].pk}"),
    api_case(
        "POST /api/v1/persons/",
        lambda o: "/persons/",
        (CHANGE,),
        method="post",
        data=lambda o: {
            "household": o["household"].number,
            "name": "新人",
            "citizen_id": o["new_id"],
            "relation": "child",
        },
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/persons/{person_id}",
        lambda o: f"/persons/{o['person'].pk}",
        (CHANGE,),
        method="patch",
        data=lambda o: {"name": "改名"},
    ),
    api_case(
        "POST /api/v1/persons/{person_id}/move",
        lambda o: f"/persons/{o['person'].pk}/move",
        (CHANGE,),
        method="post",
        data=lambda o: {"to_household": o["household"].number},
    ),
    api_case(
        "PATCH /api/v1/persons/{person_id}/sensitive",
        lambda o: f"/persons/{o['person'].pk}/sensitive",
        (CHANGE, SENSITIVE),
        method="patch",
        data=lambda o: {"serious_illness": False},
    ),
    api_case(
        "POST /api/v1/persons/{person_id}/reveal",
        lambda o: f"/persons/{o['person'].pk}/reveal",
        (REVEAL,),
        method="post",
        data=lambda o: {"field": "phone", "reason": "电话联系核实"},
    ),
    api_list("GET /api/v1/party-orgs/", "/party-orgs/"),
    api_case("GET /api/v1/party-orgs/{code}", lambda o: f"/party-orgs/{o['org'].code}"),
    api_case(
        "POST /api/v1/party-orgs/",
        lambda o: "/party-orgs/",
        (GRID,),
        method="post",
        data=lambda o: {
            "code": "P-NEW-" + o["village"].code,
            "name": "新党小组",
            "kind": "group",
            "node": o["village"].code,
            "parent": o["org"].code,
        },
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/party-orgs/{code}",
        lambda o: f"/party-orgs/{o['org'].code}",
        (GRID,),
        method="patch",
        data=lambda o: {"name": "改名党支部"},
    ),
    api_list("GET /api/v1/party-members/", "/party-members/"),
    api_case("GET /api/v1/party-members/{member_id}", lambda o: f"/party-members/{o['member'].pk}"),
    api_case(
        "POST /api/v1/party-members/",
        lambda o: "/party-members/",
        (CHANGE,),
        method="post",
        data=lambda o: {
            "person": o["person"].pk,
            "organization": o["org"].code,
            "status": "probationary",
            "joined_on": "2024-07-01",
        },
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/party-members/{member_id}",
        lambda o: f"/party-members/{o['member'].pk}",
        (CHANGE,),
        method="patch",
        data=lambda o: {"is_mobile": True},
    ),
    api_case(
        "POST /api/v1/party-members/{member_id}/transfer",
        lambda o: f"/party-members/{o['member'].pk}/transfer",
        (CHANGE,),
        method="post",
        data=lambda o: {"to_organization": o["org"].code},
    ),
    api_list("GET /api/v1/bodies/", "/bodies/"),
    api_case("GET /api/v1/bodies/{code}", lambda o: f"/bodies/{o['body'].code}"),
    api_case(
        "POST /api/v1/bodies/",
        lambda o: "/bodies/",
        (GRID,),
        method="post",
        data=lambda o: {
            "code": "B-NEW-" + o["village"].code,
            "name": "新组委会",
            "kind": "group_committee",
            "node": o["village"].code,
        },
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/bodies/{code}",
        lambda o: f"/bodies/{o['body'].code}",
        (GRID,),
        method="patch",
        data=lambda o: {"name": "改名委员会"},
    ),
    api_case(
        "GET /api/v1/bodies/{code}/memberships", lambda o: f"/bodies/{o['body'].code}/memberships"
    ),
    api_case(
        "POST /api/v1/bodies/{code}/memberships",
        lambda o: f"/bodies/{o['body'].code}/memberships",
        (GRID,),
        method="post",
        data=lambda o: {"person": o["person"].pk, "role": "member", "term_start": "2024-01-01"},
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/bodies/{code}/memberships/{membership_id}",
        lambda o: f"/bodies/{o['body'].code}/memberships/{o['membership'].pk}",
        (GRID,),
        method="patch",
        data=lambda o: {"term_end": "2025-12-31"},
    ),
    api_list("GET /api/v1/grid-posts/", "/grid-posts/"),
    api_case("GET /api/v1/grid-posts/{post_id}", lambda o: f"/grid-posts/{o['post'].pk}"),
    api_case(
        "POST /api/v1/grid-posts/",
        lambda o: "/grid-posts/",
        (GRID,),
        method="post",
        data=lambda o: {
            "node": o["village"].code,
            "person": o["person"].pk,
            "kind": "worker",
            "start_on": "2024-01-01",
        },
        ok=201,
    ),
    api_case(
        "PATCH /api/v1/grid-posts/{post_id}",
        lambda o: f"/grid-posts/{o['post'].pk}",
        (GRID,),
        method="patch",
        data=lambda o: {"end_on": "2025-12-31"},
    ),
    api_list("GET /api/v1/audit-entries/", "/audit-entries/", (AUDIT,)),
    api_list("GET /api/v1/matter-categories/", "/matter-categories/", ANY),
    api_list("GET /api/v1/matters/", "/matters/"),
    api_case(
        "GET /api/v1/matters/measures", lambda o: f"/matters/measures?node={o['village'].code}"
    ),
    api_case("GET /api/v1/matters/{number}", lambda o: f"/matters/{matter_of(o).number}"),
    api_case(
        "POST /api/v1/matters/",
        lambda o: "/matters/",
        (REPORT,),
        method="post",
        data=lambda o: {
            "category": "dispute",
            "description": "路灯不亮",
            "place": o["village"].code,
        },
        ok=201,
    ),
    api_case(
        "POST /api/v1/matters/{number}/actions/{action}",
        lambda o: f"/matters/{matter_of(o).number}/actions/note",
        (VIEW, HANDLE),  # at the level that holds it (the village)
        method="post",
        data=lambda o: {"public_note": "已上门了解情况"},
        refused=403,  # sees the matter, may not act on it
    ),
    api_list("GET /api/v1/notifications/", "/notifications/", ANY),
    api_list("GET /api/v1/users/", "/users/?role=viewer", (MANAGE,)),
    api_case("GET /api/v1/users/{user_id}", lambda o: f"/users/{o['managed'].pk}", (MANAGE,)),
    api_case(
        "POST /api/v1/users/",
        lambda o: "/users/",
        (MANAGE,),
        method="post",
        data=lambda o: {
            "username": "matrix_new",
            "full_name": "新用户",
            "node": o["village"].code,
            "role": "viewer",
        },
        ok=201,
    ),
    api_case(
        "POST /api/v1/users/{user_id}/deactivate",
        lambda o: f"/users/{o['managed'].pk}/deactivate",
        (MANAGE,),
        method="post",
    ),
    api_case(
        "POST /api/v1/users/{user_id}/reactivate",
        lambda o: f"/users/{o['managed'].pk}/reactivate",
        (MANAGE,),
        method="post",
    ),
    api_case(
        "POST /api/v1/users/{user_id}/password-reset",
        lambda o: f"/users/{o['managed'].pk}/password-reset",
        (MANAGE,),
        method="post",
    ),
    api_case(
        "POST /api/v1/users/{user_id}/assignments",
        lambda o: f"/users/{o['managed'].pk}/assignments",
        (MANAGE,),
        method="post",
        data=lambda o: {"node": o["microgrid"].code, "role": "grid_worker"},
        ok=201,
    ),
    api_case(
        "DELETE /api/v1/users/{user_id}/assignments/{assignment_id}",
        lambda o: f"/users/{o['managed'].pk}/assignments/{o['managed_role'].pk}",
        (MANAGE,),
        method="delete",
        ok=204,
    ),
    Case(
        "POST /api/v1/notifications/read",
        lambda o, user: "/api/v1/notifications/read",
        ANY,
        method="post",
        scoped=False,
    ),
    # -- links (党员联户): one block per part, kept apart so that they grow independently --
    *LINKS_API_LINKING,
    *LINKS_API_PLANS,
    *LINKS_API_VISITS,
    *LINKS_API_CARDS,
    # -- decisions (重要事项决策) --
    *DECISIONS_API_MATTERS,
    *DECISIONS_API_MEETINGS,
    *DECISIONS_API_NOTICES,
    *DECISIONS_API_OPINIONS,
    *DECISIONS_API_TALLY,
]


@pytest.fixture
def matrix(world, make_person, make_user):
    """The world, plus a body, membership, member and post of village B, and one user per role
    (with an API token) at village A."""
    from gridgov.conftest import new_citizen_id
    from gridgov.orgs.services import (
        body_create,
        grid_post_create,
        membership_create,
        party_member_create,
    )

    world.other_body = body_create(
        code="V440605001202",
        name="平西村村民委员会",
        kind="village_committee",
        node=world.tree.other_village,
        by=None,
    )
    extra = {
        True: {
            "member": PartyMember.objects.get(person=world.head),
            "membership": BodyMembership.objects.get(body=world.committee, person=world.head),
            "post": GridPost.objects.get(person=world.head),
        },
        False: {
            "member": party_member_create(
                person=world.other_person,
                organization=world.other_branch,
                status="full",
                joined_on=dt.date(2000, 7, 1),
                full_member_on=dt.date(2001, 7, 1),
                by=None,
            ),
            "membership": membership_create(
                body=world.other_body,
                person=world.other_person,
                role="chair",
                term_start=dt.date(2021, 1, 1),
                by=None,
            ),
            "post": grid_post_create(
                node=world.tree.other_microgrid,
                person=world.other_person,
                kind="head",
                start_on=dt.date(2021, 1, 1),
                by=None,
            ),
        },
    }
    for inside, village in ((True, world.tree.village), (False, world.tree.other_village)):
        managed = make_user(Role.VIEWER, village)
        extra[inside]["managed"] = managed
        extra[inside]["managed_role"] = managed.assignments.get()
    users = {role: make_user(role, world.tree.village) for role in Role}
    tokens = {role: api_token_create(user=users[role], name="matrix")[1] for role in Role}
    return world, extra, users, tokens, new_citizen_id


def allowed(role: str, actions: tuple[str, ...]) -> bool:
    return all(action in ROLE_ACTIONS[role] for action in actions)


def call(client: Client, case: Case, path: str, data: dict | None, *, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if case.method == "get":
        return client.get(path, headers=headers)
    if path.startswith("/api/"):
        body = json.dumps(data or {})
        return getattr(client, case.method)(
            path, body, content_type="application/json", headers=headers
        )
    return getattr(client, case.method)(path, data or {}, headers=headers)


def objects_of(matrix, inside: bool) -> dict[str, Any]:
    world, extra, _users, _tokens, new_id = matrix
    return {
        **side(world, inside),
        **extra[inside],
        "new_id": new_id(),
        "world": world,
        "inside": inside,
    }


def run_case(case: Case, matrix) -> None:
    _world, _extra, users, tokens, _new_id = matrix
    api_call = case.key.split(" ", 1)[-1].startswith("/api/")
    results = []
    for role in Role:
        for inside in (True, False) if case.scoped else (True,):
            user = users[role]
            objects = objects_of(matrix, inside)
            path = case.path(objects, user)
            data = case.data(objects) if case.data else None
            client = Client()
            if not api_call:
                client.force_login(user)
            expected = (case.ok if allowed(role, case.actions) else case.refused) if inside else 404
            with transaction.atomic():
                response = call(client, case, path, data, token=tokens[role] if api_call else None)
                transaction.set_rollback(True)
            results.append((role.value, inside, expected, response.status_code))
    wrong = [r for r in results if r[2] != r[3]]
    assert not wrong, f"{case.key}: (role, in scope, expected, got) {wrong}"
    # Anonymous callers: the sign-in page, or 401 from the API.
    objects = objects_of(matrix, True)
    path = case.path(objects, users[Role.VIEWER])
    response = call(Client(), case, path, case.data(objects) if case.data else None)
    if api_call:
        assert response.status_code == 401, (case.key, response.status_code)
    else:
        assert response.status_code == 302, (case.key, response.status_code)
        assert "/login/" in response["Location"], case.key


@pytest.mark.parametrize("case", WEB_CASES + API_CASES, ids=lambda c: c.key)
def test_every_role_in_and_out_of_scope(case, matrix):
    run_case(case, matrix)


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.key)
def test_public_pages_answer_everyone_alike(case, matrix):
    """No sign-in needed, and a staff member's session changes nothing (never a login page)."""
    _world, _extra, users, _tokens, _new_id = matrix
    objects = objects_of(matrix, True)
    results = []
    for user in [None, *users.values()]:
        client = Client()
        if user is not None:
            client.force_login(user)
        path = case.path(objects, user)
        data = case.data(objects) if case.data else None
        with transaction.atomic():
            response = call(client, case, path, data)
            transaction.set_rollback(True)
        results.append((getattr(user, "username", "anonymous"), case.ok, response.status_code))
    wrong = [r for r in results if r[1] != r[2]]
    assert not wrong, f"{case.key}: (user, expected, got) {wrong}"


def _web_names(patterns, prefix="") -> set[str]:
    names = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else prefix
            names |= _web_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(prefix + p.name)
    return names


def test_the_matrix_covers_every_page_and_operation():
    names = _web_names(get_resolver().url_patterns)
    prefixes = ("web:", "public:", "accounts:", "card:", "board:", "verify:")
    pages = {n for n in names if n.startswith(prefixes)}
    covered = {c.key for c in WEB_CASES + PUBLIC_CASES} | set(WEB_EXEMPT)
    assert pages == covered, f"pages without a row: {pages - covered}; stale: {covered - pages}"
    schema = api.get_openapi_schema()
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "patch", "put", "delete"}
    }
    covered = {c.key for c in API_CASES}
    assert operations == covered, (
        f"without a row: {operations - covered}; stale: {covered - operations}"
    )
