"""Rules of linking households (党员联户), each with its source; a county overrides them through
GRIDGOV_RULES (``core.rules``). Local practice differs widely (practice-anchors.md (a)): the
defaults follow the seeds where they give a number, 宁海 where they do not."""

from gridgov.core.rules import define

_YJ = "阳江（004）：党员中心户每户联系5至10户群众"
_NH = (
    "宁海《关于健全“党员联户”机制深化党建引领基层治理的实施意见》（2020）："
    "每名党员一般联系5-20户；70周岁以上、体弱和长期在外党员不作联户要求；双向选择，党员大会通过后公布"
)
_XLJ = "厦门下路脚村（002）：就近、灵活、便民，党员联户全覆盖、网格服务全到户"
_HJ = "郑州惠济“1+6+N”：每名党员联系6户以上，另加2-3户孤寡老人（practice-anchors.md (a)）"
_JK = "江口县组委会制度（001）：组委会成员每月入户走访不少于5户；村干部每季度至少指导组委会一次"
_YC = "翼城县里砦镇（practice-anchors.md (a)）：三帮四必到；每月一小评、半年一大评，联系户参与评议"
_LOCAL = "本地实践，无全国统一标准；各县可调整"

# -- Who links, and how many -------------------------------------------------------------------

CAPACITY = define(
    "links.capacity",
    {
        "center": [5, 10],
        "member": [5, 20],
        "village_cadre": [5, 20],
        "group_committee": [5, 20],
        "grid_worker": [5, 20],
        "other": [5, 20],
    },
    source=f"{_YJ}；{_NH}",
    description="每类联户人联系户数的下限和上限 [最少, 最多]；方案不超过上限，低于下限的列出",
)
EXEMPT_AGE = define(
    "links.exempt_age",
    70,
    source=_NH,
    description="年满此年龄（按登记的出生日期）的党员不作联户要求，方案不安排",
)
EXEMPT_MOBILE_MEMBERS = define(
    "links.exempt_mobile_members",
    True,
    source=_NH,
    description="流动党员（长期在外）和失联党员不作联户要求，方案不安排",
)
PRIORITY_TAGS = define(
    "links.priority_tags",
    ["dibao", "tekun", "monitoring", "elderly_alone", "military_family"],
    source=f"{_HJ}；DOMAIN.md §3",
    description="重点户：低保、特困、防返贫监测、独居（空巢）老人、军烈属；方案先覆盖重点户",
)
ELDERLY_AGE = define(
    "links.elderly_age",
    60,
    source="《中华人民共和国老年人权益保障法》第二条：老年人是指六十周岁以上的公民",
    description="独居（空巢）老人户按此年龄认定",
)
SAME_MICROGRID = define(
    "links.same_microgrid",
    True,
    source=_XLJ,
    description="联户限于联户人所在微网格；跨微网格须登记原因",
)

# -- The plan ------------------------------------------------------------------------------------

STABILITY_METERS = define(
    "links.plan.stability_meters",
    300,
    source=_LOCAL,
    description="重算方案时，现有联户关系保持不变，除非调整后距离缩短超过此米数",
)
SAME_GROUP_BONUS_METERS = define(
    "links.plan.same_group_bonus_meters",
    200,
    source=f"{_XLJ}（就亲就熟）",
    description="联户人与户同属一个村民小组时，计算距离减去此米数（优先同组）",
)

# -- Visits --------------------------------------------------------------------------------------

LATE_ENTRY_HOURS = define(
    "links.visit.late_entry_hours",
    48,
    source="DOMAIN.md §9：记录在发生时登记，不得补填为过去日期；逾时登记标注“补记”",
    description="走访时间之后超过此小时数才登记的，标注为补记",
)
RECALL_DAYS = define(
    "links.visit.recall_days",
    7,
    source=_LOCAL,
    description="走访不在家的，此天数内须再次走访",
)
VISIT_FREQUENCY = define(
    "links.visit.frequency",
    {
        "center": {"per": "quarter", "each_household": 1},
        "member": {"per": "quarter", "each_household": 1},
        "village_cadre": {"per": "quarter", "each_household": 1},
        "group_committee": {"per": "month", "visits": 5},
        "grid_worker": {"per": "quarter", "each_household": 1},
        "other": {"per": "quarter", "each_household": 1},
    },
    source=f"{_JK}；其余为本地实践，各县可调整",
    description=(
        "各类联户人的走访频次：each_household 为每个联系户每期走访次数，"
        "visits 为每期入户走访总次数；per 为 month 或 quarter"
    ),
)
EVENT_DEADLINE_DAYS = define(
    "links.visit.event_deadline_days",
    {"death": 2, "hospital": 7, "dibao": 15, "monitoring": 15, "disaster": 1},
    source=f"{_YC}；期限为本地实践",
    description="户事件发生后，联户人须在此天数内走访（四必到）",
)
APPRAISAL_PERIODS_PER_YEAR = define(
    "links.appraisal.periods_per_year",
    2,
    source=_YC,
    description="联系户每年评议联户人的次数（每期一次，只公布汇总）",
)
APPRAISAL_SCALE = define(
    "links.appraisal.scale",
    [1, 5],
    source=_YC,
    description="评分范围 [最低, 最高]",
)
APPRAISAL_MIN_SHOWN = define(
    "links.appraisal.min_shown",
    3,
    source=f"{_YC}；只公布汇总，少于此数的汇总不显示，以免推知单户评分（本地实践）",
    description="评议汇总至少有此数户作答才显示",
)

# -- Cards ---------------------------------------------------------------------------------------

CARD_TOKEN_DAYS = define(
    "links.card.token_days",
    1095,
    source=_LOCAL,
    description="连心卡二维码的有效天数（到期或撤销后扫码显示说明页）",
)
