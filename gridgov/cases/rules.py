"""Rules of residents' matters, each with its source; a county overrides them via GRIDGOV_RULES.

Deadlines are counted in working days on the official holiday calendar (``core.workdays``).
The category table itself (names, kinds, starting levels, handlers) is data an administrator
edits; its defaults are ``DEFAULT_CATEGORIES`` below, loaded by a migration.
"""

from gridgov.core.rules import define

_GD12345 = (
    "《广东省12345政务服务便民热线管理办法》（2022-09-01施行）：咨询类2个工作日内答复，"
    "求助、建议类10个工作日内办结，投诉、举报类15个工作日内办结"
)
_SD12345 = "山东省12345热线工作规范（2020）：复杂事项可延期，延期不超过10个工作日"
_OPEN311 = "Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): description 最长4000字符"
_LOCAL = "本地实践（DOMAIN.md §4、rules-and-platforms.md C2–C3），各县可调整"


class Kind:
    """The 12345 dispatch axis (咨询/求助/投诉/举报/建议): it decides the default time limit."""

    ENQUIRY = "enquiry"
    HELP = "help"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    REPORT = "report"


DEADLINE_WORKDAYS = define(
    "cases.deadline_workdays",
    {
        Kind.ENQUIRY: 2,
        Kind.HELP: 10,
        Kind.SUGGESTION: 10,
        Kind.COMPLAINT: 15,
        Kind.REPORT: 15,
    },
    source=_GD12345,
    description="各类事项在每一层级的办理时限（工作日），类别或层级可单独设置",
)
EXTENSION_MAX_WORKDAYS = define(
    "cases.extension_max_workdays",
    10,
    source=_SD12345,
    description="一次延期最多的工作日数（须上级批准）",
)
WARNING_LEAD_HOURS = define(
    "cases.warning_lead_hours",
    24,
    source=_LOCAL,
    description="到期前多少小时向承办人发出预警",
)
ROUTING_TOLERANCE_METERS = define(
    "cases.routing_tolerance_meters",
    300,
    source=_LOCAL,
    description="坐标不在任何微网格内时，归入此距离内最近的微网格；再远则进入镇（街道）收件箱",
)
DUPLICATE_RADIUS_METERS = define(
    "cases.duplicate_radius_meters",
    150,
    source=_LOCAL,
    description="同类未办结事项在此距离内视为可能重复",
)
DUPLICATE_WINDOW_DAYS = define(
    "cases.duplicate_window_days",
    14,
    source=_LOCAL,
    description="可能重复的事项须在此天数内受理",
)
DESCRIPTION_MAX_CHARS = define(
    "cases.description_max_chars",
    4000,
    source=_OPEN311,
    description="事项描述的最大长度（字符）",
)
PHOTO_MAX_BYTES = define(
    "cases.photo_max_bytes",
    5 * 1024 * 1024,
    source=_LOCAL,
    description="每张照片的最大字节数",
)
PHOTO_MAX_COUNT = define(
    "cases.photo_max_count",
    4,
    source=_LOCAL,
    description="每个事项最多上传的照片数",
)
PUBLIC_REPORTS_PER_HOUR = define(
    "cases.public_reports_per_hour",
    10,
    source=_LOCAL,
    description="群众自报页面每个网络地址每小时最多提交的事项数（防滥用）",
)
# Bounding box of the People's Republic of China, WGS84 (mainland and islands, generous).
CHINA_BOUNDS = define(
    "cases.china_bounds",
    {"lat_min": 3.8, "lat_max": 53.6, "lng_min": 73.4, "lng_max": 135.1},
    source="中华人民共和国疆域四至（最南曾母暗沙约北纬3°52′，最北漠河约北纬53°33′，"
    "最西帕米尔约东经73°40′，最东黑龙江与乌苏里江汇合处约东经135°05′）",
    description="坐标须在此范围内",
)

# The starting level and handler per category: the reference's rural taxonomy
# (rules-and-platforms.md C1) with the 12345 kind that sets its time limit. Disputes, hazards,
# sanitation, services, enquiries start in the micro-grid ("小事不出网"); public order, poverty
# risk and suggestions start at the village, where the police officer, the monitoring cadre and
# the village committee sit (DOMAIN §4).
DEFAULT_CATEGORIES = [
    # code, name, kind, start level, handler role, description
    ("dispute", "矛盾纠纷", Kind.HELP, "microgrid", "grid_worker", "邻里、婚姻家庭、土地山林宅基地、劳资、合同债务等纠纷"),
    ("safety", "安全隐患", Kind.REPORT, "microgrid", "grid_worker", "消防、道路交通、危房地灾、防溺水、燃气、食品药品等隐患"),
    ("public_order", "社会治安", Kind.REPORT, "village", "village_cadre", "偷盗、黄赌毒、可疑人员等"),
    ("environment", "环境卫生", Kind.COMPLAINT, "microgrid", "grid_worker", "垃圾、污水、焚烧秸秆、违章搭建、河道问题"),
    ("livelihood", "民生服务", Kind.HELP, "microgrid", "grid_worker", "低保救助、社保医保、就业、养老、证照代办"),
    ("policy", "政策咨询", Kind.ENQUIRY, "microgrid", "grid_worker", "政策、办事流程咨询"),
    ("poverty_risk", "防返贫风险", Kind.HELP, "village", "village_cadre", "因病、因灾、因意外等返贫致贫风险"),
    ("suggestion", "意见建议", Kind.SUGGESTION, "village", "village_cadre", "对村务和公共事务的意见建议"),
    ("other", "其他", Kind.HELP, "microgrid", "grid_worker", "其他事项"),
]  # fmt: skip
