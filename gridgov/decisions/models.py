"""Important matters decided by law (事权清单, 四议两公开): matters, their stages, the meetings
that decide them with the roll frozen at the meeting, supervision reviews, opinions asked of the
households, and the notices that disclose them.

Records are kept as they happen and never rewritten: a closed meeting is corrected by an
amendment row, an objection by an answer row, a failed stage by another meeting.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import ScopedModel


class Procedure(models.TextChoices):
    """The procedure a kind of matter follows (procedures.py holds each one's stages)."""

    FOUR_TWO = "four_two", _("四议两公开")
    GROUP = "group", _("组民商议（组委会）")
    COLLECTIVE = "collective", _("集体经济组织成员（代表）大会")
    BRANCH = "branch", _("党支部议事")


class StageKind(models.TextChoices):
    PROPOSAL = "proposal", _("村党组织提议")
    CONSULTATION = "consultation", _("村“两委”会议商议")
    PARTY_REVIEW = "party_review", _("党员大会审议")
    RESOLUTION = "resolution", _("村民会议或村民代表会议决议")
    GROUP_DISCUSSION = "group_discussion", _("组民商议")
    GROUP_COMMITTEE = "group_committee", _("组委会会议")
    GROUP_DECISION = "group_decision", _("村民小组会议决定")
    COLLECTIVE_DECISION = "collective_decision", _("成员（代表）大会决定")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员会")
    BRANCH_ASSEMBLY = "branch_assembly", _("支部党员大会")
    DECISION_NOTICE = "decision_notice", _("决议公开")
    RESULT_NOTICE = "result_notice", _("实施结果公开")


class MeetingBody(models.TextChoices):
    """The bodies that meet; the keys of ``rules.BODIES`` (and of ``gridgov decisions tally``)."""

    VILLAGERS = "villagers_meeting", _("村民会议")
    REPRESENTATIVES = "representative_meeting", _("村民代表会议")
    GROUP = "villager_group_meeting", _("村民小组会议")
    PARTY_ASSEMBLY = "party_assembly", _("支部党员大会")
    BRANCH_COMMITTEE = "branch_committee", _("支部委员会")
    TWO_COMMITTEES = "two_committees", _("村“两委”联席会议")
    GROUP_COMMITTEE = "group_committee", _("组委会会议")
    COLLECTIVE_MEMBERS = "collective_members_assembly", _("集体经济组织成员大会")
    COLLECTIVE_REPRESENTATIVES = "collective_representative_assembly", _("集体经济组织成员代表大会")
    DISCUSSION = "discussion", _("商议会（不表决）")


class MatterKind(ScopedModel):
    """A kind on a county's important-matters list (重要事权清单), with its procedure.

    ``grid_path`` is the county (or town) that keeps the list; a village sees the kinds of the
    nodes above it. The defaults come from ``rules.MATTER_KINDS``."""

    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    procedure = models.CharField(_("决策程序"), max_length=16, choices=Procedure.choices)
    active = models.BooleanField(_("启用"), default=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("事权类别")
        verbose_name_plural = _("重要事权清单")
        ordering = ["grid_path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["grid_path", "code"], name="decisions_kind_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MatterStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    DECIDED = "decided", _("已决议")
    DONE = "done", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


class Matter(ScopedModel):
    """An important matter (重要事项) of a village or one of its groups, run through the stages
    of its kind's procedure."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    title = models.CharField(_("事项名称"), max_length=200)
    kind = models.ForeignKey(
        MatterKind, verbose_name=_("事权类别"), on_delete=models.PROTECT, related_name="matters"
    )
    procedure = models.CharField(_("决策程序"), max_length=16, choices=Procedure.choices)
    node = models.ForeignKey(
        "grid.GridNode",
        verbose_name=_("村或村民小组"),
        on_delete=models.PROTECT,
        related_name="decision_matters",
    )
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("事项内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=MatterStatus.choices, default=MatterStatus.OPEN
    )
    result_text = models.TextField(_("实施结果"), blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("重要事项")
        verbose_name_plural = _("重要事项")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["grid_path", "-created_at"], name="decisions_matter_path"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class StageStatus(models.TextChoices):
    WAITING = "waiting", _("未开始")
    OPEN = "open", _("进行中")
    PASSED = "passed", _("已通过")
    FAILED = "failed", _("未通过（须重新召开）")


class Stage(ScopedModel):
    """One step of a matter's procedure, in ``order``; it opens when the one before passed."""

    matter = models.ForeignKey(
        Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField(_("顺序"))
    kind = models.CharField(_("环节"), max_length=24, choices=StageKind.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=StageStatus.choices, default=StageStatus.WAITING
    )
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    merged_with_next = models.BooleanField(_("与下一环节合并"), default=False)

    class Meta(ScopedModel.Meta):
        verbose_name = _("决策环节")
        verbose_name_plural = _("决策环节")
        ordering = ["matter_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "order"], name="decisions_stage_order")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_notice(self) -> bool:
        return self.kind in (StageKind.DECISION_NOTICE, StageKind.RESULT_NOTICE)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已通知")
    CLOSED = "closed", _("已记录")


class Meeting(ScopedModel):
    """A meeting of a body held for a stage (会议), recorded when it is held.

    The roll (应到) is computed from the registry and the rosters as they stood on the meeting
    day, frozen with the record (``RollEntry`` and the ``roll_*`` counts). The tally's result,
    its rule, version and citation are stored as computed; an override is a separate, second
    person's act (``override_*``)."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("环节"), on_delete=models.CASCADE, related_name="meetings"
    )
    body = models.CharField(_("会议类型"), max_length=40, choices=MeetingBody.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    held_at = models.DateTimeField(_("召开时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    chair = models.CharField(_("主持人"), max_length=50, blank=True)
    notice_given_on = models.DateField(_("通知日期"), null=True, blank=True)
    summary = models.TextField(_("会议纪要"), blank=True)
    # The roll, frozen: for villagers' and group meetings adults and households; else members.
    roll_adults = models.PositiveIntegerField(_("应到（18岁以上村民）"), default=0)
    roll_households = models.PositiveIntegerField(_("应到（户）"), default=0)
    roll_members = models.PositiveIntegerField(_("应到（成员）"), default=0)
    excused = models.PositiveIntegerField(_("请假"), default=0)
    present_adults = models.PositiveIntegerField(_("到会村民"), default=0)
    present_household_reps = models.PositiveIntegerField(_("到会户代表"), default=0)
    present = models.PositiveIntegerField(_("实到"), default=0)
    yes = models.PositiveIntegerField(_("赞成"), default=0)
    no = models.PositiveIntegerField(_("反对"), default=0)
    abstain = models.PositiveIntegerField(_("弃权"), default=0)
    quorum = models.BooleanField(_("达到法定人数"), default=False)
    passed = models.BooleanField(_("表决通过"), default=False)
    rule_text = models.CharField(_("适用规则"), max_length=300, blank=True)
    rule_version = models.CharField(_("规则版本"), max_length=20, blank=True)
    citation = models.CharField(_("依据"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    late = models.BooleanField(_("补记"), default=False)
    override_reason = models.CharField(_("特别通过理由"), max_length=300, blank=True)
    override_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["stage_id", "held_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(yes__lte=models.F("present")), name="decisions_meeting_yes_le_present"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_body_display()} {self.held_at:%Y-%m-%d}"

    @property
    def overridden(self) -> bool:
        return self.override_confirmed_by_id is not None

    @property
    def effective_pass(self) -> bool:
        """Whether the meeting carries its stage: passed by the rule, or by a confirmed
        override."""
        return self.status == MeetingStatus.CLOSED and (self.passed or self.overridden)


class RollRole(models.TextChoices):
    MEMBER = "member", _("成员")
    HOUSEHOLD = "household", _("户代表")


class Attendance(models.TextChoices):
    PRESENT = "present", _("到会")
    EXCUSED = "excused", _("请假")
    ABSENT = "absent", _("缺席")


class Vote(models.TextChoices):
    YES = "yes", _("赞成")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")


class RollEntry(ScopedModel):
    """One person (or one household, for its representative) on a meeting's frozen roll."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="roll"
    )
    role = models.CharField(_("身份"), max_length=12, choices=RollRole.choices)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Blank for the bodies counted on paper (a villagers' meeting): only the totals are known.
    attendance = models.CharField(_("出席"), max_length=12, choices=Attendance.choices, blank=True)
    excuse = models.CharField(_("请假原因"), max_length=100, blank=True)
    vote = models.CharField(_("表决"), max_length=8, choices=Vote.choices, blank=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("应到名单")
        verbose_name_plural = _("应到名单")
        ordering = ["meeting_id", "role", "id"]


class MeetingAmendment(ScopedModel):
    """A labelled correction of a closed meeting's record: who, when, why and what changed."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="amendments"
    )
    changes = models.JSONField(_("更正内容"))
    reason = models.CharField(_("更正原因"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("更正时间"))

    class Meta(ScopedModel.Meta):
        verbose_name = _("会议记录更正")
        verbose_name_plural = _("会议记录更正")
        ordering = ["meeting_id", "at", "id"]
        indexes = [models.Index(fields=["grid_path"], name="decisions_amendment_path")]


class ReviewVerdict(models.TextChoices):
    SIGNOFF = "signoff", _("无异议，签署")
    OBJECTION = "objection", _("提出异议")


class Review(ScopedModel):
    """The village affairs supervision committee's review of a stage (村务监督委员会监督).

    An objection holds the next stage until the two committees answer; the answer is due within
    ``rules.SUPERVISION_ANSWER_DAYS``."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("环节"), on_delete=models.CASCADE, related_name="reviews"
    )
    verdict = models.CharField(_("监督意见"), max_length=12, choices=ReviewVerdict.choices)
    reason = models.TextField(_("意见内容"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("监督人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    answer_due = models.DateField(_("答复期限"), null=True, blank=True)
    answer = models.TextField(_("“两委”答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("监督意见")
        verbose_name_plural = _("监督意见")
        ordering = ["stage_id", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict="signoff") | ~Q(reason=""),
                name="decisions_objection_has_reason",
                violation_error_message=_("提出异议须写明理由"),
            )
        ]

    @property
    def holds(self) -> bool:
        return self.verdict == ReviewVerdict.OBJECTION and self.answered_at is None


class NoticeKind(models.TextChoices):
    DECISION = "decision", _("决议公开")
    RESULT = "result", _("实施结果公开")
    ORDINARY = "ordinary", _("村务公开（一般事项）")
    FINANCE = "finance", _("财务公开")


class Notice(ScopedModel):
    """A public notice (公开/公示) of a village: a matter's decision or result, or an ordinary
    or financial disclosure. Its text never holds an ID, phone, bank account or health data."""

    node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("村"), on_delete=models.PROTECT, related_name="+"
    )
    matter = models.ForeignKey(
        Matter,
        verbose_name=_("事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(_("公开类别"), max_length=12, choices=NoticeKind.choices)
    major = models.BooleanField(_("涉及村民利益的重大事项"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    published_at = models.DateTimeField(_("公开时间"))
    period_days = models.PositiveSmallIntegerField(_("公示天数"))
    objection_until = models.DateField(_("异议截止"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(ScopedModel.Meta):
        verbose_name = _("公开公告")
        verbose_name_plural = _("公开公告")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["grid_path", "-published_at"], name="decisions_notice_path")
        ]

    def __str__(self) -> str:
        return self.title


class Stance(models.TextChoices):
    SUPPORT = "support", _("支持")
    OPPOSE = "oppose", _("反对")
    SUGGESTION = "suggestion", _("建议")


class OpinionChannel(models.TextChoices):
    VISIT = "visit", _("入户")
    PHONE = "phone", _("电话")
    CARD = "card", _("连心卡扫码")
    MEETING = "meeting", _("会议")


class Solicitation(ScopedModel):
    """Asking every household of the matter's place for its opinion before deciding (征求意见),
    carried out by the party group of each micro-grid and the household's linker."""

    matter = models.ForeignKey(
        Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="solicitations"
    )
    question = models.TextField(_("征求内容"))
    opened_at = models.DateTimeField(_("开始时间"))
    closes_on = models.DateField(_("截止日期"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(ScopedModel.Meta):
        verbose_name = _("意见征求")
        verbose_name_plural = _("意见征求")
        ordering = ["-opened_at", "-id"]


class OpinionTask(ScopedModel):
    """One household to ask (征求意见任务): whose task it is, and its answer once given."""

    solicitation = models.ForeignKey(
        Solicitation, verbose_name=_("意见征求"), on_delete=models.CASCADE, related_name="tasks"
    )
    household = models.ForeignKey(
        "people.Household", verbose_name=_("户"), on_delete=models.CASCADE, related_name="+"
    )
    microgrid = models.ForeignKey(
        "grid.GridNode", verbose_name=_("微网格"), on_delete=models.PROTECT, related_name="+"
    )
    party_group = models.ForeignKey(
        "orgs.PartyOrganization",
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    linker = models.ForeignKey(
        "links.Linker",
        verbose_name=_("联户人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stance = models.CharField(_("意见"), max_length=12, choices=Stance.choices, blank=True)
    text = models.CharField(_("意见内容"), max_length=500, blank=True)
    channel = models.CharField(_("方式"), max_length=12, choices=OpinionChannel.choices, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta(ScopedModel.Meta):
        verbose_name = _("征求意见任务")
        verbose_name_plural = _("征求意见任务")
        ordering = ["solicitation_id", "grid_path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["solicitation", "household"], name="decisions_opinion_once"
            )
        ]
