"""Demo matters (演示民情事项): residents' matters in the demo village, at every step of the loop.

Made through the cases services, so every timeline, audit entry and notification is what real
use would write. Each step is taken by a user who may take it there: the matter's place and
level come from routing, and the actor is chosen among the users whose assignments cover that
node with the action the step needs (``cases.notify.handlers_of``: the nearest level that has
someone), never assumed to be one demo user. On a demo area of any scale only part of the
micro-grids has a demo grid worker; the others' matters fall to the group leader, village cadre
or town cadre above them, as a post left empty would in real use. Run by ``gridgov demo_matters``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import user_may
from gridgov.cases import services as s
from gridgov.cases.intake import matter_create
from gridgov.cases.models import Category, Channel, Department, Matter
from gridgov.cases.notify import handlers_of
from gridgov.cases.permissions import HANDLE_MATTER, REPORT_MATTER, SUPERVISE_MATTER
from gridgov.cases.routing import route_matter
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
# One matter in this many lies in the demo grid worker's own micro-grid, so that signing in as
# them shows an inbox to work on (the others spread over all the village's micro-grids).
HOME_EVERY = 3


class NoDemoUsers(Exception):
    """``gridgov demo_signins`` has not run: nobody to take the demo's steps."""


@dataclass
class DemoMatters:
    created: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _point(node: GridNode) -> tuple[float, float] | None:
    if not node.boundary:
        return None
    p = shape(node.boundary).representative_point()
    return (p.y, p.x)


def _points(village: GridNode, rng: random.Random) -> list[tuple[float, float]]:
    points = []
    for boundary in (
        GridNode.objects.within(village.code)
        .filter(level=GridLevel.MICROGRID, boundary__isnull=False)
        .order_by("code")
        .values_list("boundary", flat=True)
    ):
        p = shape(boundary).representative_point()
        points.append((p.y, p.x))
    rng.shuffle(points)
    return points


class _Actors:
    """Who may take a step at a node, looked up once per node and action."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.users: dict[int, Any] = {}
        self._ids: dict[tuple[int, str, str], list[int]] = {}

    def at(self, node: GridNode, action: str, *, role: str = "") -> Any | None:
        """One active user who may take ``action`` at ``node`` (the nearest level with someone;
        by ``role`` first), checked again with the permission the services ask; or None."""
        key = (node.pk, action, role)
        if key not in self._ids:
            ids = handlers_of(node, role=role, action=action)
            self.users |= get_user_model().objects.in_bulk([i for i in ids if i not in self.users])
            self._ids[key] = [
                uid
                for uid in ids
                if uid in self.users
                and self.users[uid].is_active
                and user_may(self.users[uid], action, node.path)
            ]
        ids = self._ids[key]
        return self.users[self.rng.choice(ids)] if ids else None

    def above(self, node: GridNode, action: str) -> Any | None:
        """Someone a level above ``node`` who may take ``action`` there (a higher level presses)."""
        parent = node.parent
        user = self.at(parent, action) if parent is not None else None
        if user is not None and user_may(user, action, node.path):
            return user
        return self.at(node, action)


def _move_along(
    matter: Matter,
    *,
    fate: float,
    actors: _Actors,
    department: Department | None,
    rng: random.Random,
) -> Matter:
    """Take the matter some steps along, each by someone who may; an empty post leaves it as
    received (the demo then shows it waiting)."""
    node = matter.handler_node
    handler = actors.at(node, HANDLE_MATTER, role=matter.category.handler_role)
    if handler is None:
        return matter
    if fate < 0.45:
        matter = s.matter_sign(matter=matter, user=handler)
        matter = s.matter_settle(matter=matter, user=handler, answer=rng.choice(ANSWERS))
        if fate < 0.3:
            verdict = rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"])
            matter = s.matter_review(matter=matter, satisfaction=verdict)
    elif fate < 0.6:
        matter = s.matter_sign(matter=matter, user=handler)
        matter = s.matter_note(matter=matter, user=handler, public_note="已上门了解情况")
    elif fate < 0.7 and node.level in (GridLevel.MICROGRID, GridLevel.GROUP):
        reason = "需要组里协调" if node.level == GridLevel.MICROGRID else "需要村里协调"
        matter = s.matter_escalate(matter=matter, user=handler, reason=reason)
    elif (
        fate < 0.75 and department is not None and matter.grid_path.startswith(department.node.code)
    ):
        matter = s.matter_transfer(
            matter=matter, user=handler, department=department, reason="属执法事项"
        )
    elif fate < 0.8:
        supervisor = actors.above(node, SUPERVISE_MATTER)
        if supervisor is not None:
            matter = s.matter_supervise(matter=matter, user=supervisor, note="请尽快办理并回复群众")
    return matter


@transaction.atomic
def demo_matters_create(*, count: int = 40, seed: int = 1) -> DemoMatters:
    """``count`` matters in the demo village, spread over its micro-grids, received over the last
    three days, and moved along: some settled and reviewed, some escalated, some still open."""
    if not get_user_model().objects.filter(username=username_for(Role.GRID_WORKER)).exists():
        raise NoDemoUsers
    rng = random.Random(seed)
    actors = _Actors(rng)
    nodes = demo_nodes()
    village = nodes[Role.VILLAGE_CADRE]
    home = (
        _point(nodes[Role.GRID_WORKER])
        if nodes[Role.GRID_WORKER].level == GridLevel.MICROGRID
        else None
    )
    town = nodes[Role.TOWN_CADRE]
    department = None
    if town.level in (GridLevel.TOWN, GridLevel.COUNTY):
        department, _new = Department.objects.get_or_create(name="镇综合行政执法办", node=town)
    points = _points(village, rng) or [(None, None)]
    categories = list(Category.objects.filter(is_active=True).order_by("code"))
    now = timezone.now()
    result = DemoMatters()
    for i in range(count):
        category = rng.choice(categories)
        lat, lng = home if home and i % HOME_EVERY == 0 else points[i % len(points)]
        where = {"lat": lat, "lng": lng, "place": village if lat is None else None}
        channel = rng.choice([Channel.STAFF, Channel.VISIT, Channel.PUBLIC])
        reporter = None  # a resident on the public page
        if channel != Channel.PUBLIC:
            place = route_matter(category=category, **where).place
            reporter = actors.at(place, REPORT_MATTER)
        matter = matter_create(
            category=category,
            description=rng.choice(DESCRIPTIONS.get(category.code, DESCRIPTIONS["other"])),
            channel=channel if reporter is not None else Channel.PUBLIC,
            reporter_user=reporter,
            **where,
            reporter_name=rng.choice(["陈", "李", "黄", "梁"]) + rng.choice(["伯", "姨", "生"]),
            reporter_phone=f"139{rng.randrange(10**8):08d}",
            # Chosen where this file routed the matter; intake routes it again and must agree.
            acting_user=reporter,
            now=now - dt.timedelta(hours=rng.uniform(1, 72)),
        )
        matter = _move_along(
            matter, fate=rng.random(), actors=actors, department=department, rng=rng
        )
        result.created += 1
        result.by_status[matter.status] = result.by_status.get(matter.status, 0) + 1
    return result


def has_matters() -> bool:
    return Matter.objects.exists()
