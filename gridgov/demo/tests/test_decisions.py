"""Demo important matters (``gridgov demo_decisions``) on the demo village itself, as ``make run``
loads it: made through the services by the demo users, a matter at every stage, the meetings in
order in the last two days (one entered late), notices printed and verifiable."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.models import PrintedDocument
from gridgov.core.verify import document_check, short_hash, verify_path
from gridgov.decisions.models import (
    Matter,
    MatterStatus,
    Meeting,
    MeetingBody,
    MeetingStatus,
    Notice,
    NoticeKind,
    Review,
    ReviewVerdict,
    StageKind,
    StageStatus,
)
from gridgov.decisions.rolls import roll_for
from gridgov.decisions.stages import current_stage
from gridgov.decisions.tests.test_rolls import SHANGHAI, Clock
from gridgov.demo.signins import demo_nodes, ensure_demo_signins, username_for
from gridgov.orgs.models import BodyKind, GovernanceBody, PartyMember

pytestmark = pytest.mark.django_db

FOUR_TWO = [
    StageKind.PROPOSAL,
    StageKind.CONSULTATION,
    StageKind.PARTY_REVIEW,
    StageKind.RESOLUTION,
    StageKind.DECISION_NOTICE,
    StageKind.RESULT_NOTICE,
]


@pytest.fixture
def clock():
    clock = Clock(dt.datetime(2026, 6, 8, 15, 0, tzinfo=SHANGHAI))
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


def load_demo(tmp_path, clock: Clock, *, loaded_days_ago: int = 2) -> None:
    """The demo village and its sign-ins, loaded some days before the clock's time."""
    now = clock.now
    clock.set(now - dt.timedelta(days=loaded_days_ago))
    call_command("demo", scale="village", seed=2, out=str(tmp_path), stdout=StringIO())
    ensure_demo_signins()
    clock.set(now)


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo_decisions", *args, stdout=out)
    return out.getvalue()


def user_of(role: str) -> str:
    return username_for(role)


def test_every_stage_through_the_services(tmp_path, clock, client):
    load_demo(tmp_path, clock)
    printed = run("--if-empty", "--if-demo")
    assert "已生成演示重要事项：事项7项" in printed
    village = demo_nodes()[Role.VILLAGE_CADRE]

    # The bodies: the branch committee's seats are the village's full party members.
    committee = GovernanceBody.objects.get(node=village, kind=BodyKind.BRANCH_COMMITTEE)
    seated = set(committee.memberships.values_list("person_id", flat=True))
    assert len(seated) in (3, 5)
    assert seated <= set(
        PartyMember.objects.within(village.code).values_list("person_id", flat=True)
    )
    assert GovernanceBody.objects.filter(node=village, kind=BodyKind.REPRESENTATIVES).count() == 1

    # A matter at every stage of 四议两公开, and one done.
    matters = list(Matter.objects.filter(node=village))
    assert len(matters) == 7
    assert {m.created_by.username for m in matters} == {user_of(Role.VILLAGE_CADRE)}
    stages = [current_stage(m) for m in matters]
    assert {s.kind for s in stages if s is not None} == set(FOUR_TWO)
    done = [m for m, s in zip(matters, stages, strict=True) if s is None]
    assert len(done) == 1 and done[0].status == MatterStatus.DONE and done[0].result_text
    assert {n.kind for n in Notice.objects.filter(matter=done[0])} == {
        NoticeKind.DECISION,
        NoticeKind.RESULT,
    }

    # Meetings: recorded by the village cadre, in order, in the past; all but one within the
    # last 48 hours, and that one labelled 补记.
    closed = list(Meeting.objects.filter(status=MeetingStatus.CLOSED).order_by("id"))
    assert len(closed) == 19
    assert {m.recorded_by.username for m in closed} == {user_of(Role.VILLAGE_CADRE)}
    held = [m.held_at for m in closed]
    assert held == sorted(held) and len(set(held)) == len(held)
    now = timezone.now()
    late = [m for m in closed if m.late]
    assert len(late) == 1 and late[0].body == MeetingBody.BRANCH_COMMITTEE
    assert now - late[0].held_at > dt.timedelta(hours=48)
    for meeting in closed:
        assert meeting.late or now - dt.timedelta(hours=48) < meeting.held_at < now
        # Daytime meetings when the window allows (the village was loaded two days ago).
        assert 8 <= timezone.localtime(meeting.held_at).hour < 22
    # The next meeting of the new matter is announced, not held.
    scheduled = Meeting.objects.get(status=MeetingStatus.SCHEDULED)
    assert scheduled.held_at > now and current_stage(scheduled.stage.matter).kind == (
        StageKind.PROPOSAL
    )

    # A resolution that failed its quorum and was held again.
    failed = [m for m in closed if not m.quorum and not m.overridden]
    assert len(failed) == 1 and failed[0].body == MeetingBody.REPRESENTATIVES
    again = Meeting.objects.filter(stage=failed[0].stage).order_by("held_at")
    assert [m.passed for m in again] == [False, True]
    assert failed[0].stage.status == StageStatus.PASSED

    # An override asked for by the village cadre and confirmed by the town cadre.
    overridden = [m for m in closed if m.overridden]
    assert len(overridden) == 1 and not overridden[0].passed
    assert overridden[0].override_requested_by.username == user_of(Role.VILLAGE_CADRE)
    assert overridden[0].override_confirmed_by.username == user_of(Role.TOWN_CADRE)
    assert overridden[0].stage.status == StageStatus.PASSED

    # An objection of the supervision committee, answered by the two committees.
    objection = Review.objects.get(verdict=ReviewVerdict.OBJECTION)
    assert objection.by.username == user_of(Role.SUPERVISOR)
    assert objection.answered_by.username == user_of(Role.VILLAGE_CADRE) and objection.answer
    assert objection.stage.kind == StageKind.CONSULTATION
    assert objection.stage.matter.status == MatterStatus.DECIDED

    # The rolls are the registry's on the meeting day.
    for meeting in closed:
        roll = roll_for(
            meeting.body, meeting.stage.matter.node, timezone.localdate(meeting.held_at)
        )
        assert meeting.roll.filter(role="member").count() == len(roll.persons)

    # The printed notices verify, and the public board shows them.
    docs = list(PrintedDocument.objects.filter(kind="decisions.notice"))
    assert len(docs) == 3
    for doc in docs:
        assert document_check(doc.uid, short_hash(doc.text_hash)).status == "matches"
        assert doc.printed_by.username == user_of(Role.VILLAGE_CADRE)
        page = client.get(verify_path(doc))
        assert page.status_code == 200 and "与印发文本一致" in page.content.decode()
    board = client.get(f"/p/board/{village.code}/").content.decode()
    for notice in Notice.objects.all():
        assert notice.title in board


def test_idempotent_with_if_empty(tmp_path, clock):
    load_demo(tmp_path, clock)
    run("--if-empty", "--if-demo")
    counts = (Matter.objects.count(), Meeting.objects.count(), Notice.objects.count())
    assert "跳过" in run("--if-empty", "--if-demo")
    assert (Matter.objects.count(), Meeting.objects.count(), Notice.objects.count()) == counts
    assert GovernanceBody.objects.filter(kind=BodyKind.BRANCH_COMMITTEE).count() == 1


def test_village_loaded_just_now_holds_the_assemblies_today(tmp_path, clock):
    """A party members' assembly's roll counts the members registered by its day: when the
    village was loaded this morning, the assemblies and what follows them are held today."""
    clock.set(dt.datetime(2026, 6, 8, 9, 0, tzinfo=SHANGHAI))
    load_demo(tmp_path, clock, loaded_days_ago=0)
    clock.tick(minutes=2)
    run()
    today = timezone.localdate()
    assemblies = Meeting.objects.filter(body=MeetingBody.PARTY_ASSEMBLY)
    assert assemblies.count() == 4
    assert {timezone.localdate(m.held_at) for m in assemblies} == {today}
    held = list(Meeting.objects.filter(status="closed").order_by("id").values_list("held_at"))
    assert held == sorted(held)
    assert Meeting.objects.filter(late=True).count() == 1


def test_a_county_with_another_late_rule(tmp_path, clock, settings):
    """The late entry and the window follow the county's ``LATE_RECORD_HOURS``."""
    settings.GRIDGOV_RULES = {"decisions.late_record_hours": 24}
    load_demo(tmp_path, clock)
    run()
    late = Meeting.objects.get(late=True)
    assert timezone.now() - late.held_at > dt.timedelta(hours=24)
    assert Meeting.objects.filter(status="closed").count() == 19


def test_needs_the_demo_users_and_skips_a_real_grid(tree):
    assert "不是由 gridgov demo 载入的" in run("--if-demo")
    with pytest.raises(CommandError, match="demo_signins"):
        run()
    assert not Matter.objects.exists()
