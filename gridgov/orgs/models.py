"""Party organizations, party members, self-governance bodies, memberships and grid posts."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.models import ScopedModel


class OrgKind(models.TextChoices):
    PARTY_COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    JOINT_BRANCH = "joint_branch", _("联合党支部")
    PARTY_GROUP = "group", _("党小组")
    SERVICE_TEAM = "service_team", _("党员服务团队")


class PartyOrganization(ScopedModel):
    """A party organization (党组织) on a grid node, under its parent organization."""

    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=OrgKind.choices)
    node = models.ForeignKey(
        "grid.GridNode",
        verbose_name=_("所在网格"),
        on_delete=models.PROTECT,
        related_name="party_organizations",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    members_count = models.PositiveIntegerField(_("党员数"), default=0, editable=False)
    full_members_count = models.PositiveIntegerField(_("正式党员数"), default=0, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["grid_path", "code"]

    def __str__(self) -> str:
        return self.name


class MemberStatus(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class PartyMember(ScopedModel):
    """A party member record (党员): the person, their organization and membership dates."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="party_member",
    )
    organization = models.ForeignKey(
        PartyOrganization,
        verbose_name=_("所在组织"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    status = models.CharField(_("党员类别"), max_length=16, choices=MemberStatus.choices)
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    is_center_household = models.BooleanField(_("党员中心户"), default=False)
    is_mobile = models.BooleanField(_("流动党员"), default=False)
    lost_contact = models.BooleanField(_("失联"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["organization_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(full_member_on__isnull=True)
                | models.Q(full_member_on__gte=models.F("joined_on")),
                name="orgs_partymember_full_after_join",
                violation_error_message=_("转正日期不能早于入党日期"),
            )
        ]

    def __str__(self) -> str:
        return str(self.person)


class BodyKind(models.TextChoices):
    VILLAGE_COMMITTEE = "village_committee", _("村民委员会")
    REPRESENTATIVES = "representatives", _("村民代表会议")
    SUPERVISION = "supervision", _("村务监督委员会")
    VILLAGER_GROUP = "villager_group", _("村民小组")
    GROUP_COMMITTEE = "group_committee", _("组委会")
    COLLECTIVE_ECONOMY = "collective_economy", _("集体经济组织")
    # The village party organization's committee (支部委员会): its seats are the roll of the
    # committee's meetings and, with the villagers' committee, of the "two committees".
    BRANCH_COMMITTEE = "branch_committee", _("村党组织委员会")


class GovernanceBody(ScopedModel):
    """A self-governance body (自治组织) on a grid node."""

    code = models.CharField(_("组织代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=24, choices=BodyKind.choices)
    node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="bodies"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("自治组织")
        verbose_name_plural = _("自治组织")
        ordering = ["grid_path", "kind"]

    def __str__(self) -> str:
        return self.name


class BodyRole(models.TextChoices):
    CHAIR = "chair", _("主任/组长/理事长")
    VICE_CHAIR = "vice_chair", _("副主任")
    MEMBER = "member", _("委员")
    REPRESENTATIVE = "representative", _("代表")
    MEDIATOR = "mediator", _("调解员")
    SUPERVISOR = "supervisor", _("监督员")
    ENVIRONMENT = "environment", _("环保员")


class BodyMembership(ScopedModel):
    """A person's seat in a body for a term (任期)."""

    body = models.ForeignKey(
        GovernanceBody, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("职务"), max_length=16, choices=BodyRole.choices)
    term_start = models.DateField(_("任期开始"))
    term_end = models.DateField(_("任期结束"), null=True, blank=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        ordering = ["body_id", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "person", "term_start"], name="orgs_membership_unique_term"
            ),
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="orgs_membership_term_order",
                violation_error_message=_("任期结束早于开始"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"

    def clean(self) -> None:
        # Names the field for forms and the API; the check constraint guards the database.
        if self.term_end and self.term_start and self.term_end < self.term_start:
            raise ValidationError({"term_end": _("任期结束早于开始")})


class GridPostKind(models.TextChoices):
    HEAD = "head", _("网格长")
    WORKER = "worker", _("专职网格员")


class GridPost(ScopedModel):
    """A grid post held by a person (网格长, 专职网格员) (002)."""

    node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("网格"), on_delete=models.CASCADE, related_name="posts"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="grid_posts"
    )
    kind = models.CharField(_("岗位"), max_length=8, choices=GridPostKind.choices)
    start_on = models.DateField(_("开始"))
    end_on = models.DateField(_("结束"), null=True, blank=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("网格岗位")
        verbose_name_plural = _("网格岗位")
        ordering = ["grid_path", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True)
                | models.Q(end_on__gte=models.F("start_on")),
                name="orgs_gridpost_date_order",
                violation_error_message=_("结束日期早于开始日期"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.person}"

    def clean(self) -> None:
        if self.end_on and self.start_on and self.end_on < self.start_on:
            raise ValidationError({"end_on": _("结束日期早于开始日期")})
