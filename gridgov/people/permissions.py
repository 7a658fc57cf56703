"""Actions on residents' personal data: seeing sensitive data (敏感信息) and revealing a full
citizen ID or phone number, each time audited (个人信息保护法 第6条、第51条)."""

from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role
from gridgov.core.permissions import register_action

# Grid workers visit households and may need the full number on a visit; village cadres and
# above keep the registry. Group leaders, linked members, supervisors and viewers do not.
_KEEPERS = [Role.COUNTY_ADMIN, Role.TOWN_CADRE, Role.VILLAGE_CADRE, Role.GRID_WORKER]

VIEW_SENSITIVE = register_action(
    "view_sensitive", _("查看敏感信息"), held_by=_KEEPERS, app="people"
)
REVEAL = register_action("reveal", _("查看完整证件号和电话"), held_by=_KEEPERS, app="people")
