"""The columns of every import kind: Chinese headers as cadres write them in Excel.

This module is the single contract between the importer, the templates, the exporter and the
demo generator. A column is required (``*`` in templates) or optional; ``choices`` map the
Chinese cell value to the stored code. Booleans accept 是/否 (also 1/0, Y/N, true/false).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    required: bool = False
    kind: str = "text"  # text | int | float | date | bool | choice | geojson
    choices: dict[str, str] = field(default_factory=dict)
    help: str = ""


@dataclass(frozen=True)
class Schema:
    kind: str
    title: str
    natural_key: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


YES_NO = {"是": "1", "否": "0"}

ORG_KINDS = {
    "党委": "committee",
    "党总支": "general_branch",
    "党支部": "branch",
    "联合党支部": "joint_branch",
    "党小组": "group",
    "党员服务团队": "service_team",
}
BODY_KINDS = {
    "村民委员会": "village_committee",
    "村民代表会议": "representatives",
    "村务监督委员会": "supervision",
    "村民小组": "villager_group",
    "组委会": "group_committee",
    "集体经济组织": "collective_economy",
}
MONITORING = {
    "": "",
    "脱贫不稳定户": "unstable",
    "边缘易致贫户": "marginal",
    "突发严重困难户": "sudden",
}
SEX = {"男": "M", "女": "F"}
RELATIONS = {
    "户主": "head",
    "配偶": "spouse",
    "子女": "child",
    "父母": "parent",
    "祖父母/外祖父母": "grandparent",
    "孙子女/外孙子女": "grandchild",
    "兄弟姐妹": "sibling",
    "儿媳/女婿": "child_in_law",
    "其他": "other",
}
RESIDENCE = {"户籍": "registered", "常住": "resident", "流动": "migrant", "人户分离": "separated"}
LEFT_BEHIND = {"": "", "留守儿童": "child", "留守妇女": "woman", "留守老人": "elderly"}
SPECIAL_GROUPS = {
    "": "",
    "刑满释放人员": "released",
    "社区矫正对象": "corrections",
    "严重精神障碍患者": "mental",
    "吸毒人员": "drug",
    "艾滋病危险性人员": "hiv_risk",
}
DISABILITY = {
    "": "",
    "视力残疾": "1",
    "听力残疾": "2",
    "言语残疾": "3",
    "肢体残疾": "4",
    "智力残疾": "5",
    "精神残疾": "6",
    "多重残疾": "7",
}
MEMBER_STATUS = {"正式党员": "full", "预备党员": "probationary"}
BODY_ROLES = {
    "主任/组长/理事长": "chair",
    "主任": "chair",
    "组长": "chair",
    "理事长": "chair",
    "副主任": "vice_chair",
    "委员": "member",
    "代表": "representative",
    "调解员": "mediator",
    "监督员": "supervisor",
    "环保员": "environment",
}
POSTS = {"网格长": "head", "专职网格员": "worker"}

GRID = Schema(
    "grid",
    "网格",
    "code",
    (
        Column(
            "代码", "code", True, help="县6位、镇9位、村12位（统计用区划代码），组15位、微网格18位"
        ),
        Column("名称", "name", True),
        Column("纬度", "lat", kind="float"),
        Column("经度", "lng", kind="float"),
        Column("边界", "boundary", kind="geojson", help="GeoJSON 几何（Polygon/MultiPolygon）"),
    ),
)
PARTY_ORGS = Schema(
    "party_orgs",
    "党组织",
    "code",
    (
        Column("组织代码", "code", True),
        Column("名称", "name", True),
        Column("类型", "kind", True, "choice", ORG_KINDS),
        Column("所在网格代码", "node", True),
        Column("上级组织代码", "parent"),
    ),
)
BODIES = Schema(
    "bodies",
    "自治组织",
    "code",
    (
        Column("组织代码", "code", True),
        Column("名称", "name", True),
        Column("类型", "kind", True, "choice", BODY_KINDS),
        Column("所在网格代码", "node", True),
    ),
)
HOUSEHOLDS = Schema(
    "households",
    "户",
    "number",
    (
        Column("户编号", "number", True),
        Column("微网格代码", "microgrid", True),
        Column("住址", "address"),
        Column("纬度", "lat", kind="float"),
        Column("经度", "lng", kind="float"),
        Column("低保户", "is_dibao", kind="bool"),
        Column("特困供养", "is_tekun", kind="bool"),
        Column("脱贫户", "is_tuopin", kind="bool"),
        Column("防返贫监测户", "monitoring_type", kind="choice", choices=MONITORING),
        Column("军烈属", "is_military_family", kind="bool"),
    ),
)
PERSONS = Schema(
    "persons",
    "人员",
    "citizen_id",
    (
        Column("身份证号", "citizen_id", True),
        Column("姓名", "name", True),
        Column("性别", "sex", kind="choice", choices=SEX, help="填写时须与身份证号一致"),
        Column("出生日期", "birth_date", kind="date", help="填写时须与身份证号一致"),
        Column("户编号", "household", True),
        Column("与户主关系", "relation", True, "choice", RELATIONS),
        Column("联系电话", "phone"),
        Column("人口类型", "residence_type", kind="choice", choices=RESIDENCE),
        Column("留守人员", "left_behind", kind="choice", choices=LEFT_BEHIND),
        Column("空巢独居", "lives_alone", kind="bool"),
        Column("特殊人群", "special_group", kind="choice", choices=SPECIAL_GROUPS),
        Column("残疾类别", "disability_category", kind="choice", choices=DISABILITY),
        Column("残疾等级", "disability_grade", kind="int", help="1至4级"),
        Column("大病重病", "serious_illness", kind="bool"),
        Column("健康状况", "health_note"),
    ),
)
PARTY_MEMBERS = Schema(
    "party_members",
    "党员",
    "citizen_id",
    (
        Column("身份证号", "citizen_id", True),
        Column("组织代码", "organization", True),
        Column("党员类别", "status", True, "choice", MEMBER_STATUS),
        Column("入党日期", "joined_on", True, "date"),
        Column("转正日期", "full_member_on", kind="date"),
        Column("党员中心户", "is_center_household", kind="bool"),
        Column("流动党员", "is_mobile", kind="bool"),
    ),
)
MEMBERSHIPS = Schema(
    "memberships",
    "组织成员",
    "body+citizen_id+term_start",
    (
        Column("组织代码", "body", True),
        Column("身份证号", "citizen_id", True),
        Column("职务", "role", True, "choice", BODY_ROLES),
        Column("任期开始", "term_start", True, "date"),
        Column("任期结束", "term_end", kind="date"),
    ),
)
GRID_POSTS = Schema(
    "grid_posts",
    "网格岗位",
    "node+citizen_id+kind",
    (
        Column("网格代码", "node", True),
        Column("身份证号", "citizen_id", True),
        Column("岗位", "kind", True, "choice", POSTS),
        Column("开始日期", "start_on", True, "date"),
        Column("结束日期", "end_on", kind="date"),
    ),
)

SCHEMAS: dict[str, Schema] = {
    s.kind: s
    for s in (GRID, PARTY_ORGS, BODIES, HOUSEHOLDS, PERSONS, PARTY_MEMBERS, MEMBERSHIPS, GRID_POSTS)
}
# The order in which a whole registry loads (each kind refers only to kinds before it).
LOAD_ORDER = [
    "grid",
    "party_orgs",
    "bodies",
    "households",
    "persons",
    "party_members",
    "memberships",
    "grid_posts",
]
