"""The important-matters pages (重要事项决策): every page for the village cadre, 404 out of scope
and 403 with the reason in view scope, the whole 四议两公开 walked through the pages, a failed
quorum held again, a future meeting refused on its field, the supervision committee's objection
holding the next stage until answered, notices refusing personal data, opinions, and bounded
queries on the list and the matter's page."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.conftest import new_citizen_id
from gridgov.decisions.models import (
    Matter,
    MatterStatus,
    Meeting,
    MeetingBody,
    Notice,
    OpinionTask,
    Review,
    StageKind,
    StageStatus,
)
from gridgov.decisions.rolls import roll_for
from gridgov.decisions.services import matter_create, matter_kinds_seed
from gridgov.decisions.tests.test_rolls import clock_fixture  # noqa: F401  (a fixed noon)
from gridgov.orgs.models import BodyKind, BodyRole, MemberStatus
from gridgov.orgs.services import body_create, membership_create, party_member_create

pytestmark = pytest.mark.django_db


@dataclass
class Site:
    world: Any
    tree: Any
    kinds: dict[str, Any]
    committee: list[Any]  # the branch committee's three members
    supervisor: Any
    second: Any


@pytest.fixture
def site(world, make_person, make_user) -> Site:
    """平东村 with the default list, five voting party members, a branch committee of three
    (who with the villagers' committee's chair make the two committees), a supervisor and a
    second cadre."""
    tree = world.tree
    kinds = {k.code: k for k in matter_kinds_seed(county=tree.county, by=None)}
    members = [world.head]
    for n in range(4):
        person = make_person(name=f"党员{n}", citizen_id=new_citizen_id(birth=dt.date(1975, 1, 1)))
        party_member_create(
            person=person,
            organization=world.party_group,
            status=MemberStatus.FULL,
            joined_on=dt.date(2000, 7, 1),
            full_member_on=dt.date(2001, 7, 1),
            by=None,
        )
        members.append(person)
    branch_committee = body_create(
        code="B440605001201",
        name="平东村党支部委员会",
        kind=BodyKind.BRANCH_COMMITTEE,
        node=tree.village,
        by=None,
    )
    for person, role in ((members[0], BodyRole.CHAIR), (members[1], BodyRole.MEMBER)):
        membership_create(
            body=branch_committee, person=person, role=role, term_start=dt.date(2021, 1, 1), by=None
        )
    membership_create(
        body=branch_committee,
        person=members[2],
        role=BodyRole.MEMBER,
        term_start=dt.date(2021, 1, 1),
        by=None,
    )
    return Site(
        world=world,
        tree=tree,
        kinds=kinds,
        committee=members[:3],
        supervisor=make_user(Role.SUPERVISOR, tree.village),
        second=make_user(Role.VILLAGE_CADRE, tree.village),
    )


def new_matter(site: Site, title: str = "村道硬底化工程") -> Matter:
    return matter_create(
        node=site.tree.village,
        kind=site.kinds["projects"],
        title=title,
        amount=None,
        by=site.world.cadre,
    )


def local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def hours_ago(n: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=n)


def per_person(stage, body: str, held_at: dt.datetime, *, present: int | None = None, **extra):
    """The per-person form: the first ``present`` on the roll present and voting yes, the
    others absent."""
    roll = roll_for(body, stage.matter.node, timezone.localdate()).persons
    present = len(roll) if present is None else present
    data = {
        "body": body,
        "held_at": local(held_at),
        "place": "村委会议室",
        "chair": "陈大明",
        "summary": "会议纪要",
    }
    for i, pid in enumerate(roll):
        data[f"att_{pid}"] = "present" if i < present else "absent"
        data[f"vote_{pid}"] = "yes" if i < present else ""
    data.update(extra)
    return data


def counts(stage, body: str, held_at: dt.datetime, **extra):
    roll = roll_for(body, stage.matter.node, timezone.localdate())
    n = len(roll.persons)
    data = {
        "body": body,
        "held_at": local(held_at),
        "notice_given_on": (timezone.localdate(held_at) - dt.timedelta(days=10)).isoformat(),
        "chair": "陈大明",
        "present_adults": n,
        "present_household_reps": 0,
        "present": n,
        "yes": n,
        "no": 0,
        "abstain": 0,
        "excused": 0,
    }
    data.update(extra)
    return data


def current(matter: Matter):
    return matter.stages.exclude(status=StageStatus.PASSED).order_by("order").first()


def record(client, matter: Matter, data: dict, *, follow: bool = True):
    stage = current(matter)
    return client.post(f"/decisions/stages/{stage.pk}/meeting/", data, follow=follow)


def text(response) -> str:
    return response.content.decode()


def signed_in(user) -> Client:
    """A client of its own (``cadre_client`` is pytest-django's ``client``, signed in)."""
    client = Client()
    client.force_login(user)
    return client


# -- Pages and scope ---------------------------------------------------------------------------


def _walk_to_solicitation(client, site: Site) -> tuple[Matter, Meeting, OpinionTask]:
    matter = new_matter(site)
    stage = current(matter)
    response = record(client, matter, per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(2)))
    assert response.status_code == 200
    closes = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        f"/decisions/{matter.pk}/act/solicit/",
        {"question": "是否同意硬底化村道", "closes_on": closes},
    )
    assert response.status_code == 302, text(response)[:2000]
    meeting = Meeting.objects.get(stage__matter=matter)
    task = OpinionTask.objects.filter(solicitation__matter=matter).first()
    assert task is not None
    return matter, meeting, task


def _pages(matter: Matter, meeting: Meeting, task: OpinionTask) -> list[str]:
    stage = current(matter)
    return [
        f"/decisions/{matter.pk}/",
        f"/decisions/stages/{stage.pk}/meeting/",
        f"/decisions/meetings/{meeting.pk}/",
        f"/decisions/notices/new/?matter={matter.pk}&kind=decision",
        f"/decisions/solicitations/{task.solicitation_id}/",
        f"/decisions/opinions/{task.pk}/",
    ]


def test_every_page_answers_for_the_village_cadre(cadre_client, site):
    matter, meeting, task = _walk_to_solicitation(cadre_client, site)
    lists = [
        "/decisions/",
        "/decisions/new/",
        "/decisions/reviews/",
        "/decisions/notices/",
        "/decisions/notices/new/",
        "/decisions/overview/",
    ]
    for url in [*lists, *_pages(matter, meeting, task)]:
        response = cadre_client.get(url)
        assert response.status_code == 200, (url, text(response)[:1500])
    page = text(cadre_client.get("/decisions/"))
    assert matter.number in page and "待我处理" in page and "登记重要事项" in page
    assert "重要事项" in text(cadre_client.get("/"))  # the navigation


def test_out_of_scope_is_404_on_every_page(cadre_client, site):
    matter, meeting, task = _walk_to_solicitation(cadre_client, site)
    client = signed_in(site.world.outsider)
    for url in _pages(matter, meeting, task):
        assert client.get(url).status_code == 404, url
    for action in ("withdraw", "schedule", "review", "answer", "solicit", "result"):
        response = client.post(f"/decisions/{matter.pk}/act/{action}/", {"reason": "不需要了"})
        assert response.status_code == 404, action
    assert client.post(f"/decisions/meetings/{meeting.pk}/", {"reason": "x"}).status_code == 404
    listed = text(client.get("/decisions/"))
    assert matter.number not in listed


def test_a_viewer_in_scope_gets_no_forms_and_a_403_with_the_reason(client, site):
    matter = new_matter(site)
    client.force_login(site.supervisor)
    page = text(client.get(f"/decisions/{matter.pk}/"))
    assert "撤回事项" not in page and "发出会议通知" not in page
    response = client.post(f"/decisions/{matter.pk}/act/withdraw/", {"reason": "不需要了"})
    assert response.status_code == 403
    assert "办理重要事项" in text(response)
    assert Matter.objects.get(pk=matter.pk).status == MatterStatus.OPEN
    stage = current(matter)
    response = client.get(f"/decisions/stages/{stage.pk}/meeting/")
    assert response.status_code == 403 and "办理重要事项" in text(response)


# -- The whole procedure through the pages -------------------------------------------------------


def test_four_deliberations_two_disclosures_through_the_pages(cadre_client, site):
    client = cadre_client
    kind = site.kinds["projects"]
    response = client.post(
        "/decisions/new/",
        {
            "node": site.tree.village.code,
            "kind": kind.pk,
            "title": "村道硬底化工程",
            "amount": "120000",
            "description": "硬底化东街至西街村道",
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    matter = Matter.objects.get(title="村道硬底化工程")
    assert response["Location"] == f"/decisions/{matter.pk}/"

    # 1. The proposal: the branch committee, per person.
    stage = current(matter)
    form = text(client.get(f"/decisions/stages/{stage.pk}/meeting/"))
    assert "支部工作条例" in form  # the citation shown above the form
    for person in site.committee:
        assert person.name in form
    response = record(client, matter, per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(4)))
    assert "达到法定人数" in text(response) and "表决通过" in text(response)
    # 2. The two committees' consultation.
    stage = current(matter)
    assert stage.kind == StageKind.CONSULTATION
    record(client, matter, per_person(stage, MeetingBody.TWO_COMMITTEES, hours_ago(3.5)))
    # 3. The party members' assembly.
    stage = current(matter)
    assert stage.kind == StageKind.PARTY_REVIEW
    record(client, matter, per_person(stage, MeetingBody.PARTY_ASSEMBLY, hours_ago(3)))
    # 4. The villagers' meeting, by paper counts.
    stage = current(matter)
    assert stage.kind == StageKind.RESOLUTION
    form = text(client.get(f"/decisions/stages/{stage.pk}/meeting/"))
    assert "村民代表会议" in form  # the other body may be chosen
    assert 'name="present_adults"' in form
    response = record(client, matter, counts(stage, MeetingBody.VILLAGERS, hours_ago(2.5)))
    assert "第二十二条" in text(response)
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DECIDED
    page = text(client.get(f"/decisions/{matter.pk}/"))
    assert "发布决议公开" in page

    # 5. The decision notice, prefilled.
    url = f"/decisions/notices/new/?matter={matter.pk}&kind=decision"
    form = text(client.get(url))
    assert "关于村道硬底化工程的决议公开" in form
    response = client.post(
        url,
        {
            "node": site.tree.village.code,
            "kind": "decision",
            "title": "关于村道硬底化工程的决议公开",
            "body": "经村民会议表决通过。",
            "period_days": 7,
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    # 6. The result, then its notice.
    response = client.post(
        f"/decisions/{matter.pk}/act/result/", {"result_text": "已完工，验收合格，支出11.8万元。"}
    )
    assert response.status_code == 302, text(response)[:2000]
    url = f"/decisions/notices/new/?matter={matter.pk}&kind=result"
    assert "已完工，验收合格" in text(client.get(url))
    response = client.post(
        url,
        {
            "node": site.tree.village.code,
            "kind": "result",
            "title": "关于村道硬底化工程的实施结果公开",
            "body": "已完工，验收合格，支出11.8万元。",
            "period_days": 7,
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DONE
    page = text(client.get(f"/decisions/{matter.pk}/"))
    assert "各环节已全部完成" in page
    assert Notice.objects.filter(matter=matter).count() == 2
    notices = text(client.get("/decisions/notices/"))
    assert "关于村道硬底化工程的实施结果公开" in notices
    assert Meeting.objects.filter(stage__matter=matter, passed=True).count() == 4


def test_a_failed_quorum_must_be_held_again(cadre_client, site):
    matter = new_matter(site)
    stage = current(matter)
    response = record(
        cadre_client,
        matter,
        per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(2), present=1),
    )
    assert "未达到法定人数" in text(response)
    page = text(cadre_client.get(f"/decisions/{matter.pk}/"))
    assert "须重新召开" in page
    assert "申请特别通过" in page
    listed = text(cadre_client.get("/decisions/"))
    assert "须重新召开" in listed
    # Held again, it passes.
    record(cadre_client, matter, per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(1)))
    assert current(matter).kind == StageKind.CONSULTATION


def test_an_override_needs_a_second_person(cadre_client, site):
    matter = new_matter(site)
    stage = current(matter)
    record(
        cadre_client,
        matter,
        per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(2), present=1),
    )
    meeting = Meeting.objects.get(stage=stage)
    response = cadre_client.post(
        f"/decisions/{matter.pk}/act/override/",
        {"meeting": meeting.pk, "reason": "两名委员因抗洪值守未能到会，事项紧急"},
    )
    assert response.status_code == 302
    page = text(cadre_client.get(f"/decisions/{matter.pk}/"))
    assert "确认特别通过" not in page  # hidden for the one who asked
    response = cadre_client.post(f"/decisions/{matter.pk}/act/confirm/", {"meeting": meeting.pk})
    assert response.status_code == 400 and "另一人确认" in text(response)
    client = signed_in(site.second)
    assert "确认特别通过" in text(client.get(f"/decisions/{matter.pk}/"))
    response = client.post(f"/decisions/{matter.pk}/act/confirm/", {"meeting": meeting.pk})
    assert response.status_code == 302
    assert current(matter).kind == StageKind.CONSULTATION
    assert "特别通过" in text(client.get(f"/decisions/meetings/{meeting.pk}/"))


def test_a_meeting_in_the_future_is_refused_on_its_field(cadre_client, site):
    matter = new_matter(site)
    stage = current(matter)
    future = timezone.now() + dt.timedelta(hours=3)
    response = record(
        cadre_client,
        matter,
        per_person(stage, MeetingBody.BRANCH_COMMITTEE, future),
        follow=False,
    )
    assert response.status_code == 400
    page = text(response)
    assert re.search(r"id_held_at.*?会议时间不能晚于现在", page, re.S)
    assert not Meeting.objects.filter(stage=stage).exists()


def test_attendance_above_the_roll_is_refused_on_its_field(cadre_client, site):
    matter = new_matter(site)
    stage = current(matter)
    record(cadre_client, matter, per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(4)))
    record(
        cadre_client, matter, per_person(current(matter), MeetingBody.TWO_COMMITTEES, hours_ago(3))
    )
    record(
        cadre_client, matter, per_person(current(matter), MeetingBody.PARTY_ASSEMBLY, hours_ago(2))
    )
    stage = current(matter)
    data = counts(stage, MeetingBody.VILLAGERS, hours_ago(1))
    data["present_adults"] = data["present"] = data["yes"] = 999
    response = record(cadre_client, matter, data, follow=False)
    assert response.status_code == 400
    assert re.search(r"id_present_adults.*?超过应到", text(response), re.S)


def test_an_objection_holds_the_next_stage_until_answered(cadre_client, site):
    matter = new_matter(site)
    proposal = current(matter)
    record(cadre_client, matter, per_person(proposal, MeetingBody.BRANCH_COMMITTEE, hours_ago(3)))
    client = signed_in(site.supervisor)
    assert proposal.get_kind_display() in text(client.get("/decisions/reviews/"))
    response = client.post(
        f"/decisions/{matter.pk}/act/review/",
        {"stage": proposal.pk, "verdict": "objection", "reason": "会前未公示议题"},
    )
    assert response.status_code == 302, text(response)[:2000]
    assert "会前未公示议题" in text(client.get("/decisions/reviews/"))

    stage = current(matter)
    response = record(
        cadre_client,
        matter,
        per_person(stage, MeetingBody.TWO_COMMITTEES, hours_ago(2)),
        follow=False,
    )
    assert response.status_code == 400
    assert "异议尚未答复" in text(response)
    page = text(cadre_client.get(f"/decisions/{matter.pk}/"))
    assert "异议尚未答复" in page and "登记会议记录" not in page
    review = Review.objects.get(stage=proposal)
    response = cadre_client.post(
        f"/decisions/{matter.pk}/act/answer/",
        {"review": review.pk, "answer": "议题已于会前在公开栏张贴，附照片"},
    )
    assert response.status_code == 302
    record(cadre_client, matter, per_person(stage, MeetingBody.TWO_COMMITTEES, hours_ago(1)))
    assert current(matter).kind == StageKind.PARTY_REVIEW


def test_a_notice_with_a_phone_number_is_refused_on_its_field(cadre_client, site):
    response = cadre_client.post(
        "/decisions/notices/new/",
        {
            "node": site.tree.village.code,
            "kind": "ordinary",
            "title": "二季度村务公开",
            "body": "联系人陈大明，电话13812345678。",
            "period_days": 7,
        },
    )
    assert response.status_code == 400
    assert re.search(r"id_body.*?不得包含手机号码", text(response), re.S)
    assert not Notice.objects.exists()


def test_opinions_are_recorded_once(cadre_client, site):
    matter, _meeting, task = _walk_to_solicitation(cadre_client, site)
    page = text(cadre_client.get(f"/decisions/{matter.pk}/"))
    assert "一组1号微网格" in page  # coverage per micro-grid
    response = cadre_client.post(
        f"/decisions/opinions/{task.pk}/", {"stance": "support", "channel": "visit"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.stance == "support"
    listing = text(cadre_client.get(f"/decisions/solicitations/{task.solicitation_id}/?answered=1"))
    assert "支持" in listing


def test_the_new_matter_page_offers_the_default_list_only_to_the_town(
    client, tree, world, make_user
):
    client.force_login(world.cadre)
    page = text(client.get("/decisions/new/"))
    assert "尚未建立重要事权清单" in page and "建立默认重要事权清单" not in page
    town = make_user(Role.TOWN_CADRE, tree.town)
    client.force_login(town)
    assert "建立默认重要事权清单" in text(client.get("/decisions/new/"))
    response = client.post("/decisions/kinds/seed/", {"county": tree.county.code})
    assert response.status_code == 302
    assert "村道" not in text(client.get("/decisions/new/"))
    assert "重大项目建设和公益事业" in text(client.get("/decisions/new/"))
    client.force_login(world.cadre)
    assert client.post("/decisions/kinds/seed/", {"county": tree.county.code}).status_code == 404


# -- Queries ------------------------------------------------------------------------------------


def test_the_list_and_the_matter_page_take_bounded_queries(
    cadre_client, site, django_assert_max_num_queries
):
    first = new_matter(site, "第一件")
    record(
        cadre_client, first, per_person(current(first), MeetingBody.BRANCH_COMMITTEE, hours_ago(3))
    )
    for n in range(12):
        new_matter(site, f"事项{n}")
    with django_assert_max_num_queries(14):
        assert cadre_client.get("/decisions/").status_code == 200
    with django_assert_max_num_queries(18):
        assert cadre_client.get(f"/decisions/{first.pk}/").status_code == 200


def test_an_announced_meeting_is_recorded_as_itself(cadre_client, site):
    matter = new_matter(site)
    stage = current(matter)
    response = cadre_client.post(
        f"/decisions/{matter.pk}/act/schedule/",
        {
            "body": MeetingBody.BRANCH_COMMITTEE,
            "held_at": local(hours_ago(2)),
            "place": "党群服务中心",
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    scheduled = Meeting.objects.get(stage=stage)
    page = text(cadre_client.get(f"/decisions/{matter.pk}/"))
    assert f"?meeting={scheduled.pk}" in page
    url = f"/decisions/stages/{stage.pk}/meeting/?meeting={scheduled.pk}"
    assert "党群服务中心" in text(cadre_client.get(url))
    data = per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(2), meeting=scheduled.pk)
    response = cadre_client.post(url, data)
    assert response.status_code == 302, text(response)[:3000]
    assert Meeting.objects.filter(stage=stage).count() == 1
    scheduled.refresh_from_db()
    assert scheduled.status == "closed" and scheduled.passed


def test_a_closed_meeting_is_corrected_by_a_labelled_amendment(cadre_client, site):
    matter = new_matter(site)
    stage = current(matter)
    record(cadre_client, matter, per_person(stage, MeetingBody.BRANCH_COMMITTEE, hours_ago(2)))
    meeting = Meeting.objects.get(stage=stage)
    url = f"/decisions/meetings/{meeting.pk}/"
    page = text(cadre_client.get(url))
    assert "登记更正" in page and site.committee[1].name in page  # the frozen roll, by name
    response = cadre_client.post(
        url,
        {
            "place": "党群服务中心二楼",
            "chair": "陈大明",
            "summary": "会议纪要",
            "reason": "地点记错",
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    page = text(cadre_client.get(url))
    assert "地点记错" in page and "村委会议室" in page and "党群服务中心二楼" in page
    meeting.refresh_from_db()
    assert meeting.place == "村委会议室"  # the record itself is never edited
    response = signed_in(site.supervisor).post(url, {"place": "x", "reason": "改一下"})
    assert response.status_code == 403


def test_a_matters_notice_waits_for_its_stage(cadre_client, site):
    matter = new_matter(site)
    url = f"/decisions/notices/new/?matter={matter.pk}&kind=decision"
    page = text(cadre_client.get(url))
    assert "须按程序顺序公开" in page and 'name="title"' not in page
    response = cadre_client.post(
        url,
        {
            "node": site.tree.village.code,
            "kind": "decision",
            "title": "决议",
            "body": "正文",
            "period_days": 7,
        },
    )
    assert response.status_code == 400 and "须按程序顺序公开" in text(response)
    assert not Notice.objects.exists()
