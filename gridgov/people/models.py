"""Households, persons, their sensitive data, and the history of moves."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, OuterRef, Subquery
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gridgov.core.crypto import decrypt
from gridgov.core.fields import BytewiseCharField
from gridgov.core.models import ScopedModel
from gridgov.core.scoping import ScopedQuerySet


class MonitoringType(models.TextChoices):
    """防返贫监测户 subtypes."""

    NONE = "", _("否")
    UNSTABLE = "unstable", _("脱贫不稳定户")
    MARGINAL = "marginal", _("边缘易致贫户")
    SUDDEN = "sudden", _("突发严重困难户")


# The natural keys' unique constraints are declared by expression (``F("number")``) rather than
# by field so that both databases build them as separate unique indexes (on a plain column all the
# same), which a first load can drop and rebuild (``gridgov.core.bulkload.indexes_rebuilt``). Declared
# by field, SQLite writes the constraint into its CREATE TABLE, where it cannot be dropped, and a
# first load of 2.9 million persons spends 29 s of 42 s inserting into that index at random.


class HouseholdQuerySet(ScopedQuerySet):
    def with_head(self) -> HouseholdQuerySet:
        """Annotate ``head_pk`` and ``head_name`` (one subquery each, by the members index), so
        that a list shows each household's head without a query per row."""
        heads = Person.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).order_by(
            "id"
        )
        return self.annotate(
            head_pk=Subquery(heads.values("id")[:1]), head_name=Subquery(heads.values("name")[:1])
        )


class Household(ScopedModel):
    """A household (户), living in one micro-grid."""

    number = BytewiseCharField(_("户编号"), max_length=32)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    microgrid = models.ForeignKey(
        "grid.GridNode",
        verbose_name=_("微网格"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    is_dibao = models.BooleanField(_("低保户"), default=False)
    is_tekun = models.BooleanField(_("特困供养"), default=False)
    is_tuopin = models.BooleanField(_("脱贫户"), default=False)
    monitoring_type = models.CharField(
        _("防返贫监测户"), max_length=16, choices=MonitoringType.choices, blank=True, default=""
    )
    is_military_family = models.BooleanField(_("军烈属/优抚对象"), default=False)
    is_party_household = models.BooleanField(_("党员户"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(F("number"), name="household_number_unique")]
        indexes = [models.Index(fields=["grid_path", "number"], name="household_path")]

    def __str__(self) -> str:
        return self.number

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("head", None)

    @cached_property
    def head(self) -> Person | None:
        """The head of household (户主): the member whose relation is 户主, the first by id if
        the data ever holds two. Derived, never stored apart: the relation is the one fact."""
        if hasattr(self, "head_pk"):  # annotated by ``with_head``
            if self.head_pk is None:
                return None
            return Person(pk=self.head_pk, name=self.head_name, household=self)
        return self.members.filter(relation=Relation.HEAD).order_by("id").first()

    def tag_labels(self) -> list[str]:
        labels = [
            str(field.verbose_name)
            for field in self._meta.fields
            if field.name.startswith("is_") and getattr(self, field.name)
        ]
        if self.monitoring_type:
            labels.append(f"{_('防返贫监测户')}（{self.get_monitoring_type_display()}）")
        return labels


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    """Relation to the head of household (与户主关系, after GB/T 4761)."""

    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他")


class ResidenceType(models.TextChoices):
    """人口类型."""

    REGISTERED = "registered", _("户籍")
    RESIDENT = "resident", _("常住")
    MIGRANT = "migrant", _("流动")
    SEPARATED = "separated", _("人户分离")


class LeftBehind(models.TextChoices):
    NONE = "", _("否")
    CHILD = "child", _("留守儿童")
    WOMAN = "woman", _("留守妇女")
    ELDERLY = "elderly", _("留守老人")


class Person(ScopedModel):
    """A person (人) of a household. The citizen ID is encrypted; a keyed hash finds it."""

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="members"
    )
    name = BytewiseCharField(_("姓名"), max_length=50)
    id_cipher = models.BinaryField(_("身份证号（密文）"), editable=False)
    id_hash = BytewiseCharField(max_length=32, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone_cipher = models.BinaryField(_("电话（密文）"), null=True, blank=True, editable=False)
    phone_hash = BytewiseCharField(max_length=32, blank=True, editable=False)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True, editable=False)
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    residence_type = models.CharField(
        _("人口类型"),
        max_length=16,
        choices=ResidenceType.choices,
        default=ResidenceType.REGISTERED,
    )
    left_behind = models.CharField(
        _("留守人员"), max_length=8, choices=LeftBehind.choices, blank=True, default=""
    )
    lives_alone = models.BooleanField(_("空巢/独居老人"), default=False)
    is_party_member = models.BooleanField(_("党员"), default=False, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["household_id", "id"]
        constraints = [models.UniqueConstraint(F("id_hash"), name="person_id_hash_unique")]
        indexes = [
            models.Index(fields=["grid_path"], name="person_path"),
            models.Index(fields=["name"], name="person_name"),
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
        ]

    def __str__(self) -> str:
        return self.name

    def reveal_citizen_id(self) -> str:
        """The full number; callers log why (access and protection)."""
        return decrypt(self.id_cipher)

    def reveal_phone(self) -> str:
        return decrypt(self.phone_cipher) if self.phone_cipher else ""


class SpecialGroup(models.TextChoices):
    """特殊人群 (GB/T 31000 categories)."""

    NONE = "", _("否")
    RELEASED = "released", _("刑满释放人员")
    CORRECTIONS = "corrections", _("社区矫正对象")
    MENTAL = "mental", _("严重精神障碍患者")
    DRUG = "drug", _("吸毒人员")
    HIV_RISK = "hiv_risk", _("艾滋病危险性人员")


class DisabilityCategory(models.TextChoices):
    """残疾类别 (certificate digit 19)."""

    NONE = "", _("无")
    VISION = "1", _("视力残疾")
    HEARING = "2", _("听力残疾")
    SPEECH = "3", _("言语残疾")
    PHYSICAL = "4", _("肢体残疾")
    INTELLECTUAL = "5", _("智力残疾")
    PSYCHOSOCIAL = "6", _("精神残疾")
    MULTIPLE = "7", _("多重残疾")


class PersonSensitive(ScopedModel):
    """Sensitive personal information (敏感个人信息, PIPL Art. 28), kept apart from Person.

    Only roles that need it read this table; each view of it is logged.
    """

    person = models.OneToOneField(
        Person,
        verbose_name=_("人员"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="sensitive",
    )
    special_group = models.CharField(
        _("特殊人群"), max_length=16, choices=SpecialGroup.choices, blank=True, default=""
    )
    disability_category = models.CharField(
        _("残疾类别"), max_length=1, choices=DisabilityCategory.choices, blank=True, default=""
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("残疾等级"), null=True, blank=True, choices=[(g, f"{g}级") for g in range(1, 5)]
    )
    serious_illness = models.BooleanField(_("大病/重病"), default=False)
    health_note = models.CharField(_("健康状况"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("敏感信息")
        verbose_name_plural = _("敏感信息")
        indexes = [models.Index(fields=["grid_path"], name="personsensitive_path")]

    def __str__(self) -> str:
        return f"{self.person_id}"

    def is_empty(self) -> bool:
        return not (
            self.special_group
            or self.disability_category
            or self.serious_illness
            or self.health_note
        )


class HouseholdMove(ScopedModel):
    """History: a household moved from one micro-grid to another (户迁移记录)."""

    household = models.ForeignKey(
        Household, verbose_name=_("户"), on_delete=models.CASCADE, related_name="moves"
    )
    from_microgrid = models.ForeignKey(
        "grid.GridNode", verbose_name=_("原微网格"), on_delete=models.PROTECT, related_name="+"
    )
    to_microgrid = models.ForeignKey(
        "grid.GridNode", verbose_name=_("新微网格"), on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("户迁移记录")
        verbose_name_plural = _("户迁移记录")
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.from_microgrid_id} → {self.to_microgrid_id}"


class PersonMove(ScopedModel):
    """History: a person moved from one household to another (人员迁移记录)."""

    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="moves"
    )
    from_household = models.ForeignKey(
        Household, verbose_name=_("原户"), on_delete=models.PROTECT, related_name="+"
    )
    to_household = models.ForeignKey(
        Household, verbose_name=_("新户"), on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta(ScopedModel.Meta):
        verbose_name = _("人员迁移记录")
        verbose_name_plural = _("人员迁移记录")
        ordering = ["-moved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.from_household_id} → {self.to_household_id}"
