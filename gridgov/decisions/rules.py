"""Rules of deciding important matters (事权清单, 四议两公开), each with its source and version; a
county overrides them through GRIDGOV_RULES (``core.rules``).

The quorum and majority of each body (DOMAIN.md §9) are kept as integer fractions, so that
"more than half" (strictly more) and "two thirds" (at least) are computed without floating
point: a fraction rule is ``[numerator, denominator, strict]``. The thresholds did not change
with the 2025 amendment of the villagers' committee law; its article numbers will, so every
citation names the text's version.
"""

from gridgov.core.rules import define

VCOL = "村民委员会组织法（2018）"
RCEOL = "农村集体经济组织法（2024）"
BRANCH_RULES = "中国共产党支部工作条例（试行）（2018）"
RURAL_RULES = "中国共产党农村基层组织工作条例（2019）"
_LOCAL = "本地实践，无全国统一标准；各县可调整"

# -- Quorum and majority per body ------------------------------------------------------------
# Each body: who is on its roll, its quorum, its majority and over what the majority counts.
# ``quorum``: a list of alternatives, any of which suffices, each [roll field, present field,
# numerator, denominator, strict]. ``majority``: [yes over "present" or the roll field,
# numerator, denominator, strict].

BODIES = define(
    "decisions.bodies",
    {
        "villagers_meeting": {
            "name": "村民会议",
            "version": "2018",
            "citation": f"{VCOL}第二十二条",
            "rule": "到会：本村十八周岁以上村民过半数，或本村三分之二以上的户的代表；"
            "决定：到会人员过半数通过",
            "quorum": [
                ["adults", "present_adults", 1, 2, True],
                ["households", "present_household_reps", 2, 3, False],
            ],
            "majority": ["present", 1, 2, True],
        },
        "villager_group_meeting": {
            "name": "村民小组会议",
            "version": "2018",
            "citation": f"{VCOL}第二十八条",
            "rule": "到会：本组十八周岁以上村民三分之二以上，或本组三分之二以上的户的代表；"
            "决定：到会人员过半数同意",
            "quorum": [
                ["adults", "present_adults", 2, 3, False],
                ["households", "present_household_reps", 2, 3, False],
            ],
            "majority": ["present", 1, 2, True],
        },
        "representative_meeting": {
            "name": "村民代表会议",
            "version": "2018",
            "citation": f"{VCOL}第二十六条",
            "rule": "到会：组成人员三分之二以上；决定：到会人员过半数同意",
            "quorum": [["members", "present", 2, 3, False]],
            "majority": ["present", 1, 2, True],
        },
        "party_assembly": {
            "name": "支部党员大会",
            "version": "2018",
            "citation": f"{BRANCH_RULES}第十一条",
            "rule": "到会：有表决权的党员过半数；决定：赞成人数超过应到会有表决权党员的半数",
            "quorum": [["voting_members", "present", 1, 2, True]],
            "majority": ["voting_members", 1, 2, True],
        },
        "branch_committee": {
            "name": "支部委员会",
            "version": "2018",
            "citation": f"{BRANCH_RULES}第十二条",
            "rule": "到会：委员过半数；决定：赞成人数超过应到会委员半数（少数服从多数）",
            "quorum": [["members", "present", 1, 2, True]],
            "majority": ["members", 1, 2, True],
        },
        "collective_members_assembly": {
            "name": "集体经济组织成员大会",
            "version": "2024",
            "citation": f"{RCEOL}第二十七条",
            "rule": "到会：三分之二以上具有完全民事行为能力的成员；决定：全体成员三分之二以上同意",
            "quorum": [["members", "present", 2, 3, False]],
            "majority": ["members", 2, 3, False],
        },
        "collective_representative_assembly": {
            "name": "集体经济组织成员代表大会",
            "version": "2024",
            "citation": f"{RCEOL}第二十八条",
            "rule": "决定：全体成员代表三分之二以上同意（法律未另定到会人数，"
            "故以能够作出决定的三分之二为到会要求）",
            "quorum": [["members", "present", 2, 3, False]],
            "majority": ["members", 2, 3, False],
        },
        "two_committees": {
            "name": "村“两委”联席会议",
            "version": "2019",
            "citation": f"{RURAL_RULES}第十九条（四议两公开：村“两委”会议商议）",
            "rule": "到会：两委成员过半数；决定：赞成人数超过应到会成员半数（本地实践）",
            "quorum": [["members", "present", 1, 2, True]],
            "majority": ["members", 1, 2, True],
        },
        "group_committee": {
            "name": "组委会会议",
            "version": "2017",
            "citation": "江口县组委会制度（001）",
            "rule": "到会：组委会成员过半数；决定：赞成人数超过组委会成员半数（本地实践）",
            "quorum": [["members", "present", 1, 2, True]],
            "majority": ["members", 1, 2, True],
        },
    },
    source=f"{VCOL}第二十二、二十六、二十八条；{BRANCH_RULES}第十一、十二条；"
    f"{RCEOL}第二十七、二十八条；DOMAIN.md §9",
    description="各会议的到会人数和表决要求（整数分数 [分子, 分母, 是否须严格超过]）",
)

# The bodies ``gridgov decisions tally`` and the API accept (the fixed interface of the issue);
# the two committees' and group committee's own meetings are tallied on the record only.
PUBLIC_TALLY_BODIES = (
    "villagers_meeting",
    "villager_group_meeting",
    "representative_meeting",
    "party_assembly",
    "branch_committee",
    "collective_members_assembly",
    "collective_representative_assembly",
)

PARTY_REVIEW_QUORUM = define(
    "decisions.party_review_quorum",
    None,
    source=f"{_LOCAL}（部分地方要求党员大会审议须三分之二以上党员到会）",
    description="四议两公开中党员大会审议的到会要求，[分子, 分母]；空值表示按支部工作条例（过半数）",
)

# -- Procedure -------------------------------------------------------------------------------

MERGE_FIRST_TWO = define(
    "decisions.merge_proposal_and_consultation",
    False,
    source=f"{_LOCAL}：村党组织书记兼任村委会主任的，提议和商议可合并进行",
    description="书记、主任“一肩挑”的村，村党组织提议与“两委”商议可合并为一步",
)
ADULT_AGE = define(
    "decisions.adult_age",
    18,
    source=f"{VCOL}第二十二条：本村十八周岁以上村民",
    description="计入村民会议应到人数的年龄（会议当日已满）",
)
MEETING_NOTICE_DAYS = define(
    "decisions.meeting_notice_days",
    {"villagers_meeting": 10, "collective_members_assembly": 10},
    source=f"{VCOL}第二十一条（召开村民会议应当提前十天通知村民）；{RCEOL}第二十七条（会议召开十日前通知全体成员）",
    description="各会议须提前通知的天数；未列出的会议不限",
)
LATE_RECORD_HOURS = define(
    "decisions.late_record_hours",
    48,
    source=f"DOMAIN.md §9：会议在召开时记录，不得补填过去的会议；{_LOCAL}",
    description="会议结束后超过此小时数才登记的记录标注“补记”",
)
SOLICITATION_MIN_COVERAGE = define(
    "decisions.solicitation_min_coverage",
    None,
    source=f"中共南海区委组织部（000）：微网格就重大事项征求群众意见；{_LOCAL}（无全国标准）",
    description="开启某一环节前须达到的征求意见户覆盖率：{环节: 百分数}；空值表示不要求",
)
SUPERVISION_ANSWER_DAYS = define(
    "decisions.supervision_answer_days",
    7,
    source="村务监督委员会工作职责（示范文本，practice-anchors.md (b)）：对监督意见，村“两委”须在一周内答复",
    description="监督委员会提出异议后，村“两委”须答复的天数",
)

# -- Disclosure (两公开; VCOL Art. 30) --------------------------------------------------------

NOTICE_DAYS = define(
    "decisions.notice_days",
    7,
    source=f"DOMAIN.md §9：公示期由各地确定，默认7天；{_LOCAL}",
    description="决议公开和实施结果公开的公示天数",
)
OBJECTION_DAYS = define(
    "decisions.objection_days",
    7,
    source=f"{_LOCAL}：公示期内村民可提出异议",
    description="公示后接受异议的天数",
)
DISCLOSURE_CADENCE_DAYS = define(
    "decisions.disclosure_cadence_days",
    {"ordinary": 92, "finance": 31, "major": 1},
    source=f"{VCOL}第三十条：一般事项至少每季度公布一次；集体财务往来较多的，财务收支情况应当每月公布一次；"
    "涉及村民利益的重大事项应当随时公布",
    description="各类公开事项最长间隔天数（一般事项每季度、财务每月、重大事项随时=1天内）",
)
LARGE_AMOUNT = define(
    "decisions.large_amount",
    {"default": 50000},
    source="浙江等地：数额较大的标准由乡镇确定并报县备案（practice-anchors.md (b)）；无全国标准",
    description="大额资金的标准（元），按乡镇代码设置，default 为未设置的乡镇；达到者须走四议两公开",
)

# -- The important-matters list (重要事权清单) -------------------------------------------------

MATTER_KINDS = define(
    "decisions.matter_kinds",
    [
        {"code": "personnel", "name": "村级组织人选推荐和产生", "procedure": "four_two"},
        {"code": "assets", "name": "集体资产资源管理和处置", "procedure": "four_two"},
        {"code": "funds", "name": "大额资金使用", "procedure": "four_two"},
        {"code": "projects", "name": "重大项目建设和公益事业", "procedure": "four_two"},
        {"code": "rules", "name": "村规民约和自治章程的制定修改", "procedure": "four_two"},
        {"code": "allowances", "name": "村干部误工补贴", "procedure": "four_two"},
        {"code": "land", "name": "土地承包经营方案和宅基地使用", "procedure": "four_two"},
        {"code": "compensation", "name": "征地补偿费的使用和分配", "procedure": "four_two"},
        {"code": "collective", "name": "集体经济组织成员大会决定的事项", "procedure": "collective"},
        {"code": "group", "name": "村民小组事务（组民商议）", "procedure": "group"},
        {"code": "branch", "name": "党支部内部事项", "procedure": "branch"},
    ],
    source=f"中共南海区委组织部（000）：选人用人、集体资产管理、大额资金使用、重大项目、村规民约；"
    f"{VCOL}第二十四、二十七条；{RCEOL}第二十六条",
    description="重要事权清单的默认事项类别及其决策程序（各县可增删）",
)

HEALTH_TERMS = define(
    "decisions.notice_health_terms",
    [
        "病情",
        "患有",
        "诊断",
        "确诊",
        "住院",
        "病历",
        "病史",
        "手术",
        "癌",
        "艾滋",
        "HIV",
        "精神病",
        "精神疾病",
        "抑郁",
        "残疾等级",
        "残疾证",
        "慢性病",
        "传染病",
        "重病",
        "大病患者",
    ],
    source=f"{VCOL}第三十条；个人信息保护法第二十八条（医疗健康信息为敏感个人信息）；DOMAIN.md §9",
    description="公开公告中不得出现的健康信息用语；出现即拒绝发布并指明字段",
)
