"""Demo matters (演示民情事项): residents' matters in the demo village, at every step of the loop.

Made through the cases services by the demo users (``demo_signins``), so every timeline, audit
entry and notification is what real use would write. Run by ``gridgov demo_matters``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from gridgov.accounts.roles import Role
from gridgov.cases import services as s
from gridgov.cases.intake import matter_create
from gridgov.cases.models import Category, Channel, Department, Matter
from gridgov.grid.models import GridLevel, GridNode

from .signins import demo_nodes, username_for

DESCRIPTIONS = {
    "dispute": ["邻居在公共通道堆放杂物，影响出行，协商未果", "两户宅基地边界有争议，请求调解"],
    "safety": ["村道转弯处护栏损坏，夜间有安全隐患", "老旧房屋外墙开裂，担心倒塌"],
    "public_order": ["夜间有陌生车辆在村口徘徊", "有人在祠堂附近聚众赌博"],
    "environment": ["河涌边垃圾堆积多日未清运，气味很大", "有人焚烧秸秆，烟雾影响村民"],
    "livelihood": ["独居老人想咨询高龄津贴怎么申请", "申请低保材料不清楚，需要帮助代办"],
    "policy": ["想了解今年医保缴费标准和截止时间", "咨询宅基地审批流程"],
    "poverty_risk": ["家中主要劳动力重病住院，医疗费用负担重", "房屋因暴雨受损，生活困难"],
    "suggestion": ["建议在文化广场增设路灯", "建议村里组织一次防诈骗宣传"],
    "other": ["村卫生站周末能否延长开放时间", "快递点搬迁后取件不方便"],
}
ANSWERS = ["已上门协调处理，双方达成一致", "已联系相关部门，问题已解决", "已按政策答复并协助办理"]


@dataclass
class DemoMatters:
    created: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _points(village: GridNode, rng: random.Random) -> list[tuple[float, float]]:
    points = []
    for boundary in (
        GridNode.objects.within(village.code)
        .filter(level=GridLevel.MICROGRID, boundary__isnull=False)
        .values_list("boundary", flat=True)
    ):
        p = shape(boundary).representative_point()
        points.append((p.y, p.x))
    rng.shuffle(points)
    return points


@transaction.atomic
def demo_matters_create(*, count: int = 40, seed: int = 1) -> DemoMatters:
    """``count`` matters in the demo village, spread over its micro-grids, received over the last
    three days, and moved along: some settled and reviewed, some escalated, some still open."""
    rng = random.Random(seed)
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo_")}
    worker = users[username_for(Role.GRID_WORKER)]
    leader = users[username_for(Role.GROUP_LEADER)]
    cadre = users[username_for(Role.VILLAGE_CADRE)]
    town = users[username_for(Role.TOWN_CADRE)]
    village = demo_nodes()[Role.VILLAGE_CADRE]
    department, _new = Department.objects.get_or_create(
        name="镇综合行政执法办", node=demo_nodes()[Role.TOWN_CADRE]
    )
    points = _points(village, rng) or [(None, None)]
    categories = list(Category.objects.filter(is_active=True))
    now = timezone.now()
    result = DemoMatters()
    for i in range(count):
        category = rng.choice(categories)
        lat, lng = points[i % len(points)]
        matter = matter_create(
            category=category,
            description=rng.choice(DESCRIPTIONS.get(category.code, DESCRIPTIONS["other"])),
            channel=rng.choice([Channel.STAFF, Channel.VISIT, Channel.PUBLIC]),
            reporter_user=worker,
            lat=lat,
            lng=lng,
            place=village if lat is None else None,
            reporter_name=rng.choice(["陈", "李", "黄", "梁"]) + rng.choice(["伯", "姨", "生"]),
            reporter_phone=f"139{rng.randrange(10**8):08d}",
            now=now - dt.timedelta(hours=rng.uniform(1, 72)),
        )
        fate = rng.random()
        handler = worker if matter.level == GridLevel.MICROGRID else cadre
        if matter.level not in (GridLevel.MICROGRID, GridLevel.VILLAGE):
            handler = leader
        if fate < 0.45:
            matter = s.matter_sign(matter=matter, user=handler)
            matter = s.matter_settle(matter=matter, user=handler, answer=rng.choice(ANSWERS))
            if fate < 0.3:
                verdict = rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"])
                matter = s.matter_review(matter=matter, satisfaction=verdict)
        elif fate < 0.6:
            matter = s.matter_sign(matter=matter, user=handler)
            matter = s.matter_note(matter=matter, user=handler, public_note="已上门了解情况")
        elif fate < 0.7 and handler is worker:
            matter = s.matter_escalate(matter=matter, user=worker, reason="需要组里协调")
        elif fate < 0.75:
            matter = s.matter_transfer(
                matter=matter, user=handler, department=department, reason="属执法事项"
            )
        elif fate < 0.8:
            matter = s.matter_supervise(matter=matter, user=town, note="请尽快办理并回复群众")
        result.created += 1
        result.by_status[matter.status] = result.by_status.get(matter.status, 0) + 1
    return result


def has_matters() -> bool:
    return Matter.objects.exists()
