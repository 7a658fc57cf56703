"""Roles (角色): who they are, what each is for, and how they rank.

What each role may do is declared by the apps, action by action, in their ``permissions.py``
(``core.permissions``); ``ROLE_ACTIONS`` reads that registry.

A role is held at a grid node and covers that node's subtree (permissions granted at a node
flow down, as in Wagtail's collection permissions).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from gridgov.core.permissions import RoleActions, registered_actions, role_allows


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级管理员")
    TOWN_CADRE = "town_cadre", _("镇街干部")
    VILLAGE_CADRE = "village_cadre", _("村干部（村两委）")
    SUPERVISOR = "supervisor", _("村务监督委员")
    GROUP_LEADER = "group_leader", _("组长/组委会成员")
    GRID_WORKER = "grid_worker", _("网格员")
    LINKED_MEMBER = "linked_member", _("联户党员")
    VIEWER = "viewer", _("查看员")


# role → the actions it holds, collected from every app's permissions.py (core.permissions):
# every view, API operation, export and import asks it, for the grid subtree where the user
# holds the role. Why each row is as it is: ROLE_NOTES.
ROLE_ACTIONS = RoleActions(lambda: Role.values)

ROLE_NOTES: dict[str, StrOrPromise] = {
    Role.COUNTY_ADMIN: _("县委组织部等县级管理部门：全县的网格、人员、组织、用户和审计。"),
    Role.TOWN_CADRE: _("镇（街道）干部：本镇的全部事务，包括划分网格、分配本镇用户的角色。"),
    Role.VILLAGE_CADRE: _(
        "村“两委”干部：本村的登记、导入导出和敏感信息；不改网格划分，不查审计（由村务监督委员会监督）。"
    ),
    Role.SUPERVISOR: _(
        "村务监督委员会成员（村民委员会组织法第32条）：查看、导出本村信息并查阅审计记录，不改数据。"
    ),
    Role.GROUP_LEADER: _("村民小组长、组委会成员：本组的查看和登记，办理本组的民情事项。"),
    Role.GRID_WORKER: _(
        "网格员：本网格的查看和登记，受理和办理本网格的民情事项；走访联系需要时可查看敏感信息和完整电话，每次都有记录。"
    ),
    Role.LINKED_MEMBER: _("联户党员：查看所联系网格的信息，代群众登记民情事项。"),
    Role.VIEWER: _("查看员：只读。"),
}


# Rank of each role, highest first: a manager grants only roles at or below their own rank at
# the node (and whose actions their own role holds too), so a town cadre cannot make anyone a
# county administrator. Gaps leave room for roles a county may add.
ROLE_RANK: dict[str, int] = {
    Role.COUNTY_ADMIN: 80,
    Role.TOWN_CADRE: 70,
    Role.VILLAGE_CADRE: 60,
    Role.SUPERVISOR: 50,
    Role.GROUP_LEADER: 40,
    Role.GRID_WORKER: 30,
    Role.LINKED_MEMBER: 20,
    Role.VIEWER: 10,
}


def grantable_roles(role: str) -> frozenset[str]:
    """The roles a holder of ``role`` may grant (where it allows managing users): ranked at or
    below it, with no action it lacks unless that action names ``role`` in ``granted_by``."""
    from .permissions import MANAGE_USERS  # declared with the roles this module names

    if not role_allows(role, MANAGE_USERS):
        return frozenset()
    rank, actions = ROLE_RANK[role], ROLE_ACTIONS[role]
    grantable = actions | {
        spec.key for spec in registered_actions() if str(role) in spec.granted_by
    }
    return frozenset(r for r in Role if ROLE_RANK[r] <= rank and ROLE_ACTIONS[r] <= grantable)
