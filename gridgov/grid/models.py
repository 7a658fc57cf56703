"""Grid nodes (网格节点) and their codes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.scoping import ScopedQuerySet


class GridLevel(models.TextChoices):
    COUNTY = "county", _("区县")
    TOWN = "town", _("镇街")
    VILLAGE = "village", _("村（社区）")
    GROUP = "group", _("村民小组")
    MICROGRID = "microgrid", _("微网格")


# Code length of each level: the statistical division code (统计用区划代码) gives county 6,
# town 9 and village 12 digits; groups and micro-grids add 3 digits each under their parent.
CODE_LENGTH = {
    GridLevel.COUNTY: 6,
    GridLevel.TOWN: 9,
    GridLevel.VILLAGE: 12,
    GridLevel.GROUP: 15,
    GridLevel.MICROGRID: 18,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
# Keyed by the level's code: a node's `level` is read from its column as plain text.
CHILD_LEVEL: dict[str, GridLevel] = {
    GridLevel.COUNTY: GridLevel.TOWN,
    GridLevel.TOWN: GridLevel.VILLAGE,
    GridLevel.VILLAGE: GridLevel.GROUP,
    GridLevel.GROUP: GridLevel.MICROGRID,
}
# Grid tiers named in the sources: the village is the first-level grid, the group the second,
# the micro-grid of linked households the third (000, 002).
GRID_TIER: dict[str, int] = {GridLevel.VILLAGE: 1, GridLevel.GROUP: 2, GridLevel.MICROGRID: 3}


class GridNode(models.Model):
    """A place of the grid (网格节点). Its ``code`` is also its materialized path.

    Counts of households, persons and party members are kept on micro-grids (where households
    live) and summed upward on read; organizations are counted on the node they sit on.
    """

    scope_path_field = "code"

    level = models.CharField(_("层级"), max_length=16, choices=GridLevel.choices)
    code = models.CharField(_("代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    households_count = models.PositiveIntegerField(_("户数"), default=0)
    persons_count = models.PositiveIntegerField(_("人数"), default=0)
    party_members_count = models.PositiveIntegerField(_("党员数"), default=0)
    organizations_count = models.PositiveIntegerField(_("组织数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格节点")
        verbose_name_plural = _("网格节点")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"], name="grid_node_level_code")]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def path(self) -> str:
        return self.code

    @property
    def tier(self) -> int | None:
        return GRID_TIER.get(self.level)

    @property
    def child_level(self) -> str | None:
        return CHILD_LEVEL.get(self.level)

    def ancestor_codes(self) -> list[str]:
        """Codes of this node's ancestors, root first, read off the code itself."""
        lengths = [n for n in CODE_LENGTH.values() if n < len(self.code)]
        return [self.code[:n] for n in lengths]
