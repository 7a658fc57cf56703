"""Roles (角色) and what each may do: the one table that decides every permission.

A role is held at a grid node and covers that node's subtree (permissions granted at a node
flow down, as in Wagtail's collection permissions).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", _("县级管理员")
    TOWN_CADRE = "town_cadre", _("镇街干部")
    VILLAGE_CADRE = "village_cadre", _("村干部（村两委）")
    SUPERVISOR = "supervisor", _("村务监督委员")
    GROUP_LEADER = "group_leader", _("组长/组委会成员")
    GRID_WORKER = "grid_worker", _("网格员")
    LINKED_MEMBER = "linked_member", _("联户党员")
    VIEWER = "viewer", _("查看员")


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    CHANGE = "change", _("新增和修改")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    VIEW_SENSITIVE = "view_sensitive", _("查看敏感信息")
    REVEAL = "reveal", _("查看完整证件号和电话")
    MANAGE_GRID = "manage_grid", _("维护网格与组织")


_ALL = frozenset(Action.values)
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.COUNTY_ADMIN: _ALL,
    Role.TOWN_CADRE: _ALL,
    Role.VILLAGE_CADRE: _ALL - {Action.MANAGE_GRID},
    Role.SUPERVISOR: frozenset({Action.VIEW, Action.EXPORT}),
    Role.GROUP_LEADER: frozenset({Action.VIEW, Action.CHANGE}),
    Role.GRID_WORKER: frozenset({Action.VIEW, Action.CHANGE, Action.VIEW_SENSITIVE}),
    Role.LINKED_MEMBER: frozenset({Action.VIEW}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


def role_allows(role: str, action: str) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())
