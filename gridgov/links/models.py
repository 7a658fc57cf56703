"""Party members linked to households (党员联户): linkers, links, plans, visits, cards.

A link is the personal tie on top of the service every household gets from its micro-grid's
party group: one linker (联户人) answers for the household for a period. Links are history: a
link ends, a new one starts; none is overwritten.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import ScopedModel


class LinkerKind(models.TextChoices):
    """Who links households. Members first; where they are too few the village names others,
    as 宁海 fills gaps with committee members."""

    CENTER_HOUSEHOLD = "center", _("党员中心户")
    MEMBER = "member", _("联户党员")
    VILLAGE_CADRE = "village_cadre", _("村两委成员")
    GROUP_COMMITTEE = "group_committee", _("组委会成员")
    GRID_WORKER = "grid_worker", _("网格员")
    OTHER = "other", _("其他")


class Linker(ScopedModel):
    """A person who links households (联户人), placed at the micro-grid they live in.

    ``user`` is the account the linker signs in with, so that their pages show their own
    households. ``phone_consent`` allows their phone on cards and the public list."""

    person = models.OneToOneField(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="linker"
    )
    kind = models.CharField(_("联户人类型"), max_length=16, choices=LinkerKind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linker",
    )
    cannot_link = models.BooleanField(_("不能联户"), default=False)
    cannot_link_reason = models.CharField(_("不能联户原因"), max_length=200, blank=True)
    phone_consent = models.BooleanField(_("同意公开电话"), default=False)
    phone_consent_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("联户人")
        verbose_name_plural = _("联户人")
        ordering = ["grid_path", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cannot_link=False) | ~Q(cannot_link_reason=""),
                name="links_linker_cannot_link_has_reason",
                violation_error_message=_("不能联户须写明原因"),
            )
        ]

    def __str__(self) -> str:
        return str(self.person)


class LinkSource(models.TextChoices):
    MANUAL = "manual", _("手工")
    TWO_WAY = "two_way", _("双向选择")
    IMPORT = "import", _("导入")
    PLAN = "plan", _("联户方案")


class Link(ScopedModel):
    """A linker answers for a household from ``start_on`` until ``end_on`` (联户关系).

    At most one link of a household is in force (``end_on`` empty). ``pinned`` marks a two-way
    choice (双向选择) that a plan keeps. A link across micro-grids needs ``cross_grid_reason``."""

    linker = models.ForeignKey(
        Linker, verbose_name=_("联户人"), on_delete=models.PROTECT, related_name="links"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="links"
    )
    start_on = models.DateField(_("开始日期"))
    end_on = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=8, choices=LinkSource.choices, default=LinkSource.MANUAL
    )
    pinned = models.BooleanField(_("双向选择（方案保留）"), default=False)
    cross_grid_reason = models.CharField(_("跨微网格原因"), max_length=200, blank=True)
    plan = models.ForeignKey(
        "LinkPlan",
        verbose_name=_("联户方案"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="links",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联户关系")
        verbose_name_plural = _("联户关系")
        ordering = ["grid_path", "household_id", "-start_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(end_on__isnull=True),
                name="links_one_open_link_per_household",
                violation_error_message=_("该户已有联户人"),
            ),
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="links_link_date_order",
                violation_error_message=_("结束日期早于开始日期"),
            ),
        ]
        indexes = [
            models.Index(fields=["grid_path", "end_on"], name="links_link_path"),
            models.Index(fields=["linker", "end_on"], name="links_link_linker"),
        ]

    def __str__(self) -> str:
        return f"{self.linker_id} → {self.household_id}"

    @property
    def in_force(self) -> bool:
        return self.end_on is None


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草案")
    APPROVED = "approved", _("已批准")
    APPLIED = "applied", _("已生效")
    DISCARDED = "discarded", _("已作废")
    STALE = "stale", _("已过时")


class LinkPlan(ScopedModel):
    """A computed plan of links for a node (联户方案): a draft, approved at a meeting (宁海: the
    members' assembly), then applied in one call. ``basis`` fingerprints the links and registry
    it was computed from: a plan whose basis no longer holds is stale and is not applied."""

    node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    basis = models.CharField(_("计算依据"), max_length=64, editable=False)
    params = models.JSONField(_("规则参数"), default=dict)
    figures = models.JSONField(_("统计"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("计算人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approval_meeting = models.CharField(_("批准会议"), max_length=200, blank=True)
    approval_meeting_on = models.DateField(_("会议日期"), null=True, blank=True)
    applied_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生效操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(ScopedModel.Meta):
        verbose_name = _("联户方案")
        verbose_name_plural = _("联户方案")
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.node_id} {self.computed_at:%Y-%m-%d %H:%M}"


class PlanAction(models.TextChoices):
    KEEP = "keep", _("保持")
    ADD = "add", _("新增")
    MOVE = "move", _("调整")
    END = "end", _("结束")
    UNCOVERED = "uncovered", _("未覆盖")


class PlanAssignment(models.Model):
    """One household's line of a plan: its linker in the plan (none: not covered), the
    distance, and how it differs from the link in force."""

    plan = models.ForeignKey(
        LinkPlan, verbose_name=_("联户方案"), on_delete=models.CASCADE, related_name="assignments"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.CASCADE, related_name="+"
    )
    microgrid = models.ForeignKey(
        "grid.GridNode", verbose_name=_("微网格"), on_delete=models.CASCADE, related_name="+"
    )
    linker = models.ForeignKey(
        Linker,
        verbose_name=_("联户人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    previous_linker = models.ForeignKey(
        Linker,
        verbose_name=_("原联户人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    action = models.CharField(_("变化"), max_length=10, choices=PlanAction.choices)
    distance_m = models.PositiveIntegerField(_("距离（米）"), null=True, blank=True)
    priority = models.BooleanField(_("重点户"), default=False)
    located_at_centre = models.BooleanField(_("无坐标，按微网格中心"), default=False)

    class Meta:
        verbose_name = _("方案明细")
        verbose_name_plural = _("方案明细")
        ordering = ["plan_id", "microgrid_id", "household_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "household"], name="links_plan_assignment_unique"
            )
        ]
        indexes = [models.Index(fields=["plan", "action"], name="links_plan_action")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.household_id} → {self.linker_id}"


class VisitKind(models.TextChoices):
    """一亲三心 (003): who visits, by level."""

    RETURN_HOME = "return_home", _("返乡走亲")
    TOWN_STAY = "town_stay", _("驻村联心")
    VILLAGE_GRID = "village_grid", _("入网知心")
    LINK_TALK = "link_talk", _("联户交心")


class VisitHelp(models.TextChoices):
    """五个传帮带 (000): the help given on a visit."""

    POLICY = "policy", _("学习政策")
    DISPUTE = "dispute", _("化解矛盾")
    HARDSHIP = "hardship", _("解决困难")
    ENTERPRISE = "enterprise", _("创业致富")
    LAW = "law", _("遵章守法")


class VisitOutcome(models.TextChoices):
    MET = "met", _("已见面")
    NOT_HOME = "not_home", _("不在家")


class Visit(ScopedModel):
    """A visit to a household (走访), recorded by the visitor.

    ``recorded_at`` is the server's time; a visit recorded later than the configured delay after
    ``visited_at`` is a late entry (补记), labelled wherever it shows."""

    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("走访人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    linker = models.ForeignKey(
        Linker,
        verbose_name=_("联户人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    kind = models.CharField(_("走访类型"), max_length=16, choices=VisitKind.choices)
    visited_at = models.DateTimeField(_("走访时间"))
    recorded_at = models.DateTimeField(_("记录时间"))
    late_entry = models.BooleanField(_("补记"), default=False)
    outcome = models.CharField(_("结果"), max_length=10, choices=VisitOutcome.choices)
    helps = models.JSONField(_("传帮带"), default=list, blank=True)
    notes = models.TextField(_("情况记录"), blank=True)
    suggestions = models.TextField(_("收集的意见建议"), blank=True)
    suggestions_count = models.PositiveSmallIntegerField(_("意见建议条数"), default=0)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    photo = models.FileField(_("照片"), upload_to="visits/%Y/%m/", blank=True)
    matter = models.ForeignKey(
        "cases.Matter",
        verbose_name=_("转为民情事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    task = models.ForeignKey(
        "VisitTask",
        verbose_name=_("走访任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["grid_path", "visited_at"], name="links_visit_path"),
            models.Index(fields=["household", "visited_at"], name="links_visit_household"),
            models.Index(fields=["linker", "visited_at"], name="links_visit_linker"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_at:%Y-%m-%d}"


class EventKind(models.TextChoices):
    """Events that call for a visit (四必到, 翼城; 三帮四必到)."""

    DEATH = "death", _("丧事")
    HOSPITAL = "hospital", _("住院")
    DIBAO = "dibao", _("新纳入低保")
    MONITORING = "monitoring", _("新纳入防返贫监测")
    DISASTER = "disaster", _("受灾")


class HouseholdEvent(ScopedModel):
    """Something that happened to a household and calls for a visit (户事件)."""

    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("事件"), max_length=12, choices=EventKind.choices)
    occurred_on = models.DateField(_("发生日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("记录时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta(ScopedModel.Meta):
        verbose_name = _("户事件")
        verbose_name_plural = _("户事件")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_kind_display()}"


class TaskReason(models.TextChoices):
    ROUTINE = "routine", _("定期走访")
    RECALL = "recall", _("不在家回访")
    EVENT = "event", _("四必到")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待走访")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class VisitTask(ScopedModel):
    """A visit due (走访任务): for a household, held by its linker, by a deadline."""

    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("户"),
        on_delete=models.PROTECT,
        related_name="visit_tasks",
    )
    linker = models.ForeignKey(
        Linker,
        verbose_name=_("联户人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    reason = models.CharField(_("原因"), max_length=8, choices=TaskReason.choices)
    event = models.ForeignKey(
        HouseholdEvent,
        verbose_name=_("户事件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    due_on = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Set by ``gridgov tick`` when the task is first found open after its deadline.
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("走访任务")
        verbose_name_plural = _("走访任务")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["grid_path", "status", "due_on"], name="links_task_path"),
            models.Index(fields=["linker", "status", "due_on"], name="links_task_linker"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_reason_display()} {self.due_on}"


class Appraisal(ScopedModel):
    """A household's score of its linker for a period (联户评议, 翼城: every half-year). Only
    aggregates are ever shown."""

    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.PROTECT, related_name="+"
    )
    linker = models.ForeignKey(
        Linker, verbose_name=_("联户人"), on_delete=models.PROTECT, related_name="appraisals"
    )
    period = models.CharField(_("评议期"), max_length=8)
    score = models.PositiveSmallIntegerField(_("评分"))
    created_at = models.DateTimeField(_("评议时间"), auto_now_add=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("联户评议")
        verbose_name_plural = _("联户评议")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "linker", "period"], name="links_appraisal_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.linker_id} {self.period}"


class CardToken(ScopedModel):
    """The token behind a contact card's QR code (连心卡): random, signed in the URL, revocable,
    with an expiry. It names a household and nothing about it."""

    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("户"),
        on_delete=models.CASCADE,
        related_name="card_tokens",
    )
    key = models.CharField(_("令牌"), max_length=32, unique=True, editable=False)
    issued_at = models.DateTimeField(_("签发时间"))
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("连心卡令牌")
        verbose_name_plural = _("连心卡令牌")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.issued_at:%Y-%m-%d}"
