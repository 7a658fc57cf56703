"""Disclosure (两公开; ``decisions.notices``): no personal numbers or health data in a notice, the
decision and result notices in their order, the notice's public text, and the villages whose
disclosure is overdue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gridgov.conftest import new_citizen_id
from gridgov.decisions.models import (
    MatterStatus,
    MeetingBody,
    Notice,
    NoticeKind,
    StageKind,
    StageStatus,
)
from gridgov.decisions.notices import (
    check_public_text,
    disclosure_compliance,
    matter_result_record,
    notice_publish,
    notice_text,
)
from gridgov.decisions.reviews import review_answer, review_record
from gridgov.decisions.rules import HEALTH_TERMS
from gridgov.decisions.selectors import notice_list
from gridgov.decisions.services import meeting_override_confirm, meeting_override_request
from gridgov.decisions.stages import current_stage
from gridgov.decisions.tests.test_rolls import clock_fixture  # noqa: F401
from gridgov.decisions.tests.test_services import (  # noqa: F401
    council_fixture,
    hold,
    new_matter,
    refused,
    run_until,
    stage_of,
)
from gridgov.people.models import Person

CARD = "6222 0212 3456 7890 128"


def publish(council, kind=NoticeKind.ORDINARY, *, title="村务公开", body="本季度村务如下。", **kw):
    return notice_publish(
        node=kw.pop("node", council.tree.village),
        kind=kind,
        title=title,
        body=body,
        by=kw.pop("by", council.cadre),
        **kw,
    )


def decided(council):
    """A matter carried through its meetings: its decision notice is the current stage."""
    matter = new_matter(council, amount=120000)
    run_until(council, matter, StageKind.DECISION_NOTICE)
    matter.refresh_from_db()
    return matter


# -- What a notice may not hold --------------------------------------------------------------


@pytest.mark.parametrize(
    "text,what",
    [
        (f"户主身份证{new_citizen_id()}已核实", "身份证号"),
        ("联系电话13812345678", "手机号码"),
        ("联系电话138-1234-5678", "手机号码"),
        ("联系电话１３８１２３４５６７８", "手机号码"),
        (f"补偿款打入{CARD}", "银行账号"),
        ("收款账号：44050112345678", "银行账号"),
        ("收款账户: 4405 0112 3456", "银行账号"),
    ],
)
@pytest.mark.parametrize("field", ["title", "body"])
def test_personal_numbers_are_refused_naming_the_field(council, text, what, field):
    fields = {"title": "公示", "body": "正文", field: text}
    errors = refused(publish, council, **fields)
    assert list(errors) == [field]
    assert what in errors[field][0]
    assert not Notice.objects.exists()


@pytest.mark.parametrize("term", HEALTH_TERMS.default)
def test_each_health_term_is_refused(council, term):
    errors = refused(publish, council, body=f"村民王某{term}，申请救助")
    assert "body" in errors and "健康信息" in errors["body"][0]
    errors = refused(publish, council, title=f"关于{term}的公示")
    assert "title" in errors


def test_the_health_terms_are_a_rule(council, settings):
    settings.GRIDGOV_RULES = {"decisions.notice_health_terms": ["透析"]}
    assert "body" in refused(publish, council, body="王某每周透析三次")
    publish(council, body="王某住院期间由村委慰问")


def test_ordinary_text_passes(council):
    check_public_text({"body": "2025年第二季度收入120000元，支出80000元，结余40000元。"})
    check_public_text({"title": "事项编号D20250610000001的公示"})


def test_a_notice_needs_a_title_a_body_and_a_sensible_period(council):
    assert "title" in refused(publish, council, title=" ")
    assert "body" in refused(publish, council, body="")
    assert "kind" in refused(publish, council, kind="gossip")
    assert "period_days" in refused(publish, council, period_days=0)
    notice = publish(council, period_days=10)
    assert notice.objection_until == dt.date(2025, 6, 20)
    assert "node" in refused(publish, council, node=council.tree.microgrid)


def test_ordinary_notices_of_a_group_are_the_village_s_and_carry_no_matter(council):
    notice = publish(council, node=council.tree.group)
    assert notice.node == council.tree.village
    matter = new_matter(council)
    assert "matter" in refused(publish, council, matter=matter)
    assert "matter" in refused(publish, council, NoticeKind.DECISION)


# -- The decision and the result, in order ---------------------------------------------------


def test_the_decision_notice_only_when_its_stage_is_current(council):
    matter = new_matter(council)
    errors = refused(publish, council, NoticeKind.DECISION, matter=matter)
    assert "kind" in errors and "村党组织提议" in errors["kind"][0]
    run_until(council, matter, StageKind.RESOLUTION)
    assert "kind" in refused(publish, council, NoticeKind.DECISION, matter=matter)
    hold(council, current_stage(matter))
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DECIDED
    assert "kind" in refused(publish, council, NoticeKind.RESULT, matter=matter)
    notice = publish(council, NoticeKind.DECISION, matter=matter, title="村道工程决议公开")
    assert notice.major and notice.period_days == 7 and notice.matter == matter
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DECIDED
    assert stage_of(matter, StageKind.DECISION_NOTICE).status == StageStatus.PASSED
    assert current_stage(matter).kind == StageKind.RESULT_NOTICE
    assert "kind" in refused(publish, council, NoticeKind.DECISION, matter=matter)


def test_the_result_notice_needs_the_recorded_result_then_the_matter_is_done(council):
    matter = decided(council)
    errors = refused(matter_result_record, matter=matter, result_text="已完工", by=council.cadre)
    assert "result_text" in errors
    publish(council, NoticeKind.DECISION, matter=matter, title="决议公开")
    assert "body" in refused(publish, council, NoticeKind.RESULT, matter=matter)
    assert "result_text" in refused(
        matter_result_record, matter=matter, result_text=" ", by=council.cadre
    )
    assert "result_text" in refused(
        matter_result_record,
        matter=matter,
        result_text="补偿款已打入6222021234567890128",
        by=council.cadre,
    )
    matter_result_record(matter=matter, result_text="村道1.2公里已完工，验收合格", by=council.cadre)
    notice = publish(council, NoticeKind.RESULT, matter=matter, title="实施结果公开")
    matter.refresh_from_db()
    assert matter.status == MatterStatus.DONE
    assert current_stage(matter) is None
    assert "村道1.2公里已完工" in notice_text(notice)
    assert "kind" in refused(publish, council, NoticeKind.RESULT, matter=matter)


def test_an_unanswered_objection_holds_the_decision_notice(council):
    matter = decided(council)
    resolution = stage_of(matter, StageKind.RESOLUTION)
    objection = review_record(
        stage=resolution,
        verdict="objection",
        reason="到会村民代表签名不全",
        by=council.supervisor,
    )
    errors = refused(publish, council, NoticeKind.DECISION, matter=matter)
    assert "stage" in errors and "第三十二条" in errors["stage"][0]
    assert not Notice.objects.exists()
    review_answer(review=objection, answer="已补齐签名并存档", by=council.cadre)
    publish(council, NoticeKind.DECISION, matter=matter)


def test_a_matter_s_notice_is_published_in_its_own_village(council):
    matter = decided(council)
    errors = refused(
        publish, council, NoticeKind.DECISION, matter=matter, node=council.tree.other_village
    )
    assert "node" in errors


def test_a_withdrawn_matter_is_not_disclosed_as_decided(council):
    from gridgov.decisions.services import matter_withdraw

    matter = new_matter(council)
    matter_withdraw(matter=matter, reason="项目取消", by=council.cadre)
    assert "kind" in refused(publish, council, NoticeKind.DECISION, matter=matter)


# -- The public text -------------------------------------------------------------------------


def test_the_notice_text_names_no_person_and_cites_every_meeting(council):
    matter = new_matter(council, amount=120000)
    stage = run_until(council, matter, StageKind.PARTY_REVIEW)
    failed = hold(council, stage, present=2, yes=2)
    meeting_override_request(meeting=failed, reason="防汛抢险，党员外出", by=council.cadre)
    meeting_override_confirm(meeting=failed, by=council.second)
    hold(council, current_stage(matter), MeetingBody.VILLAGERS)
    notice = publish(
        council, NoticeKind.DECISION, matter=matter, title="村道工程决议公开", body="决议如下。"
    )
    text = notice_text(notice)
    names = set(Person.objects.values_list("name", flat=True))
    assert names and not [name for name in names if name in text]
    assert "主持人甲" not in text  # the chair is a person too
    for citation in (
        "中国共产党支部工作条例（试行）（2018）第十二条",
        "中国共产党农村基层组织工作条例（2019）第十九条",
        "中国共产党支部工作条例（试行）（2018）第十一条",
        "村民委员会组织法（2018）第二十二条",
    ):
        assert citation in text
    assert "特别通过" in text and "防汛抢险，党员外出" in text
    assert matter.number in text and "120000" in text
    assert "平东村决议公开" in text and "应到13" in text
    assert "公示期：2025-06-10起7天" in text


def test_notices_list_newest_first_by_kind(council):
    first = publish(council, title="一季度村务")
    council.clock.tick(days=1)
    second = publish(council, NoticeKind.FINANCE, title="五月财务")
    scoped = Notice.objects.restrict(council.cadre)
    assert list(notice_list(scoped)) == [second, first]
    assert list(notice_list(scoped, kind=NoticeKind.FINANCE)) == [second]
    assert list(notice_list(Notice.objects.restrict(council.world.outsider))) == []


# -- Compliance per village ------------------------------------------------------------------


def test_a_village_without_notices_is_overdue(council):
    ours, theirs = disclosure_compliance([council.tree.village, council.tree.other_village])
    assert ours.last_ordinary is None and ours.last_finance is None
    assert len(ours.overdue) == 2 and len(theirs.overdue) == 2
    publish(council, NoticeKind.ORDINARY)
    publish(council, NoticeKind.FINANCE, title="五月财务收支")
    ours, theirs = disclosure_compliance([council.tree.village, council.tree.other_village])
    assert ours.overdue == [] and ours.last_finance == dt.date(2025, 6, 10)
    assert len(theirs.overdue) == 2
    council.clock.tick(days=32)
    (ours,) = disclosure_compliance([council.tree.village])
    assert ours.overdue == ["财务收支超过一个月未公开"]
    council.clock.tick(days=61)
    (ours,) = disclosure_compliance([council.tree.village])
    assert len(ours.overdue) == 2


def test_a_decision_waiting_longer_than_the_major_cadence_is_flagged(council):
    publish(council, NoticeKind.ORDINARY)
    publish(council, NoticeKind.FINANCE, title="五月财务收支")
    matter = decided(council)
    (ours,) = disclosure_compliance([council.tree.village])
    assert ours.undisclosed_decisions == 0
    council.clock.tick(days=1, minutes=1)
    (ours,) = disclosure_compliance([council.tree.village])
    assert ours.undisclosed_decisions == 1
    assert ours.overdue == ["1项决议未及时公开"]
    publish(council, NoticeKind.DECISION, matter=matter)
    (ours,) = disclosure_compliance([council.tree.village])
    assert ours.undisclosed_decisions == 0


def test_a_group_s_decision_counts_for_its_village(council):
    matter = new_matter(council, "group")
    run_until(council, matter, StageKind.DECISION_NOTICE)
    council.clock.tick(days=2)
    ours, theirs = disclosure_compliance([council.tree.village, council.tree.other_village])
    assert (ours.undisclosed_decisions, theirs.undisclosed_decisions) == (1, 0)
    notice = publish(council, NoticeKind.DECISION, matter=matter, node=council.tree.group)
    assert notice.node == council.tree.village


def test_publishing_refuses_a_person_without_an_active_account(council):
    council.cadre.is_active = False
    council.cadre.save()
    with pytest.raises(Exception) as refused_:
        publish(council)
    assert not isinstance(refused_.value, ValidationError)
