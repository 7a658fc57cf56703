"""Actions on important matters (重要事项决策).

Seeing uses the shared ``view`` action. The village's two committees run a matter through its
stages and publish its notices; the town and county may too. The supervision committee
(村务监督委员会) reviews each stage; its members do not run matters they supervise (VCOL (2018)
Art. 32). An override of a failed meeting is confirmed by a second holder of ``confirm_override``
other than the one who asked for it. Households' opinions are recorded by whoever visits them."""

from django.utils.translation import gettext_lazy as _

from gridgov.accounts.roles import Role
from gridgov.core.permissions import register_action

_CADRES = [Role.COUNTY_ADMIN, Role.TOWN_CADRE, Role.VILLAGE_CADRE]

MANAGE_MATTERS = register_action(
    "manage_matters", _("办理重要事项（会议、公开）"), held_by=_CADRES, app="decisions"
)
CONFIRM_OVERRIDE = register_action(
    "confirm_override", _("确认会议特别通过"), held_by=_CADRES, app="decisions"
)
# Only the committee the villagers elected reviews; the town and county enter its members'
# accounts without acting as it (VCOL (2018) Art. 32; 《关于建立健全村务监督委员会的指导意见》
# (2017): the township guides the committee, it does not replace it).
SUPERVISE_MATTERS = register_action(
    "supervise_matters",
    _("监督重要事项各环节"),
    held_by=[Role.SUPERVISOR],
    app="decisions",
    granted_by=[Role.COUNTY_ADMIN, Role.TOWN_CADRE],
)
RECORD_OPINION = register_action(
    "record_opinion",
    _("登记征求意见"),
    held_by=[*_CADRES, Role.GROUP_LEADER, Role.GRID_WORKER, Role.LINKED_MEMBER],
    app="decisions",
)
