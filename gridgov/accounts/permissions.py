"""The actions every app shares: seeing and changing what lies in one's subtree, dividing the
grid, managing users, and reading the audit log.

The grid app sits below accounts (accounts reads the tree), so its one action, dividing the grid
and placing organizations on it, is declared here with the others it needs. Why each role holds
what it holds: ``roles.ROLE_NOTES``.
"""

from django.utils.translation import gettext_lazy as _

from gridgov.core.permissions import register_action

from .roles import Role

_EVERY_ROLE = list(Role)
_TOWN_AND_ABOVE = [Role.COUNTY_ADMIN, Role.TOWN_CADRE]

VIEW = register_action("view", _("查看"), held_by=_EVERY_ROLE, app="accounts")
CHANGE = register_action(
    "change",
    _("新增和修改"),
    held_by=[
        *_TOWN_AND_ABOVE,
        Role.VILLAGE_CADRE,
        Role.GROUP_LEADER,
        Role.GRID_WORKER,
    ],
    app="accounts",
)
MANAGE_GRID = register_action(
    "manage_grid", _("维护网格与组织"), held_by=_TOWN_AND_ABOVE, app="grid"
)
MANAGE_USERS = register_action(
    "manage_users", _("管理用户与角色"), held_by=_TOWN_AND_ABOVE, app="accounts"
)
# The village affairs supervision committee reads the audit log; the village cadres it
# supervises do not (村民委员会组织法第32条).
AUDIT = register_action(
    "audit", _("查看审计记录"), held_by=[*_TOWN_AND_ABOVE, Role.SUPERVISOR], app="core"
)
