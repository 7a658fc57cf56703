"""The important-matters API (/decision-*): the whole 四议两公开 walk, failed stages held again,
overrides by a second person, the supervision committee's objections, notices, opinions asked
of the households, bad input naming the field, scope (404 everywhere outside it) and bounded
queries on the lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry
from gridgov.decisions.models import Matter, MatterKind, Meeting, StageStatus
from gridgov.decisions.services import matter_kinds_seed
from gridgov.decisions.tests.test_rolls import Clock, at, born, clock_fixture  # noqa: F401
from gridgov.links.models import LinkerKind
from gridgov.links.services import link_create, linker_create
from gridgov.orgs.models import BodyKind, BodyRole, MemberStatus
from gridgov.orgs.services import body_create, membership_create, party_member_create
from gridgov.testing.api import BASE
from gridgov.wsgi import application

pytestmark = pytest.mark.django_db

NOW = at(2025, 6, 10)


@dataclass
class Village:
    """平东村 with its bodies: a branch committee of 3 (the secretary and two members), 3 voting
    party members, the villagers' committee (its chair is the secretary: 3 on the two
    committees), and 2 representatives (3 at the representative meeting)."""

    world: Any
    tree: Any
    clock: Clock
    cadre: Any  # ApiClient of a village cadre
    second: Any  # another village cadre
    supervisor: Any
    outsider: Any  # a village cadre of 平西村
    admin: Any  # a county administrator
    committee: list[Any]  # the branch committee's members

    def stage(self, matter: dict[str, Any], kind: str) -> dict[str, Any]:
        return next(s for s in matter["stages"] if s["kind"]["code"] == kind)

    def held(self, minutes_ago: int = 60) -> str:
        self.clock.tick(minutes=5)
        return (self.clock.now - dt.timedelta(minutes=minutes_ago)).isoformat()


def _seat(body, person, role=BodyRole.MEMBER):
    membership_create(body=body, person=person, role=role, term_start=dt.date(2021, 1, 1), by=None)


@pytest.fixture
def village(clock, world, make_person, make_user, api_as) -> Village:
    tree = world.tree
    members = [world.head]
    for n in range(2):
        person = born(make_person, name=f"支委{n}", birth=dt.date(1975, 1, 1))
        party_member_create(
            person=person,
            organization=world.party_group,
            status=MemberStatus.FULL,
            joined_on=dt.date(2000, 7, 1),
            full_member_on=dt.date(2001, 7, 1),
            by=None,
        )
        members.append(person)
    branch = body_create(
        code="B440605001201",
        name="平东村党支部委员会",
        kind=BodyKind.BRANCH_COMMITTEE,
        node=tree.village,
        by=None,
    )
    _seat(branch, world.head, BodyRole.CHAIR)
    for person in members[1:]:
        _seat(branch, person)
    representatives = body_create(
        code="R440605001201",
        name="平东村村民代表会议",
        kind=BodyKind.REPRESENTATIVES,
        node=tree.village,
        by=None,
    )
    for n in range(2):
        _seat(
            representatives,
            born(make_person, name=f"代表{n}", birth=dt.date(1982, 1, 1)),
            BodyRole.REPRESENTATIVE,
        )
    result = Village(
        world=world,
        tree=tree,
        clock=clock,
        cadre=api_as(world.cadre),
        second=api_as(make_user(Role.VILLAGE_CADRE, tree.village)),
        supervisor=api_as(make_user(Role.SUPERVISOR, tree.village)),
        outsider=api_as(world.outsider),
        admin=api_as(make_user(Role.COUNTY_ADMIN, tree.county)),
        committee=members,
    )
    clock.set(NOW)
    return result


@pytest.fixture
def seeded(village) -> Village:
    matter_kinds_seed(county=village.tree.county, by=None)
    return village


def create_matter(v: Village, **fields: Any) -> dict[str, Any]:
    body = {"node": v.tree.village.code, "kind": "projects", "title": "村道硬底化工程", **fields}
    response = v.cadre.post("/decision-matters", body)
    assert response.status_code == 201, response.content
    return response.json()


def record(v: Village, stage_id: int, body: str, *, client=None, **fields: Any):
    payload = {
        "body": body,
        "held_at": v.held(),
        "chair": "陈大明",
        "place": "村委会议室",
        "summary": "会议纪要",
        **fields,
    }
    return (client or v.cadre).post(f"/decision-stages/{stage_id}/meetings", payload)


def everyone(v: Village, n: int = 3) -> dict[str, int]:
    return {"present": n, "yes": n}


def run_to(v: Village, matter: dict[str, Any], kind: str) -> dict[str, Any]:
    """Pass each stage by a full meeting until ``kind`` is the current stage; the matter."""
    bodies = {
        "proposal": "branch_committee",
        "consultation": "two_committees",
        "party_review": "party_assembly",
        "resolution": "representative_meeting",
    }
    while matter["current_stage"]["kind"]["code"] != kind:
        stage = matter["current_stage"]
        code = stage["kind"]["code"]
        response = record(v, stage["id"], bodies[code], counts=everyone(v))
        assert response.status_code == 201, response.content
        assert response.json()["result"]["passed"]
        matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    return matter


# -- The whole walk ---------------------------------------------------------------------------


def test_four_two_runs_through_the_api_to_done(village):
    v = village
    seeded = v.admin.post("/decision-kinds/seed", {"county": v.tree.county.code})
    assert seeded.status_code == 200, seeded.content
    assert {"projects", "funds", "group"} <= {k["code"] for k in seeded.json()}
    assert v.admin.post("/decision-kinds/seed", {"county": v.tree.county.code}).json() == []
    # The list is the county's: a village cadre cannot set it; a village is not a county.
    assert v.cadre.post("/decision-kinds/seed", {"county": v.tree.county.code}).status_code == 404
    village_list = v.admin.post("/decision-kinds/seed", {"county": v.tree.village.code})
    assert village_list.status_code == 422 and "node" in village_list.json()["errors"]
    kinds = v.cadre.get("/decision-kinds", node=v.tree.village.code)
    assert kinds.status_code == 200
    projects = next(k for k in kinds.json() if k["code"] == "projects")
    assert projects["procedure"]["code"] == "four_two" and projects["list_at"] == "440605"

    matter = create_matter(v, amount="120000.50", description="全长1.2公里")
    assert matter["number"].startswith("D20250610")
    assert matter["amount"] in ("120000.50", 120000.5)
    assert matter["status"]["code"] == "open"
    assert [s["kind"]["code"] for s in matter["stages"]] == [
        "proposal",
        "consultation",
        "party_review",
        "resolution",
        "decision_notice",
        "result_notice",
    ]
    proposal = v.stage(matter, "proposal")
    assert matter["current_stage"]["id"] == proposal["id"] and proposal["current"]
    assert [b["code"] for b in proposal["bodies"]] == ["branch_committee", "party_assembly"]
    assert AuditEntry.objects.filter(
        action="create", object_type="decisions.matter", object_id=str(matter["id"])
    ).exists()

    # 村党组织提议: the branch committee, per person: all three present, two yes, one abstains.
    head, first, second = v.committee
    attendance = [
        {"person_id": head.pk, "attendance": "present", "vote": "yes"},
        {"person_id": first.pk, "attendance": "present", "vote": "yes"},
        {"person_id": second.pk, "attendance": "present", "vote": "abstain"},
    ]
    made = record(v, proposal["id"], "branch_committee", attendance=attendance)
    assert made.status_code == 201, made.content
    meeting = made.json()
    assert (meeting["roll_members"], meeting["due"], meeting["present"], meeting["yes"]) == (
        3,
        3,
        3,
        2,
    )
    assert meeting["result"]["quorum"] and meeting["result"]["passed"]
    assert "支部工作条例" in meeting["result"]["citation"]
    assert meeting["result"]["version"] == "2018" and meeting["result"]["rule"]
    assert meeting["late"] is False and meeting["override"] is None
    assert meeting["held_at"].endswith(("Z", "+00:00", "+08:00"))
    names = {row["person"]["name"]: row for row in meeting["attendance"]}
    assert names["陈大明"]["vote"]["code"] == "yes"
    assert names[second.name]["vote"]["code"] == "abstain"
    text = made.content.decode()
    assert v.world.head_id_number not in text and "13812345678" not in text
    assert "id_masked" not in text and "phone" not in text

    # The supervision committee signs the proposal off.
    review = v.supervisor.post(f"/decision-stages/{proposal['id']}/reviews", {"verdict": "signoff"})
    assert review.status_code == 201, review.content
    assert review.json()["verdict"]["code"] == "signoff" and not review.json()["holds"]

    # 两委商议, 党员大会审议, 村民代表会议决议: counted.
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    consultation = record(v, matter["current_stage"]["id"], "two_committees", counts=everyone(v))
    assert consultation.status_code == 201, consultation.content
    assert consultation.json()["stage"]["kind"]["code"] == "consultation"
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    review_party = record(v, matter["current_stage"]["id"], "party_assembly", counts=everyone(v))
    assert review_party.json()["roll_members"] == 3
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    resolution = record(
        v,
        matter["current_stage"]["id"],
        "representative_meeting",
        counts={"present": 3, "yes": 2, "no": 1},
    )
    assert resolution.status_code == 201, resolution.content
    assert "第二十六条" in resolution.json()["result"]["citation"]
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    assert matter["status"]["code"] == "decided"
    assert matter["current_stage"]["kind"]["code"] == "decision_notice"
    assert [len(s["meetings"]) for s in matter["stages"]] == [1, 1, 1, 1, 0, 0]
    assert v.stage(matter, "proposal")["reviews"][0]["verdict"]["code"] == "signoff"

    # The result cannot be recorded before the decision is disclosed.
    early = v.cadre.post(f"/decision-matters/{matter['id']}/result", {"result_text": "已完工"})
    assert early.status_code == 422 and "result_text" in early.json()["errors"]

    # 决议公开.
    notice = v.cadre.post(
        "/decision-notices",
        {
            "kind": "decision",
            "matter": matter["id"],
            "title": "村道硬底化决议公开",
            "body": "经村民代表会议决议。",
        },
    )
    assert notice.status_code == 201, notice.content
    decision = notice.json()
    assert decision["major"] and decision["node"]["code"] == v.tree.village.code
    assert decision["period_days"] == 7
    assert "第二十六条" in decision["text"] and matter["number"] in decision["text"]
    assert "陈大明" not in decision["text"]

    # 实施结果 and 实施结果公开.
    done = v.cadre.post(
        f"/decision-matters/{matter['id']}/result", {"result_text": "道路已完工验收"}
    )
    assert done.status_code == 200, done.content
    assert done.json()["result_text"] == "道路已完工验收"
    result = v.cadre.post(
        "/decision-notices",
        {
            "kind": "result",
            "matter": matter["id"],
            "title": "村道硬底化实施结果公开",
            "body": "已完工。",
        },
    )
    assert result.status_code == 201, result.content
    assert "实施结果：道路已完工验收" in result.json()["text"]
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    assert matter["status"]["code"] == "done" and matter["current_stage"] is None
    assert all(s["status"]["code"] == "passed" for s in matter["stages"])
    assert [n["kind"]["code"] for n in matter["notices"]] == ["decision", "result"]

    listed = v.cadre.get("/decision-notices", kind="decision").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == decision["id"]
    assert v.cadre.get("/decision-notices", matter=matter["id"]).json()["count"] == 2
    assert v.cadre.get(f"/decision-notices/{decision['id']}").json()["text"] == decision["text"]
    assert v.cadre.get("/decision-meetings", matter=matter["id"]).json()["count"] == 4
    assert v.cadre.get("/decision-matters", status="done").json()["count"] == 1
    assert v.cadre.get("/decision-matters", q="硬底化").json()["count"] == 1
    assert v.cadre.get("/decision-matters", kind="funds").json()["count"] == 0


def test_a_group_matter_of_another_procedure_and_a_kind_off_the_list(seeded):
    v = seeded
    bad = v.cadre.post(
        "/decision-matters", {"node": v.tree.village.code, "kind": "nonesuch", "title": "某事"}
    )
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    group = v.cadre.post(
        "/decision-matters", {"node": v.tree.village.code, "kind": "group", "title": "组内道路"}
    )
    assert group.status_code == 422 and "node" in group.json()["errors"]
    made = create_matter(v, node=v.tree.group.code, kind="group", title="组内道路")
    assert made["procedure"]["code"] == "group" and made["node"]["level"]["code"] == "group"
    blank = v.cadre.post(
        "/decision-matters", {"node": v.tree.village.code, "kind": "projects", "title": "  "}
    )
    assert blank.status_code == 422 and "title" in blank.json()["errors"]


# -- Failed stages, overrides, objections -----------------------------------------------------


def test_a_failed_quorum_fails_the_stage_and_a_second_meeting_passes_it(seeded):
    v = seeded
    matter = run_to(v, create_matter(v), "party_review")
    stage = matter["current_stage"]
    failed = record(v, stage["id"], "party_assembly", counts={"present": 1, "yes": 1})
    assert failed.status_code == 201, failed.content
    result = failed.json()["result"]
    assert result["quorum"] is False and result["passed"] is False
    assert failed.json()["effective_pass"] is False
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    assert v.stage(matter, "party_review")["status"]["code"] == "failed"
    assert matter["current_stage"]["id"] == stage["id"]
    assert v.stage(matter, "resolution")["status"]["code"] == "waiting"
    # The next stage is refused while this one is failed.
    early = record(
        v, v.stage(matter, "resolution")["id"], "representative_meeting", counts=everyone(v)
    )
    assert early.status_code == 422 and "stage" in early.json()["errors"]

    again = record(v, stage["id"], "party_assembly", counts={"present": 2, "yes": 2})
    assert again.status_code == 201 and again.json()["result"]["passed"]
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    assert v.stage(matter, "party_review")["status"]["code"] == "passed"
    assert [m["passed"] for m in v.stage(matter, "party_review")["meetings"]] == [False, True]
    assert matter["current_stage"]["kind"]["code"] == "resolution"


def test_an_override_needs_a_second_person(seeded):
    v = seeded
    matter = create_matter(v)
    stage = matter["current_stage"]
    failed = record(v, stage["id"], "branch_committee", counts={"present": 1, "yes": 1}).json()
    url = f"/decision-meetings/{failed['id']}"
    # The supervision committee neither asks nor confirms; nothing to confirm yet.
    assert v.supervisor.post(f"{url}/override", {"reason": "防汛抢险急需"}).status_code == 404
    nothing = v.second.post(f"{url}/override/confirm", {})
    assert nothing.status_code == 422 and "meeting" in nothing.json()["errors"]
    short = v.cadre.post(f"{url}/override", {"reason": "急"})
    assert short.status_code == 422 and "reason" in short.json()["errors"]

    asked = v.cadre.post(f"{url}/override", {"reason": "防汛抢险急需，委员外出抢险"})
    assert asked.status_code == 200, asked.content
    override = asked.json()["override"]
    assert override["reason"] == "防汛抢险急需，委员外出抢险" and not override["confirmed"]
    assert override["requested_by"] == v.cadre.user.username

    same = v.cadre.post(f"{url}/override/confirm", {})
    assert same.status_code == 422 and "meeting" in same.json()["errors"]
    assert v.supervisor.post(f"{url}/override/confirm", {}).status_code == 404
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    assert v.stage(matter, "proposal")["status"]["code"] == "failed"

    confirmed = v.second.post(f"{url}/override/confirm", {})
    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    assert body["override"]["confirmed"] and body["override"]["confirmed_by"]
    assert body["override"]["confirmed_at"] is not None
    assert body["effective_pass"] and not body["result"]["passed"]
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    assert v.stage(matter, "proposal")["status"]["code"] == "passed"
    assert v.stage(matter, "proposal")["meetings"][0]["overridden"]
    assert matter["current_stage"]["kind"]["code"] == "consultation"
    twice = v.second.post(f"{url}/override/confirm", {})
    assert twice.status_code == 422


def test_an_objection_holds_the_next_stage_until_answered(seeded):
    v = seeded
    matter = create_matter(v)
    proposal = matter["current_stage"]
    early = v.supervisor.post(f"/decision-stages/{proposal['id']}/reviews", {"verdict": "signoff"})
    assert early.status_code == 422 and "stage" in early.json()["errors"]
    record(v, proposal["id"], "branch_committee", counts=everyone(v))
    # Cadres do not supervise; an objection needs its reason.
    assert (
        v.cadre.post(f"/decision-stages/{proposal['id']}/reviews", {"verdict": "signoff"})
    ).status_code == 404
    bare = v.supervisor.post(f"/decision-stages/{proposal['id']}/reviews", {"verdict": "objection"})
    assert bare.status_code == 422 and "reason" in bare.json()["errors"]
    objection = v.supervisor.post(
        f"/decision-stages/{proposal['id']}/reviews",
        {"verdict": "objection", "reason": "未附工程预算明细"},
    )
    assert objection.status_code == 201, objection.content
    review = objection.json()
    assert review["holds"] and review["answer_due"] == "2025-06-17"
    assert review["matter"]["id"] == matter["id"]
    pending = v.cadre.get("/decision-reviews", pending=True).json()
    assert pending["count"] == 1 and pending["items"][0]["id"] == review["id"]

    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    held = record(v, matter["current_stage"]["id"], "two_committees", counts=everyone(v))
    assert held.status_code == 422 and "第三十二条" in held.json()["errors"]["stage"][0]

    assert (
        v.supervisor.post(f"/decision-reviews/{review['id']}/answer", {"answer": "已补充预算明细"})
    ).status_code == 404
    answered = v.cadre.post(
        f"/decision-reviews/{review['id']}/answer", {"answer": "已补充预算明细"}
    )
    assert answered.status_code == 200, answered.content
    assert not answered.json()["holds"] and answered.json()["answered_by"]
    assert v.cadre.get("/decision-reviews", pending=True).json()["count"] == 0
    assert v.cadre.get("/decision-reviews", matter=matter["id"]).json()["count"] == 1
    go = record(v, matter["current_stage"]["id"], "two_committees", counts=everyone(v))
    assert go.status_code == 201, go.content


def test_a_withdrawn_matter_takes_no_meeting(seeded):
    v = seeded
    matter = create_matter(v)
    blank = v.cadre.post(f"/decision-matters/{matter['id']}/withdraw", {"reason": " "})
    assert blank.status_code == 422 and "reason" in blank.json()["errors"]
    gone = v.cadre.post(f"/decision-matters/{matter['id']}/withdraw", {"reason": "项目取消"})
    assert gone.status_code == 200 and gone.json()["status"]["code"] == "withdrawn"
    assert gone.json()["withdrawn_reason"] == "项目取消"
    refused = record(v, matter["current_stage"]["id"], "branch_committee", counts=everyone(v))
    assert refused.status_code == 422 and "stage" in refused.json()["errors"]


# -- Scheduling and amendments ----------------------------------------------------------------


def test_a_scheduled_meeting_is_recorded_when_held_and_amended_by_label(seeded):
    v = seeded
    matter = create_matter(v)
    stage = matter["current_stage"]
    soon = (v.clock.now + dt.timedelta(days=1)).isoformat()
    scheduled = v.cadre.post(
        f"/decision-stages/{stage['id']}/schedule",
        {"body": "branch_committee", "held_at": soon, "place": "党群服务中心"},
    )
    assert scheduled.status_code == 201, scheduled.content
    planned = scheduled.json()
    assert planned["status"]["code"] == "scheduled" and planned["result"] is None
    assert planned["notice_given_on"] == "2025-06-10"
    wrong = v.cadre.post(
        f"/decision-stages/{stage['id']}/schedule", {"body": "villagers_meeting", "held_at": soon}
    )
    assert wrong.status_code == 422 and "body" in wrong.json()["errors"]

    v.clock.tick(days=1, hours=2)
    made = record(v, stage["id"], "branch_committee", meeting=planned["id"], counts=everyone(v))
    assert made.status_code == 201, made.content
    meeting = made.json()
    assert meeting["id"] == planned["id"] and meeting["status"]["code"] == "closed"
    assert meeting["place"] == "村委会议室"

    url = f"/decision-meetings/{meeting['id']}/amendments"
    counts = v.cadre.post(url, {"changes": {"present": "2"}, "reason": "点错"})
    assert counts.status_code == 422 and "changes.present" in counts.json()["errors"]
    amended = v.cadre.post(url, {"changes": {"summary": "会议纪要（更正）"}, "reason": "笔误"})
    assert amended.status_code == 201, amended.content
    body = amended.json()
    assert body["summary"] == "会议纪要" and body["record"]["summary"] == "会议纪要（更正）"
    assert body["amendments"][0]["changes"] == {"summary": ["会议纪要", "会议纪要（更正）"]}
    assert body["amendments"][0]["reason"] == "笔误" and body["amendments"][0]["by"]
    assert Meeting.objects.get(pk=meeting["id"]).summary == "会议纪要"


def test_a_record_entered_days_later_is_labelled_late(seeded):
    v = seeded
    matter = create_matter(v)
    made = record(
        v,
        matter["current_stage"]["id"],
        "branch_committee",
        counts=everyone(v),
        held_at=(v.clock.now - dt.timedelta(days=3)).isoformat(),
    )
    assert made.status_code == 201, made.content
    assert made.json()["late"] is True
    listed = v.cadre.get("/decision-meetings").json()
    assert listed["items"][0]["late"] is True


# -- Bad input --------------------------------------------------------------------------------


def test_bad_counts_and_times_are_refused_naming_the_field(seeded):
    v = seeded
    matter = create_matter(v)
    stage = matter["current_stage"]["id"]

    def errors(body: str = "branch_committee", **fields: Any) -> dict[str, list[str]]:
        response = record(v, stage, body, **fields)
        assert response.status_code == 422, response.content
        return response.json()["errors"]

    assert "present" in errors(counts={"present": 4, "yes": 3})  # roll of 3
    assert "yes" in errors(counts={"present": 2, "yes": 3})
    assert "no" in errors(counts={"present": 2, "yes": 1, "no": 1, "abstain": 1})
    assert "counts.present" in errors(counts={"present": -1})
    assert "counts.yes" in errors(counts={"present": 1, "yes": "1"})
    future = (v.clock.now + dt.timedelta(minutes=30)).isoformat()
    assert "held_at" in errors(counts=everyone(v), held_at=future)
    assert "present" in errors()  # neither counts nor attendance
    assert "body" in errors(counts=everyone(v), body="villagers_meeting")
    stranger = v.world.other_person.pk
    assert "attendance" in errors(
        attendance=[{"person_id": stranger, "attendance": "present", "vote": "yes"}]
    )
    head = v.committee[0].pk
    assert "attendance" in errors(
        attendance=[
            {"person_id": head, "attendance": "present", "vote": "yes"},
            {"person_id": head, "attendance": "present", "vote": "no"},
        ]
    )
    assert "votes" in errors(
        attendance=[{"person_id": head, "attendance": "absent", "vote": "yes"}]
    )
    assert "attendance" in errors(attendance=[{"person_id": head, "attendance": "excused"}])
    assert "attendance.0.attendance" in errors(
        attendance=[{"person_id": head, "attendance": "maybe"}]
    )
    assert "unknown" in errors(counts=everyone(v), unknown=1)
    assert not Meeting.objects.exists()
    # At the bounds: accepted.
    made = record(v, stage, "branch_committee", counts={"present": 3, "yes": 2, "no": 1})
    assert made.status_code == 201, made.content


def test_a_notice_with_personal_data_is_refused_naming_the_field(seeded):
    v = seeded
    base = {"kind": "ordinary", "node": v.tree.village.code, "title": "村务公开"}
    phone = v.cadre.post("/decision-notices", {**base, "body": "联系电话13812345678"})
    assert phone.status_code == 422 and "body" in phone.json()["errors"]
    health = v.cadre.post("/decision-notices", {**base, "body": "张三患有慢性病"})
    assert health.status_code == 422 and "body" in health.json()["errors"]
    nowhere = v.cadre.post("/decision-notices", {"kind": "ordinary", "title": "公开", "body": "文"})
    assert nowhere.status_code == 422 and "node" in nowhere.json()["errors"]
    out_of_turn = v.cadre.post(
        "/decision-notices",
        {"kind": "decision", "matter": create_matter(v)["id"], "title": "决议", "body": "文"},
    )
    assert out_of_turn.status_code == 422 and "kind" in out_of_turn.json()["errors"]
    ok = v.cadre.post(
        "/decision-notices", {**base, "body": "二季度村务收支情况", "period_days": 10}
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["period_days"] == 10 and ok.json()["matter"] is None
    assert ok.json()["objection_until"] == "2025-06-20"


# -- Opinions ---------------------------------------------------------------------------------


def test_opinions_are_asked_per_household_and_a_linked_member_sees_theirs(
    seeded, make_user, api_as
):
    v = seeded
    world = v.world
    matter = create_matter(v)
    url = f"/decision-matters/{matter['id']}/solicitations"
    past = v.cadre.post(url, {"question": "是否同意硬底化方案", "closes_on": "2025-06-01"})
    assert past.status_code == 422 and "closes_on" in past.json()["errors"]
    opened = v.cadre.post(url, {"question": "是否同意硬底化方案", "closes_on": "2025-06-20"})
    assert opened.status_code == 201, opened.content
    solicitation = opened.json()
    total = solicitation["coverage"]["total"]
    assert total >= 5 and solicitation["coverage"]["answered"] == 0 and solicitation["open"]
    assert [row["label"] for row in solicitation["microgrids"]] == ["一组1号微网格"]

    member = world.head
    account = make_user(Role.LINKED_MEMBER, world.tree.microgrid)
    linker = linker_create(person=member, kind=LinkerKind.MEMBER, user=account, by=None)
    link_create(linker=linker, household=world.household, by=None)
    # Linked after the solicitation opened: the task names no linker, so ask again later.
    tasks = v.cadre.get(f"/decision-solicitations/{solicitation['id']}/tasks").json()
    assert tasks["count"] == total
    task = next(t for t in tasks["items"] if t["household"]["number"] == world.household.number)
    assert task["microgrid"]["code"] == world.tree.microgrid.code
    assert task["party_group"]["name"] == "第一党小组" and task["stance"] is None

    linked = api_as(account)
    seen = linked.get(f"/decision-solicitations/{solicitation['id']}/tasks").json()
    assert seen["count"] == total  # the micro-grid they serve
    assert (
        linked.get(f"/decision-solicitations/{solicitation['id']}/tasks", mine=True).json()["count"]
        == 0
    )
    assert linked.get(f"/decision-solicitations/{solicitation['id']}").status_code == 404

    suggestion = linked.post(f"/decision-opinions/{task['id']}", {"stance": "suggestion"})
    assert suggestion.status_code == 422 and "text" in suggestion.json()["errors"]
    answered = linked.post(
        f"/decision-opinions/{task['id']}", {"stance": "support", "channel": "visit"}
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["stance"]["code"] == "support"
    assert answered.json()["answered_by"] == account.username
    again = v.cadre.post(f"/decision-opinions/{task['id']}", {"stance": "oppose"})
    assert again.status_code == 422 and "stance" in again.json()["errors"]
    assert (
        v.supervisor.post(f"/decision-opinions/{task['id']}", {"stance": "oppose"}).status_code
        == 404
    )

    detail = v.cadre.get(f"/decision-solicitations/{solicitation['id']}").json()
    assert detail["coverage"]["answered"] == 1 and detail["coverage"]["support"] == 1
    matter = v.cadre.get(f"/decision-matters/{matter['id']}").json()
    assert matter["coverage"]["answered"] == 1 and matter["coverage"]["total"] == total
    unanswered = v.cadre.get(
        f"/decision-solicitations/{solicitation['id']}/tasks", answered=False
    ).json()
    assert unanswered["count"] == total - 1
    text = v.cadre.get(f"/decision-solicitations/{solicitation['id']}/tasks").content.decode()
    assert world.head_id_number not in text and "13812345678" not in text


# -- Scope ------------------------------------------------------------------------------------


@pytest.fixture
def rows(seeded) -> dict[str, Any]:
    """A matter of 平东村 with a failed proposal (override asked), a passed second meeting, an
    objection, a notice and a solicitation: an id of every kind."""
    v = seeded
    matter = create_matter(v, amount=80000)
    stage = matter["current_stage"]["id"]
    failed = record(v, stage, "branch_committee", counts={"present": 1, "yes": 1}).json()
    v.cadre.post(f"/decision-meetings/{failed['id']}/override", {"reason": "书记外出，委员同意"})
    v.cadre.post(
        f"/decision-meetings/{failed['id']}/amendments",
        {"changes": {"chair": "李主持"}, "reason": "主持人记错"},
    )
    review = v.supervisor.post(
        f"/decision-stages/{stage}/reviews", {"verdict": "objection", "reason": "到会人数不足"}
    ).json()
    notice = v.cadre.post(
        "/decision-notices",
        {"kind": "finance", "node": v.tree.village.code, "title": "财务公开", "body": "收支"},
    ).json()
    solicitation = v.cadre.post(
        f"/decision-matters/{matter['id']}/solicitations",
        {"question": "是否同意硬底化方案", "closes_on": "2025-06-20"},
    ).json()
    task = v.cadre.get(f"/decision-solicitations/{solicitation['id']}/tasks").json()["items"][0]
    return {
        "matter": matter["id"],
        "stage": stage,
        "meeting": failed["id"],
        "review": review["id"],
        "notice": notice["id"],
        "solicitation": solicitation["id"],
        "task": task["id"],
    }


def test_out_of_scope_is_404_on_every_endpoint(seeded, rows):
    v = seeded
    o = v.outsider
    ids = rows
    gets = [
        f"/decision-matters/{ids['matter']}",
        f"/decision-meetings/{ids['meeting']}",
        f"/decision-notices/{ids['notice']}",
        f"/decision-solicitations/{ids['solicitation']}",
        f"/decision-solicitations/{ids['solicitation']}/tasks",
        f"/decision-kinds?node={v.tree.village.code}",
    ]
    for path in gets:
        path, _, query = path.partition("?")
        params = dict([query.split("=")]) if query else {}
        response = o.get(path, **params)
        assert response.status_code == 404, path
    held_at = (v.clock.now - dt.timedelta(minutes=10)).isoformat()
    posts = [
        ("/decision-kinds/seed", {"county": v.tree.county.code}),
        ("/decision-matters", {"node": v.tree.village.code, "kind": "projects", "title": "越权"}),
        (f"/decision-matters/{ids['matter']}/withdraw", {"reason": "越权撤回"}),
        (f"/decision-matters/{ids['matter']}/result", {"result_text": "越权"}),
        (
            f"/decision-stages/{ids['stage']}/meetings",
            {"body": "branch_committee", "held_at": held_at, "counts": {"present": 3, "yes": 3}},
        ),
        (
            f"/decision-stages/{ids['stage']}/schedule",
            {"body": "branch_committee", "held_at": held_at},
        ),
        (f"/decision-meetings/{ids['meeting']}/override", {"reason": "越权申请特别通过"}),
        (f"/decision-meetings/{ids['meeting']}/override/confirm", {}),
        (
            f"/decision-meetings/{ids['meeting']}/amendments",
            {"changes": {"summary": "越权"}, "reason": "越权"},
        ),
        (f"/decision-stages/{ids['stage']}/reviews", {"verdict": "signoff"}),
        (f"/decision-reviews/{ids['review']}/answer", {"answer": "越权答复内容"}),
        (
            "/decision-notices",
            {"kind": "ordinary", "node": v.tree.village.code, "title": "越权", "body": "越权"},
        ),
        (
            "/decision-notices",
            {"kind": "decision", "matter": ids["matter"], "title": "越权", "body": "越权"},
        ),
        (
            f"/decision-matters/{ids['matter']}/solicitations",
            {"question": "越权征求意见", "closes_on": "2025-06-30"},
        ),
        (f"/decision-opinions/{ids['task']}", {"stance": "support"}),
    ]
    for path, data in posts:
        response = o.post(path, data)
        assert response.status_code == 404, (path, response.content)
        assert "不在您的权限范围内" in response.json()["detail"]
    # Unknown ids answer the same.
    assert o.get("/decision-matters/999999").status_code == 404
    assert v.cadre.get("/decision-matters/999999").status_code == 404
    # Lists show nothing of 平东村.
    for path in (
        "/decision-matters",
        "/decision-meetings",
        "/decision-reviews",
        "/decision-notices",
    ):
        assert o.get(path).json()["count"] == 0, path
    assert o.get("/decision-meetings", matter=ids["matter"]).json()["count"] == 0
    # Nothing changed.
    matter = Matter.objects.get(pk=ids["matter"])
    assert matter.status == "open" and matter.stages.get(order=1).status == StageStatus.FAILED
    assert not MatterKind.objects.filter(grid_path=v.tree.other_village.code).exists()
    assert Matter.objects.count() == 1


def test_a_viewer_reads_but_cannot_act(seeded, rows, make_user, api_as):
    viewer = api_as(make_user(Role.VIEWER, seeded.tree.village))
    assert viewer.get(f"/decision-matters/{rows['matter']}").status_code == 200
    assert viewer.get(f"/decision-meetings/{rows['meeting']}").status_code == 200
    assert (
        viewer.post(
            f"/decision-matters/{rows['matter']}/withdraw", {"reason": "无权撤回"}
        ).status_code
        == 404
    )
    assert (
        viewer.post(f"/decision-meetings/{rows['meeting']}/override/confirm", {}).status_code == 404
    )
    anonymous = viewer.client.get("/api/v1/decision-matters")
    assert anonymous.status_code == 401


# -- Bounded queries --------------------------------------------------------------------------


def test_list_queries_are_bounded(seeded, django_assert_max_num_queries):
    v = seeded
    for n in range(6):
        matter = run_to(v, create_matter(v, title=f"事项{n}"), "party_review")
        v.supervisor.post(
            f"/decision-stages/{v.stage(matter, 'proposal')['id']}/reviews",
            {"verdict": "objection", "reason": f"异议理由{n}"},
        )
        v.cadre.post(
            "/decision-notices",
            {"kind": "ordinary", "node": v.tree.village.code, "title": f"公开{n}", "body": "内容"},
        )
    solicitation = v.cadre.post(
        f"/decision-matters/{matter['id']}/solicitations",
        {"question": "是否同意方案", "closes_on": "2025-06-30"},
    ).json()
    meeting = v.cadre.get("/decision-meetings").json()["items"][0]["id"]
    # A token request: the token and its user with their assignments (and at most one
    # last-use stamp), the count, the page, and the prefetches of the page's rows.
    lists = [
        ("/decision-matters", 6, 6),
        ("/decision-meetings", 12, 5),
        ("/decision-reviews", 6, 5),
        ("/decision-notices", 6, 5),
        (f"/decision-solicitations/{solicitation['id']}/tasks", 5, 6),
    ]
    for path, least, max_queries in lists:
        with django_assert_max_num_queries(max_queries):
            response = v.cadre.get(path, limit=100)
        assert response.status_code == 200, (path, response.content)
        assert len(response.json()["items"]) >= least, path
    details = [
        (f"/decision-matters/{matter['id']}", 10),
        (f"/decision-meetings/{meeting}", 7),
        (f"/decision-solicitations/{solicitation['id']}", 5),
    ]
    for path, max_queries in details:
        with django_assert_max_num_queries(max_queries):
            assert v.cadre.get(path).status_code == 200, path
    with django_assert_max_num_queries(5):
        assert v.cadre.get("/decision-kinds", node=v.tree.village.code).status_code == 200


def test_datetimes_carry_their_zone(seeded):
    v = seeded
    matter = create_matter(v)
    assert timezone.is_aware(dt.datetime.fromisoformat(matter["created_at"].replace("Z", "+00:00")))


# -- The documented schemas -------------------------------------------------------------------


@pytest.fixture
def wsgi_keeps_connection():
    """The WSGI app called directly fires request_finished, whose close_old_connections would
    close the test transaction's connection on PostgreSQL (as api/tests/test_openapi.py)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_real_rows_conform_to_the_documented_schemas(seeded, rows, wsgi_keeps_connection):
    v = seeded
    schema = schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", application)
    headers = {"Authorization": f"Bearer {v.cadre.token}"}
    examples = [
        ("/decision-matters/{matter_id}", {"matter_id": rows["matter"]}),
        ("/decision-meetings/{meeting_id}", {"meeting_id": rows["meeting"]}),
        ("/decision-notices/{notice_id}", {"notice_id": rows["notice"]}),
        ("/decision-solicitations/{solicitation_id}", {"solicitation_id": rows["solicitation"]}),
        (
            "/decision-solicitations/{solicitation_id}/tasks",
            {"solicitation_id": rows["solicitation"]},
        ),
    ]
    for path, params in examples:
        case = schema[BASE + path]["GET"].Case(path_parameters=params)
        response = case.call_and_validate(headers=headers)
        assert response.status_code == 200, path
    for path in (
        "/decision-matters",
        "/decision-meetings",
        "/decision-reviews",
        "/decision-notices",
        "/decision-kinds",
    ):
        response = schema[BASE + path]["GET"].Case().call_and_validate(headers=headers)
        assert response.status_code == 200, path
        body = response.json()
        assert body if isinstance(body, list) else body["count"], path
