"""Printed notices and minutes (``decisions.printing``, ``views/prints.py``) and the village's
public board (``views/public.py``): a notice printed by a cadre carries its title, the short hash
and a QR code of the verify link, and names nobody; the link opened anonymously says the text
matches, and says it changed after one character of the record is changed; the minutes carry the
roll, the counts, the rule's citation, 补记, the amendment, the override and the supervision
review; the board lists a village's notices without sign-in and 404s for anything else; a
posting keeps the server's time and takes only an image; out of scope is a 404, in scope
without the permission to print a 403."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gridgov.accounts.roles import Role
from gridgov.core.models import AuditEntry, DocumentPosting, PrintedDocument
from gridgov.core.printing import qr_png_uri
from gridgov.core.verify import renderer_of, short_hash, verify_path, verify_url
from gridgov.decisions.meetings import meeting_record
from gridgov.decisions.models import (
    Attendance,
    Meeting,
    MeetingBody,
    Notice,
    NoticeKind,
    ReviewVerdict,
    StageKind,
    Vote,
)
from gridgov.decisions.notices import notice_publish, notice_text
from gridgov.decisions.printing import (
    NOTICE_KIND,
    minutes_pdf,
    notice_context,
    notice_pdf,
    notice_print,
    render_notice,
)
from gridgov.decisions.reviews import review_answer, review_record
from gridgov.decisions.services import (
    matter_create,
    matter_kinds_seed,
    meeting_amend,
    meeting_override_confirm,
    meeting_override_request,
)
from gridgov.decisions.stages import current_stage
from gridgov.decisions.tests.test_rolls import Clock, at, born, clock_fixture  # noqa: F401
from gridgov.orgs.models import BodyKind, BodyRole, MemberStatus
from gridgov.orgs.services import body_create, membership_create, party_member_create

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
CITIZEN_ID = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"1[3-9]\d{9}")


# -- A matter decided, its decision disclosed -------------------------------------------------


@dataclass
class Decided:
    world: Any
    clock: Clock
    cadre: Any
    second: Any
    supervisor: Any
    notice: Notice
    proposal: Meeting  # recorded late (补记), amended, objected to and answered
    party: Meeting  # failed its majority, carried by an override
    villagers: Meeting  # counted on paper
    members: list[Any]


def _seat(body: Any, person: Any, role: str = BodyRole.MEMBER) -> None:
    membership_create(body=body, person=person, role=role, term_start=dt.date(2021, 1, 1), by=None)


def _named(user: Any, first: str) -> Any:
    get_user_model().objects.filter(pk=user.pk).update(first_name=first)
    user.refresh_from_db()
    return user


@pytest.fixture
def decided(clock, world, make_person, make_user) -> Decided:
    """平东村 on 1 June 2025: 3 voting party members, a branch committee of 3 (the two
    committees are 3: the head chairs both), the villagers. A road project runs through
    四议两公开 from 2 to 5 June and its decision is disclosed on 5 June at noon."""
    tree = world.tree
    cadre = _named(world.cadre, "王书记")
    second = _named(make_user(Role.VILLAGE_CADRE, tree.village), "李主任")
    supervisor = _named(make_user(Role.SUPERVISOR, tree.village), "周监督")
    members = [world.head]
    for n in range(2):
        person = born(make_person, name=f"党员{n + 1}", birth=dt.date(1975, 1, 1))
        party_member_create(
            person=person,
            organization=world.party_group,
            status=MemberStatus.FULL,
            joined_on=dt.date(2000, 7, 1),
            full_member_on=dt.date(2001, 7, 1),
            by=None,
        )
        members.append(person)
    committee = body_create(
        code="B440605001201", name="平东村党支部委员会", kind=BodyKind.BRANCH_COMMITTEE,
        node=tree.village, by=None,
    )  # fmt: skip
    _seat(committee, world.head, BodyRole.CHAIR)
    _seat(committee, members[1])
    _seat(committee, members[2])
    kinds = {k.code: k for k in matter_kinds_seed(county=tree.county, by=cadre)}
    matter = matter_create(
        node=tree.village,
        kind=kinds["projects"],
        title="村道硬底化工程",
        amount=None,
        description="东街至村委会道路硬底化",
        by=cadre,
    )

    # 1. The proposal, held on 2 June and recorded on 5 June: 补记.
    clock.set(at(2025, 6, 5, 9))
    stage = current_stage(matter)
    assert stage is not None and stage.kind == StageKind.PROPOSAL
    proposal = meeting_record(
        stage=stage,
        body=MeetingBody.BRANCH_COMMITTEE,
        held_at=at(2025, 6, 2, 10),
        by=cadre,
        place="村委会议室",
        chair="陈大明",
        summary="提议对东街道路进行硬底化。",
        attendance={
            world.head.pk: (Attendance.PRESENT, Vote.YES, ""),
            members[1].pk: (Attendance.PRESENT, Vote.YES, ""),
            members[2].pk: (Attendance.EXCUSED, "", "外出务工"),
        },
    )
    assert proposal.late and proposal.passed
    meeting_amend(
        meeting=proposal, changes={"place": "党群服务中心二楼"}, reason="地点登记有误", by=cadre
    )
    objection = review_record(
        stage=stage,
        verdict=ReviewVerdict.OBJECTION,
        reason="会前未公示议题",
        by=supervisor,
    )
    clock.tick(minutes=30)
    review_answer(review=objection, answer="已补充公示议题并说明情况", by=cadre)

    # 2. The two committees, 5 June 10:00.
    clock.set(at(2025, 6, 5, 10, 30))
    stage = current_stage(matter)
    assert stage is not None
    meeting_record(
        stage=stage,
        body=MeetingBody.TWO_COMMITTEES,
        held_at=at(2025, 6, 5, 10),
        by=cadre,
        place="村委会议室",
        chair="陈大明",
        counts={"present": 3, "yes": 3},
    )
    # 3. The party members' assembly fails its majority (1 of 3), carried by an override.
    clock.set(at(2025, 6, 5, 11, 10))
    stage = current_stage(matter)
    assert stage is not None and stage.kind == StageKind.PARTY_REVIEW
    party = meeting_record(
        stage=stage,
        body=MeetingBody.PARTY_ASSEMBLY,
        held_at=at(2025, 6, 5, 11),
        by=cadre,
        chair="陈大明",
        counts={"present": 2, "yes": 1, "abstain": 1},
    )
    assert not party.passed
    meeting_override_request(meeting=party, reason="两名党员因汛期值守缺席，经镇党委同意", by=cadre)
    clock.tick(minutes=5)
    party = meeting_override_confirm(meeting=party, by=second)
    # 4. The villagers' meeting, announced on 20 May, counted on paper.
    clock.set(at(2025, 6, 5, 11, 50))
    stage = current_stage(matter)
    assert stage is not None and stage.kind == StageKind.RESOLUTION
    day = dt.date(2025, 6, 5)
    from gridgov.decisions.rolls import roll_for

    roll = roll_for(MeetingBody.VILLAGERS, tree.village, day)
    adults = len(roll.persons)
    villagers = meeting_record(
        stage=stage,
        body=MeetingBody.VILLAGERS,
        held_at=at(2025, 6, 5, 11, 30),
        by=cadre,
        place="村文化广场",
        chair="陈大明",
        notice_given_on=dt.date(2025, 5, 20),
        counts={
            "present_adults": adults,
            "present_household_reps": 0,
            "present": adults,
            "yes": adults - 1,
            "no": 1,
        },
    )
    assert villagers.passed
    # 5. The decision disclosed.
    clock.set(at(2025, 6, 5, 12))
    notice = notice_publish(
        node=tree.village,
        kind=NoticeKind.DECISION,
        title="关于村道硬底化工程的决议公开",
        body="经村民会议决议，同意实施东街至村委会道路硬底化工程。\n工程预计于七月开工。",
        by=cadre,
        matter=matter,
    )
    return Decided(
        world, clock, cadre, second, supervisor, notice, proposal, party, villagers, members
    )


def _client(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _print(decided: Decided, user: Any = None, language: str = "") -> Any:
    client = _client(user or decided.cadre)
    if language:
        client.cookies["django_language"] = language
    return client.post(reverse("web:decision_notice_pdf", args=[decided.notice.pk]))


def _private_numbers(text: str) -> list[str]:
    return CITIZEN_ID.findall(text) + MOBILE.findall(text)


# -- The provider -----------------------------------------------------------------------------


def test_the_notices_provider_is_registered_and_renders_the_public_text(decided):
    assert renderer_of(NOTICE_KIND) is render_notice
    assert render_notice(str(decided.notice.pk)) == notice_text(decided.notice)
    for ref in ("", "0", "abc", "-1", "1e3", "9" * 30, str(decided.notice.pk + 1000)):
        assert render_notice(ref) is None


# -- Printing a notice ------------------------------------------------------------------------


def test_a_cadre_prints_a_notice_with_its_title_hash_and_qr_and_no_personal_data(decided):
    page = _client(decided.cadre).get(
        reverse("web:decision_notice_print", args=[decided.notice.pk])
    )
    assert page.status_code == 200
    assert "尚未打印" in page.content.decode()

    response = _print(decided)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    Path("/tmp/decisions_notice.pdf").write_bytes(response.content)

    doc = PrintedDocument.objects.get()
    assert doc.kind == NOTICE_KIND and doc.object_ref == str(decided.notice.pk)
    assert doc.printed_by == decided.cadre and doc.printed_at == decided.clock.now
    assert doc.grid_path == decided.notice.grid_path
    assert AuditEntry.objects.filter(action="print", object_id=str(doc.pk)).exists()

    context = notice_context(decided.notice, doc, SITE)
    # The QR code holds the verify link: the unguessable id and the short hash.
    assert context["verify_url"] == verify_url(doc, SITE) == SITE + verify_path(doc)
    assert verify_path(doc) == f"/p/v/{doc.uid}/{short_hash(doc.text_hash)}/"
    assert context["verify_qr"] == qr_png_uri(context["verify_url"])
    assert context["layout"] is not None  # the text cut along its shape, not line by line

    printed = notice_pdf(notice=decided.notice, doc=doc, base=SITE, with_text=True)
    assert printed.pages == 1
    text = "".join(printed.text)
    for expected in (
        "平东村决议公开",
        "关于村道硬底化工程的决议公开",
        "工程预计于七月开工。",
        short_hash(doc.text_hash),
        doc.chain_head[:16],
        "扫码核验",
        "特别通过",
        "两名党员因汛期值守缺席",
        "村民委员会组织法（2018）第二十二条",
        "异议截止：2025-06-12",
        decided.notice.matter.number,
    ):
        assert expected in text, expected
    # Public: no person is named, no ID or phone number.
    assert not _private_numbers(text)
    for person in (decided.world.head, decided.world.spouse, *decided.members):
        assert person.name not in text
    for user in (decided.cadre, decided.second):
        assert user.first_name not in text and user.username not in text

    # The page now lists the print with its verify link.
    page = _client(decided.cadre).get(
        reverse("web:decision_notice_print", args=[decided.notice.pk])
    )
    assert verify_path(doc) in page.content.decode()


def test_every_print_is_recorded_with_its_own_link(decided):
    assert _print(decided).status_code == 200
    decided.clock.tick(minutes=1)
    assert _print(decided).status_code == 200
    first, second = PrintedDocument.objects.order_by("printed_at")
    assert first.uid != second.uid and first.text_hash == second.text_hash
    page = _client(decided.cadre).get(
        reverse("web:decision_notice_print", args=[decided.notice.pk])
    )
    body = page.content.decode()
    assert verify_path(first) in body and verify_path(second) in body


def test_the_qr_target_says_the_text_matches_then_that_it_changed(decided):
    _print(decided)
    doc = PrintedDocument.objects.get()
    anonymous = Client()
    response = anonymous.get(verify_path(doc))
    assert response.status_code == 200
    body = response.content.decode()
    assert "与印发文本一致" in body and "工程预计于七月开工。" in body
    assert decided.cadre.first_name not in body and decided.cadre.username not in body

    notice = decided.notice
    changed = notice.body.replace("七月", "八月", 1)
    assert len(changed) == len(notice.body)  # one character differs
    Notice.objects.filter(pk=notice.pk).update(body=changed)
    response = anonymous.get(verify_path(doc))
    assert response.status_code == 200
    body = response.content.decode()
    assert "已被修改" in body and "八月" in body
    # A change to the decision record the text shows (one count) is detected too.
    Notice.objects.filter(pk=notice.pk).update(body=notice.body)
    assert "与印发文本一致" in anonymous.get(verify_path(doc)).content.decode()
    Meeting.objects.filter(pk=decided.villagers.pk).update(no=2, yes=decided.villagers.yes - 1)
    assert "已被修改" in anonymous.get(verify_path(doc)).content.decode()


def test_the_text_is_the_same_whatever_language_prints_or_scans_it(decided, monkeypatch):
    """The text is hashed and re-rendered in the site's language: a notice printed from the
    English interface and scanned by an English browser still matches."""
    from django.utils import translation

    from gridgov.decisions import notices

    real = notices._

    def translated(message: str) -> str:
        text = real(message)
        return f"EN {text}" if translation.get_language() == "en" else text

    monkeypatch.setattr(notices, "_", translated)
    ref = str(decided.notice.pk)
    with translation.override("en"):
        assert notice_text(decided.notice) != render_notice(ref)
        assert _print(decided, language="en").status_code == 200
    doc = PrintedDocument.objects.get()
    assert "EN " not in doc.text
    english = Client(headers={"accept-language": "en"})
    english.cookies["django_language"] = "en"
    response = english.get(verify_path(doc))
    # The verdict in the reader's language; the text it vouches for is the one printed.
    assert response.status_code == 200 and response.context["status"] == "matches"
    assert "Matches the printed text" in response.content.decode()


def test_a_deleted_notice_reads_as_withdrawn(decided):
    _print(decided)
    doc = PrintedDocument.objects.get()
    Notice.objects.filter(pk=decided.notice.pk).delete()
    assert Client().get(verify_path(doc)).status_code == 410


# -- Minutes ----------------------------------------------------------------------------------


def test_the_minutes_of_a_late_amended_reviewed_meeting(decided):
    response = _client(decided.cadre).get(
        reverse("web:decision_minutes", args=[decided.proposal.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    Path("/tmp/decisions_minutes.pdf").write_bytes(response.content)
    assert AuditEntry.objects.filter(action="print", object_type="decisions.minutes").exists()

    text = "".join(minutes_pdf(decided.proposal, with_text=True).text)
    for expected in (
        decided.proposal.stage.matter.number,
        "村道硬底化工程",
        "村党组织提议",
        "支部委员会",
        "2025-06-02 10:00",
        "补记",
        "2025-06-05 09:00",  # recorded at
        "中国共产党支部工作条例（试行）（2018）第十二条",
        decided.proposal.rule_text[:20],
        # The roll by name, attendance, vote, excuse.
        decided.world.head.name,
        "党员1",
        "党员2",
        "外出务工",
        "赞成",
        "请假",
        # The amendment: old → new, who, why; the effective place.
        "村委会议室 → 党群服务中心二楼",
        "地点登记有误",
        "王书记",
        # The supervision committee's objection and the answer.
        "提出异议",
        "会前未公示议题",
        "已补充公示议题并说明情况",
        "周监督",
    ):
        assert expected in text, expected
    assert not _private_numbers(text)


def test_the_minutes_of_an_override_and_of_a_villagers_meeting(decided):
    printed = minutes_pdf(decided.party, with_text=True)
    Path("/tmp/decisions_minutes_override.pdf").write_bytes(printed.pdf)
    text = "".join(printed.text)
    for expected in (
        "支部党员大会",
        "特别通过",
        "两名党员因汛期值守缺席，经镇党委同意",
        "王书记",  # asked
        "李主任",  # confirmed
        "中国共产党支部工作条例（试行）（2018）第十一条",
    ):
        assert expected in text, expected
    villagers = decided.villagers
    printed = minutes_pdf(villagers, with_text=True)
    text = "".join(printed.text)
    assert villagers.roll_adults > 0 and villagers.roll_households > 0
    for expected in (
        "村民会议",
        "2025-05-20",  # notice given
        "村文化广场",
        "村民委员会组织法（2018）第二十二条",
        "应到：18岁以上村民",
    ):
        assert expected in text, expected
    # Counted on paper: the counts, no names.
    assert f"{villagers.roll_adults}{villagers.roll_households}" in text.replace(" ", "")
    assert decided.world.spouse.name not in text
    assert not _private_numbers(text)
    Path("/tmp/decisions_minutes_villagers.pdf").write_bytes(printed.pdf)


# -- The public board -------------------------------------------------------------------------


def test_the_board_lists_the_villages_notices_without_sign_in(
    decided, django_assert_max_num_queries
):
    world = decided.world
    ordinary = notice_publish(
        node=world.tree.village,
        kind=NoticeKind.ORDINARY,
        title="2025年第二季度村务公开",
        body="本季度完成村道维修两处。",
        by=decided.cadre,
    )
    elsewhere = notice_publish(
        node=world.tree.other_village,
        kind=NoticeKind.FINANCE,
        title="平西村五月财务公开",
        body="五月收入一万元。",
        by=world.outsider,
    )
    code = world.tree.village.code
    anonymous = Client()
    with django_assert_max_num_queries(4):
        response = anonymous.get(reverse("board:village", args=[code]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    body = response.content.decode()
    assert decided.notice.title in body and ordinary.title in body
    assert elsewhere.title not in body
    assert "2025-06-12" in body  # the objection deadline

    body = anonymous.get(reverse("board:village", args=[code]), {"kind": "ordinary"}).content
    assert ordinary.title in body.decode() and decided.notice.title not in body.decode()
    # An unknown kind is no filter, never an error.
    assert (
        anonymous.get(reverse("board:village", args=[code]), {"kind": "x" * 500}).status_code == 200
    )

    with django_assert_max_num_queries(5):
        response = anonymous.get(reverse("board:notice", args=[code, decided.notice.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "工程预计于七月开工。" in body and "特别通过" in body
    assert not _private_numbers(body)
    for person in (world.head, world.spouse, *decided.members):
        assert person.name not in body
    assert decided.cadre.first_name not in body


@pytest.mark.parametrize(
    "path",
    [
        "/p/board/",
        "/p/board/abc/",
        "/p/board/440605/",  # a county
        "/p/board/440605001/",  # a town
        "/p/board/440605001299/",  # no such village
        "/p/board/440605001201001/",  # a group
        "/p/board/4406050012019/",
        "/p/board/440605001201/0/",
        "/p/board/440605001201/-1/",
        "/p/board/440605001201/abc/",
        "/p/board/440605001201/99999999999999999999999999/",
        "/p/board/440605001201/1/2/",
        "/p/board/440605001201%0A/",
        "/p/board/440605001201/1%0A/",
    ],
)
def test_the_board_404s_for_garbage(tree, path):
    response = Client().get(path)
    assert response.status_code == 404
    assert "没有找到这个公开栏或公告" in response.content.decode()


def test_a_nul_in_a_board_path_is_a_bad_request_not_an_error(tree):
    assert Client().get("/p/board/%00/").status_code == 400


def test_the_board_404s_for_another_villages_notice(decided):
    world = decided.world
    elsewhere = notice_publish(
        node=world.tree.other_village,
        kind=NoticeKind.ORDINARY,
        title="平西村村务公开",
        body="本季度无重大事项。",
        by=world.outsider,
    )
    anonymous = Client()
    here, there = world.tree.village.code, world.tree.other_village.code
    assert anonymous.get(reverse("board:notice", args=[here, elsewhere.pk])).status_code == 404
    assert (
        anonymous.get(reverse("board:notice", args=[there, decided.notice.pk])).status_code == 404
    )
    assert anonymous.get(reverse("board:notice", args=[there, elsewhere.pk])).status_code == 200


def test_the_board_pages_in_the_database(decided, settings):
    from gridgov.core import pages

    world = decided.world
    for n in range(3):
        notice_publish(
            node=world.tree.village,
            kind=NoticeKind.ORDINARY,
            title=f"第{n + 1}期村务公开",
            body="内容",
            by=decided.cadre,
        )
    original = pages.PER_PAGE
    pages.PER_PAGE = 2
    try:
        url = reverse("board:village", args=[world.tree.village.code])
        first = Client().get(url)
        last = Client().get(url, {"page": "2"})
        odd = Client().get(url, {"page": "9" * 40})
    finally:
        pages.PER_PAGE = original
    assert len(first.context["page"].object_list) == 2
    assert len(last.context["page"].object_list) == 2
    assert odd.status_code == 200


# -- Posting ----------------------------------------------------------------------------------


def test_posting_records_the_servers_time_and_refuses_a_non_image(decided, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = _client(decided.cadre)
    url = reverse("web:decision_notice_posting", args=[decided.notice.pk])
    # Nothing printed yet: nothing to post.
    response = client.post(url, {"place": "村委会公开栏"})
    assert response.status_code == 400 and "请先打印公告" in response.content.decode()

    _print(decided)
    decided.clock.tick(minutes=20)
    doc = PrintedDocument.objects.get()
    response = client.post(
        url,
        {
            "place": "村委会公开栏",
            "photo": SimpleUploadedFile("board.pdf", b"%PDF-1.7 not a photo", "image/jpeg"),
        },
    )
    assert response.status_code == 400
    assert "照片须是JPEG、PNG或WebP图片" in response.content.decode()
    assert not DocumentPosting.objects.exists()

    response = client.post(
        url,
        {
            "place": "村委会公开栏",
            "posted_at": "2020-01-01T00:00:00+08:00",  # not the client's to give
            "photo": SimpleUploadedFile("board.png", PNG, "image/png"),
        },
    )
    assert response.status_code == 302
    posting = DocumentPosting.objects.get()
    assert posting.document == doc and posting.place == "村委会公开栏"
    assert posting.posted_at == decided.clock.now
    assert posting.recorded_by == decided.cadre and posting.photo.name.startswith("postings/")
    page = client.get(reverse("web:decision_notice_print", args=[decided.notice.pk]))
    assert "村委会公开栏" in page.content.decode()


# -- Scope ------------------------------------------------------------------------------------


def test_out_of_scope_users_get_404_on_the_print_views(decided, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    notice, meeting = decided.notice, decided.proposal
    outsider = _client(decided.world.outsider)
    assert outsider.get(reverse("web:decision_minutes", args=[meeting.pk])).status_code == 404
    assert outsider.get(reverse("web:decision_notice_print", args=[notice.pk])).status_code == 404
    assert outsider.post(reverse("web:decision_notice_pdf", args=[notice.pk])).status_code == 404
    assert not PrintedDocument.objects.exists()
    _print(decided)
    response = outsider.post(
        reverse("web:decision_notice_posting", args=[notice.pk]),
        {"place": "x", "photo": SimpleUploadedFile("board.png", PNG, "image/png")},
    )
    assert response.status_code == 404
    assert not DocumentPosting.objects.exists()

    # The supervision committee reads the minutes, sees the notice, but does not print it or
    # record its posting: 403, naming the permission.
    supervisor = _client(decided.supervisor)
    assert supervisor.get(reverse("web:decision_minutes", args=[meeting.pk])).status_code == 200
    response = supervisor.get(reverse("web:decision_notice_print", args=[notice.pk]))
    assert response.status_code == 403 and "办理重要事项" in response.content.decode()
    assert supervisor.post(reverse("web:decision_notice_pdf", args=[notice.pk])).status_code == 403
    response = supervisor.post(
        reverse("web:decision_notice_posting", args=[notice.pk]), {"place": "x"}
    )
    assert response.status_code == 403
    assert PrintedDocument.objects.count() == 1 and not DocumentPosting.objects.exists()

    # Anonymous: the sign-in page; the wrong method: 405; a huge or unknown id: 404.
    anonymous = Client()
    response = anonymous.get(reverse("web:decision_minutes", args=[meeting.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    cadre = _client(decided.cadre)
    # A link to the PDF opens the print page; printing is a POST.
    response = cadre.get(reverse("web:decision_notice_pdf", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:decision_notice_print", args=[notice.pk])
    assert cadre.put(reverse("web:decision_notice_pdf", args=[notice.pk])).status_code == 405
    assert PrintedDocument.objects.count() == 1
    assert cadre.get(reverse("web:decision_minutes", args=[10**25])).status_code == 404
    assert cadre.get(reverse("web:decision_notice_print", args=[10**25])).status_code == 404
    assert cadre.get(reverse("web:decision_minutes", args=[meeting.pk + 1000])).status_code == 404


def test_printing_refuses_a_stale_copy_and_writes_nothing(decided):
    """A notice whose text is no longer what its provider renders is not printed: the paper
    would read "changed" the moment it is put up."""
    stale = Notice.objects.get(pk=decided.notice.pk)
    Notice.objects.filter(pk=stale.pk).update(body=stale.body + "补充")
    with pytest.raises(ValidationError) as refused:
        notice_print(notice=stale, by=decided.cadre, base=SITE)
    assert "不一致" in str(refused.value)
    assert not PrintedDocument.objects.exists()
