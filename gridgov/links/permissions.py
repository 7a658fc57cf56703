"""Actions on links (党员联户): seeing links and visits, keeping the link register, planning and
approving links, recording visits, printing contact cards.

Seeing uses the shared ``view`` action (``accounts.permissions.VIEW``): every role sees links in
its subtree. A linked member (联户党员) holds ``view`` at the micro-grid; their own households
are the ones linked to them (``links.selectors.my_households``)."""

from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role
from gridgov.core.permissions import register_action

_CADRES = [Role.COUNTY_ADMIN, Role.TOWN_CADRE, Role.VILLAGE_CADRE]

MANAGE_LINKS = register_action(
    "manage_links", _("维护联户关系和联户人"), held_by=_CADRES, app="links"
)
# The plan is computed by the village's cadres and approved at the members' assembly (宁海); the
# cadre who records the approval names the meeting.
PLAN_LINKS = register_action("plan_links", _("计算和批准联户方案"), held_by=_CADRES, app="links")
RECORD_VISIT = register_action(
    "record_visit",
    _("登记走访和户事件"),
    held_by=[*_CADRES, Role.GROUP_LEADER, Role.GRID_WORKER, Role.LINKED_MEMBER],
    app="links",
)
PRINT_CARDS = register_action(
    "print_cards",
    _("打印连心卡和公示牌"),
    held_by=[*_CADRES, Role.GROUP_LEADER, Role.GRID_WORKER],
    app="links",
)
