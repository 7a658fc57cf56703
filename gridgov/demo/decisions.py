"""Demo important matters (演示重要事项决策, 四议两公开) in the demo village, so that a newcomer who
runs ``make run`` sees matters at every stage, the meetings' rolls and tallies, a failed meeting
held again, an override, an objection answered and printed notices on the public board.

Everything is made through the decisions services by the demo users who would do it: the county
administrator seeds the county's important-matters list (重要事权清单), the town cadre enters
the branch committee's seats (and the representatives' meeting where the village has none), the
village cadre registers the matters, records the meetings and publishes and prints the notices,
the supervisor reviews the stages and the town cadre confirms the override the village cadre asked
for. Run by ``gridgov demo_decisions``.

The meetings were held in the last two days, in order, at daytime hours where the window allows;
one branch committee meeting of three days ago is entered now and so shows 补记 (entered more
than ``LATE_RECORD_HOURS`` after it was held). A meeting's roll
is the registry as it stood on its day: when the village was loaded today, the party members'
assemblies (whose roll counts the members registered by that day) are held today.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.core.rules import rule_value
from gridgov.decisions.meetings import meeting_record
from gridgov.decisions.models import (
    Attendance,
    Matter,
    MatterKind,
    Meeting,
    MeetingBody,
    Notice,
    NoticeKind,
    ReviewVerdict,
    StageKind,
    Vote,
)
from gridgov.decisions.notices import matter_result_record, notice_publish
from gridgov.decisions.printing import notice_print
from gridgov.decisions.reviews import review_answer, review_record
from gridgov.decisions.rolls import roll_for
from gridgov.decisions.rules import LATE_RECORD_HOURS
from gridgov.decisions.services import (
    kinds_for,
    matter_create,
    matter_kinds_seed,
    meeting_override_confirm,
    meeting_override_request,
    meeting_schedule,
)
from gridgov.decisions.stages import current_stage
from gridgov.grid.models import GridLevel, GridNode
from gridgov.people.models import Person

from .decision_setup import (
    committee_chair,
    meeting_slots,
    members_registered_day,
    seat_branch_committee,
    seat_representatives,
)
from .links import NoDemoUsers
from .signins import demo_nodes, username_for

# The late entry (补记): a branch committee meeting held in the evening of the day before the
# last one whose meetings may still be recorded without the label (``LATE_RECORD_HOURS``).
LATE_TIME = dt.time(19, 30)
# The other meetings: in the last ``WINDOW_HOURS`` (and inside ``LATE_RECORD_HOURS``), on the
# half hour between the local hours of ``decision_setup.DAY_HOURS``.
WINDOW_HOURS = 46
EXCUSES = ["外出务工", "在外地照看孙辈", "家中有事", "赶集未归", "外出办事"]
DONE_STAGE = "done"


@dataclass
class DemoDecisions:
    bodies: int = 0
    kinds: int = 0
    matters: int = 0
    meetings: int = 0
    notices: int = 0
    printed: int = 0
    by_stage: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def has_decisions() -> bool:
    return Matter.objects.exists()


def _user(role: str) -> Any:
    user = get_user_model().objects.filter(username=username_for(role)).first()
    if user is None:
        raise NoDemoUsers
    return user


def public_base() -> str:
    """Where the printed notices' QR codes point: ``GRIDGOV_PUBLIC_URL``, else the address
    ``gridgov serve`` listens on by default."""
    configured = str(getattr(settings, "GRIDGOV_PUBLIC_URL", "") or "").rstrip("/")
    return configured or f"http://{os.environ.get('GRIDGOV_BIND', '127.0.0.1:8000')}"


# -- The matters -------------------------------------------------------------------------------


@dataclass
class Step:
    """One meeting to record: the matter's key, the body, the share present, votes against
    and abstentions, and whether it should carry its stage."""

    key: str
    body: str
    summary: str
    present: float = 0.92
    against: int = 0
    abstain: int = 0
    passes: bool = True
    late: bool = False


class _Demo:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        nodes = demo_nodes()
        self.county = nodes[Role.COUNTY_ADMIN]
        self.village = nodes[Role.VILLAGE_CADRE]
        self.admin = _user(Role.COUNTY_ADMIN)
        self.town = _user(Role.TOWN_CADRE)
        self.cadre = _user(Role.VILLAGE_CADRE)
        self.supervisor = _user(Role.SUPERVISOR)
        self.out = DemoDecisions()
        self.matters: dict[str, Matter] = {}
        self.now = timezone.now()
        chair = committee_chair(self.village)
        self.chair = (
            Person.objects.filter(pk=chair).values_list("name", flat=True).first() if chair else ""
        ) or ""
        self.base = public_base()

    # -- setting up ---------------------------------------------------------------------------

    def bodies(self) -> None:
        self.out.bodies += seat_branch_committee(self.village, self.town, self.rng)
        self.out.bodies += seat_representatives(self.village, self.town, self.rng)

    def kinds(self) -> dict[str, MatterKind]:
        self.out.kinds = len(matter_kinds_seed(county=self.county, by=self.admin))
        return {k.code: k for k in kinds_for(self.village)}

    def matter(self, key: str, kind: MatterKind, title: str, amount: int | None, text: str) -> None:
        self.matters[key] = matter_create(
            node=self.village,
            kind=kind,
            title=title,
            by=self.cadre,
            amount=Decimal(amount) if amount is not None else None,
            description=text,
        )
        self.out.matters += 1

    # -- meetings -----------------------------------------------------------------------------

    def _attendance(self, persons: list[int], step: Step) -> dict[int, tuple[str, str, str]]:
        order = list(persons)
        self.rng.shuffle(order)
        n = len(order)
        present = max(1, min(n, round(n * step.present)))
        against = min(step.against, max(0, present - 1))
        abstain = min(step.abstain, max(0, present - 1 - against))
        out: dict[int, tuple[str, str, str]] = {}
        for i, pid in enumerate(order):
            if i < present:
                vote = (
                    Vote.NO if i < against else Vote.ABSTAIN if i < against + abstain else Vote.YES
                )
                out[pid] = (Attendance.PRESENT, vote, "")
            elif (i - present) % 3 != 2:  # most who did not come asked for leave
                out[pid] = (Attendance.EXCUSED, "", self.rng.choice(EXCUSES))
            else:
                out[pid] = (Attendance.ABSENT, "", "")
        return out

    def hold(self, step: Step, held_at: dt.datetime) -> Meeting:
        matter = self.matters[step.key]
        stage = current_stage(matter)
        assert stage is not None, matter
        held_on = timezone.localdate(held_at)
        roll = roll_for(step.body, matter.node, held_on)
        ahead = 3 if step.body == MeetingBody.REPRESENTATIVES else 1
        if step.body == MeetingBody.BRANCH_COMMITTEE:
            ahead = 0
        places: dict[str, str] = {
            MeetingBody.PARTY_ASSEMBLY: f"{self.village.name}党群服务中心大会议室",
            MeetingBody.REPRESENTATIVES: f"{self.village.name}村委会二楼会议室",
        }
        place = places.get(step.body, f"{self.village.name}党群服务中心会议室")
        meeting = meeting_record(
            stage=stage,
            body=step.body,
            held_at=held_at,
            by=self.cadre,
            place=place,
            chair=self.chair,
            summary=step.summary,
            notice_given_on=min(held_on, timezone.localdate(self.now)) - dt.timedelta(days=ahead),
            attendance=self._attendance(roll.persons, step),
        )
        if meeting.passed != step.passes or meeting.late != step.late:
            raise AssertionError(f"demo meeting of {matter.title}: {meeting.rule_text}")
        self.out.meetings += 1
        matter.refresh_from_db()
        return meeting

    def timeline(self, steps: list[Step]) -> list[tuple[Step, dt.datetime]]:
        """When each step was held, in order: the late one first (before ``LATE_RECORD_HOURS``),
        the committees' meetings over the first part of the window, and the members'
        assemblies and everything after them from the day the members were registered."""
        late = [s for s in steps if s.late]
        first_assembly = next(
            (i for i, s in enumerate(steps) if s.body == MeetingBody.PARTY_ASSEMBLY), len(steps)
        )
        early = [s for s in steps[:first_assembly] if not s.late]
        rest = [s for s in steps[first_assembly:] if not s.late]
        late_hours = int(rule_value(LATE_RECORD_HOURS))
        window = max(1, min(WINDOW_HOURS, late_hours - 2))
        start = self.now - dt.timedelta(hours=window)
        split = self.now - dt.timedelta(hours=window / 2)
        registered = members_registered_day(self.village)
        if registered is not None and registered > split:
            split = registered
        end = max(self.now - dt.timedelta(minutes=20), split + (self.now - split) / 2)
        cutoff = timezone.localdate(self.now - dt.timedelta(hours=late_hours))
        late_at = timezone.make_aware(dt.datetime.combine(cutoff - dt.timedelta(days=1), LATE_TIME))
        times = (
            [late_at] * len(late)
            + meeting_slots(start, split, len(early), self.rng)
            + meeting_slots(split, end, len(rest), self.rng)
        )
        return list(zip(late + early + rest, times, strict=True))

    # -- notices ------------------------------------------------------------------------------

    def publish(self, key: str, kind: str, title: str, body: str, *, printed: bool) -> Notice:
        notice = notice_publish(
            node=self.village,
            kind=kind,
            title=title,
            body=body,
            by=self.cadre,
            matter=self.matters[key],
        )
        self.out.notices += 1
        if printed:
            notice_print(notice=notice, by=self.cadre, base=self.base)
            self.out.printed += 1
        self.matters[key].refresh_from_db()
        return notice


def _steps(v: str) -> list[Step]:
    """Every meeting of the demo, in the order held."""
    bc, tc = MeetingBody.BRANCH_COMMITTEE, MeetingBody.TWO_COMMITTEES
    pa, rm = MeetingBody.PARTY_ASSEMBLY, MeetingBody.REPRESENTATIVES
    return [
        Step(
            "road",
            bc,
            "支委会研究认为，第三、四村民小组之间村道为泥结石路面，雨天泥泞，群众多次反映。"
            "提议实施村道硬化，预算38万元，申请上级以奖代补资金，不足部分由村集体经营收入列支。"
            "（本次会议据纸质会议记录本补记）",
            present=1.0,
            late=True,
        ),
        Step(
            "land",
            bc,
            "提议将原砖厂复垦的约85亩村集体耕地公开流转，用于蔬菜规模种植，增加村集体收入。",
            present=1.0,
        ),
        Step(
            "lights",
            bc,
            "提议使用村集体资金12.6万元，在主干道和各村民小组路口安装太阳能路灯约90盏。",
            present=1.0,
        ),
        Step(
            "allowance",
            bc,
            "根据镇指导意见，提议调整村“两委”干部误工补贴标准，并与年度考核结果挂钩。",
            present=1.0,
        ),
        Step(
            "homestead",
            bc,
            "提议制定本年度宅基地分配方案，优先解决分户后确无住房的村民建房需求。",
            present=1.0,
        ),
        Step(
            "road",
            tc,
            "“两委”联席会议商议：同意村道硬化工程方案，路线经第三、四村民小组，全长约1.2公里、"
            "宽4.5米；施工单位通过镇公共资源交易平台公开招标确定。",
            present=0.9,
        ),
        Step(
            "land",
            tc,
            "商议：土地流转采取公开竞价方式，流转期限10年，底价每亩每年800元，每3年递增5%。",
            present=0.9,
            against=1,
        ),
        Step(
            "lights",
            tc,
            "商议：路灯采购通过镇采购平台询价，安装后由村委会负责日常维护。",
            present=0.9,
        ),
        Step(
            "allowance",
            tc,
            "商议：误工补贴按镇指导标准执行，基本补贴按月发放，绩效部分年底考核后发放。",
            present=1.0,
        ),
        Step(
            "rules",
            bc,
            f"提议修订《{v}村规民约》，增加垃圾分类、移风易俗和文明养犬等条款。",
            present=1.0,
        ),
        Step(
            "homestead",
            tc,
            "商议：分配方案按“一户一宅”原则，申请户须经所在村民小组评议并公示。",
            present=0.9,
        ),
        Step(
            "road",
            pa,
            "党员大会审议村道硬化工程方案，党员对施工质量监督提出建议，同意提交村民代表会议决议。",
            present=0.85,
            abstain=1,
        ),
        Step(
            "land",
            pa,
            "党员大会审议土地流转方案，同意提交村民代表会议决议。",
            present=0.85,
            against=1,
        ),
        Step(
            "lights",
            pa,
            "党员大会审议路灯安装方案。因正值秋收农忙，外出务工党员较多，到会人数未过半数。",
            present=0.4,
            passes=False,
        ),
        Step(
            "allowance",
            pa,
            "党员大会审议误工补贴调整方案，同意村“两委”对监督委员会意见的答复，提交村民代表会议。",
            present=0.85,
            abstain=2,
        ),
        Step(
            "road",
            rm,
            "村民代表会议决议：同意实施村道硬化工程，预算38万元。代表建议施工期间保障群众出行。",
            present=0.9,
            against=1,
            abstain=1,
        ),
        Step(
            "land",
            rm,
            "村民代表会议。部分代表外出务工未能到会，到会人数不足组成人员三分之二，会议未能表决，"
            "须重新召开。",
            present=0.55,
            passes=False,
        ),
        Step(
            "land",
            rm,
            "重新召开村民代表会议，决议：同意集体土地流转方案，委托村委会组织公开竞价。",
            present=0.9,
            against=2,
            abstain=1,
        ),
        Step(
            "allowance",
            rm,
            "村民代表会议决议：同意调整村干部误工补贴标准，补贴发放情况每季度公开。",
            present=0.9,
            against=1,
            abstain=2,
        ),
    ]


@transaction.atomic
def demo_decisions_create(*, seed: int = 1) -> DemoDecisions:
    """The bodies and the county's list where missing, then seven matters at every stage:
    one done and disclosed with printed notices, one held again after a meeting without quorum
    (its decision printed, now being carried out), one carried by a confirmed override, one
    decided after the supervision committee's objection was answered, one at the two
    committees, one at the members' assembly and one just registered."""
    demo = _Demo(seed)
    v = demo.village.name
    demo.bodies()
    kinds = demo.kinds()
    groups = list(
        GridNode.objects.filter(parent=demo.village, level=GridLevel.GROUP)
        .order_by("code")
        .values_list("name", flat=True)
    )
    g3, g4 = groups[2:4] if len(groups) >= 4 else ["第三村民小组", "第四村民小组"]
    demo.matter(
        "road",
        kinds["projects"],
        f"{g3}至{g4}村道硬化工程",
        380000,
        f"将{g3}至{g4}约1.2公里泥结石村道硬化为水泥混凝土路面，宽4.5米。",
    )
    demo.matter(
        "land",
        kinds["assets"],
        "原砖厂复垦地集体土地流转",
        68000,
        "村集体所有的原砖厂复垦耕地约85亩，拟公开流转用于蔬菜规模种植，期限10年。",
    )
    demo.matter(
        "lights",
        kinds["funds"],
        "村集体资金使用：安装太阳能路灯",
        126000,
        "使用村集体经营收入在主干道和各村民小组路口安装太阳能路灯约90盏。",
    )
    demo.matter(
        "allowance",
        kinds["allowances"],
        "调整村“两委”干部误工补贴标准",
        None,
        "按镇指导标准调整村“两委”干部误工补贴，基本补贴按月发放，绩效部分与年度考核挂钩。",
    )
    demo.matter(
        "homestead",
        kinds["land"],
        "本年度农村宅基地分配方案",
        None,
        "按“一户一宅”原则，安排分户后确无住房村民的宅基地，申请户须经村民小组评议并公示。",
    )
    demo.matter(
        "rules",
        kinds["rules"],
        f"修订《{v}村规民约》",
        None,
        "增加垃圾分类、移风易俗、文明养犬等条款，修订稿将征求全体村民意见。",
    )
    demo.matter(
        "centre",
        kinds["projects"],
        "新建村级文化活动中心",
        450000,
        "在村委会旁闲置集体建设用地新建两层文化活动中心，约600平方米，含农家书屋和老年活动室。",
    )

    for step, held_at in demo.timeline(_steps(v)):
        meeting = demo.hold(step, held_at)
        matter = demo.matters[step.key]
        if step.key == "lights" and not meeting.passed:
            meeting = meeting_override_request(
                meeting=meeting,
                reason="正值秋收农忙，外出务工党员较多；未到会党员已由党小组逐一电话征求意见，"
                "均表示同意，路灯安装关系群众夜间出行安全，不宜久拖",
                by=demo.cadre,
            )
            meeting_override_confirm(meeting=meeting, by=demo.town)
        if step.key == "allowance" and step.body == MeetingBody.TWO_COMMITTEES:
            consultation = matter.stages.get(kind=StageKind.CONSULTATION)
            objection = review_record(
                stage=consultation,
                verdict=ReviewVerdict.OBJECTION,
                reason="商议记录未附误工补贴测算依据，也未说明资金来源，请“两委”补充后再提交党员大会审议。",
                by=demo.supervisor,
            )
            review_answer(
                review=objection,
                answer="已补充测算表：按镇指导标准核定基本补贴，绩效部分按年度考核结果发放；"
                "资金由上级转移支付和村集体经营收入列支。测算表已附会议记录。",
                by=demo.cadre,
            )
        resolved = step.body == MeetingBody.REPRESENTATIVES and meeting.passed
        if resolved and step.key in ("road", "land"):
            review_record(stage=meeting.stage, verdict=ReviewVerdict.SIGNOFF, by=demo.supervisor)

    # The next meeting of the new matter is announced for tomorrow evening.
    centre = demo.matters["centre"]
    tomorrow = timezone.localdate(demo.now) + dt.timedelta(days=1)
    proposal = current_stage(centre)
    assert proposal is not None
    meeting_schedule(
        stage=proposal,
        body=MeetingBody.BRANCH_COMMITTEE,
        held_at=timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(19, 30))),
        by=demo.cadre,
        place=f"{v}党群服务中心会议室",
    )

    road = demo.matters["road"]
    demo.publish(
        "road",
        NoticeKind.DECISION,
        f"关于{road.title}的决议公开",
        f"经村党组织提议、村“两委”会议商议、党员大会审议、村民代表会议决议，同意实施{road.title}："
        f"全长约1.2公里，路面宽4.5米，预算38万元，资金来源为上级以奖代补资金和村集体经营收入。"
        f"施工单位通过镇公共资源交易平台公开招标确定。公示期内如有异议，请向村务监督委员会反映。",
        printed=True,
    )
    matter_result_record(
        matter=road,
        result_text="工程已完工，经镇农业农村办组织验收合格。实际支出36.8万元，"
        "其中上级以奖代补资金20万元，村集体经营收入16.8万元。",
        by=demo.cadre,
    )
    demo.publish(
        "road",
        NoticeKind.RESULT,
        f"关于{road.title}实施结果的公开",
        f"{road.title}已按村民代表会议决议实施完毕，现将实施结果和资金使用情况公开如下。"
        "如有疑问，请在公示期内向村务监督委员会反映。",
        printed=True,
    )
    land = demo.matters["land"]
    demo.publish(
        "land",
        NoticeKind.DECISION,
        f"关于{land.title}的决议公开",
        "经村党组织提议、村“两委”会议商议、党员大会审议，并经重新召开的村民代表会议决议，"
        "同意将原砖厂复垦耕地约85亩公开流转，期限10年，底价每亩每年800元，每3年递增5%。"
        "竞价公告另行发布。公示期内如有异议，请向村务监督委员会反映。",
        printed=True,
    )

    out = demo.out
    stages: Counter[str] = Counter()
    for matter in demo.matters.values():
        matter.refresh_from_db()
        now_at = current_stage(matter)
        label = now_at.get_kind_display() if now_at is not None else "已办结"
        stages[now_at.kind if now_at is not None else DONE_STAGE] += 1
        out.lines.append(f"{matter.number} {matter.title}：{label}")
    out.by_stage = dict(stages)
    return out
