"""Residents' matters (民情事项), their categories, timeline, photos and the staff inbox."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.crypto import decrypt, lookup_hash
from gridgov.core.fields import BytewiseCharField
from gridgov.core.models import ScopedModel
from gridgov.core.scoping import ScopedQuerySet
from gridgov.grid.models import GridLevel

from .rules import Kind


class KindChoices(models.TextChoices):
    ENQUIRY = Kind.ENQUIRY, _("咨询")
    HELP = Kind.HELP, _("求助")
    SUGGESTION = Kind.SUGGESTION, _("建议")
    COMPLAINT = Kind.COMPLAINT, _("投诉")
    REPORT = Kind.REPORT, _("举报")


class Category(models.Model):
    """A category of matters (事项类别): where it starts, who handles it, its time limit.

    Also an Open311 service (``code`` is the ``service_code``).
    """

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("性质"), max_length=16, choices=KindChoices.choices)
    start_level = models.CharField(
        _("起始层级"),
        max_length=16,
        choices=[(v, lbl) for v, lbl in GridLevel.choices if v != GridLevel.COUNTY],
        default=GridLevel.MICROGRID,
    )
    handler_role = models.CharField(_("承办角色"), max_length=32, default="grid_worker")
    deadline_workdays = models.PositiveSmallIntegerField(
        _("办理时限（工作日）"),
        null=True,
        blank=True,
        help_text=_("留空则按性质取默认时限（咨询2、求助和建议10、投诉和举报15个工作日）"),
    )
    level_workdays = models.JSONField(
        _("各层级时限"),
        default=dict,
        blank=True,
        help_text=_('按层级覆盖时限，例如 {"town": 15}'),
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    # Open311 service definition attributes: [{code, datatype, required, description, order,
    # values: [{key, name}]}]; empty means no definition (metadata=false).
    attributes = models.JSONField(_("附加字段"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # Matters about public places (a broken rail, rubbish) may be listed to anyone through
    # Open311; those about a family (disputes, poverty, relief) show their status only.
    is_public = models.BooleanField(
        _("内容公开"),
        default=False,
        help_text=_("勾选后，此类事项的内容、地点和答复可经Open311公开查询；否则只公开编号和状态"),
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事项类别")
        verbose_name_plural = _("事项类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A town or county department (职能部门) that a matter can be transferred to (转办)."""

    name = models.CharField(_("名称"), max_length=100)
    node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")
        ordering = ["node_id", "name"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    ASSIGNED = "assigned", _("已分派")
    IN_PROGRESS = "in_progress", _("办理中")
    SETTLED = "settled", _("已办结")
    REVIEWED = "reviewed", _("已回访")
    ARCHIVED = "archived", _("已归档")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.SETTLED, Status.REVIEWED, Status.ARCHIVED, Status.MERGED)


class Channel(models.TextChoices):
    STAFF = "staff", _("工作人员登记")
    VISIT = "visit", _("走访")
    PUBLIC = "public", _("群众自报")
    OPEN311 = "open311", _("Open311")
    API = "api", _("接口")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


def new_tracking_token() -> str:
    return secrets.token_urlsafe(16)


def source_fingerprint(ip: str) -> str:
    """A keyed hash of the sender's address: enough to count reports per address, not to
    tell who sent them."""
    return lookup_hash("ip:" + ip) if ip else ""


# The relations a matter is shown with, and the heavy columns of them it never needs (a
# micro-grid's boundary is a polygon of hundreds of points, parsed from JSON on every read).
DISPLAY_RELATED = ("category", "grid_node", "handler_node", "department", "assignee", "merged_into")
DISPLAY_DEFERRED = ("grid_node__boundary", "handler_node__boundary")


# A step's read leaves out the matter it was merged into: a whole second row, which only a
# merged matter has (it is then read when shown).
STEP_RELATED = tuple(r for r in DISPLAY_RELATED if r != "merged_into")


class MatterQuerySet(ScopedQuerySet):
    def for_display(self) -> MatterQuerySet:
        return self.select_related(*DISPLAY_RELATED).defer(*DISPLAY_DEFERRED)

    def for_step(self) -> MatterQuerySet:
        return self.select_related(*STEP_RELATED).defer(*DISPLAY_DEFERRED)


class Matter(ScopedModel):
    """A resident's matter (民情事项): one number, one owner at a time, one answer at the end.

    ``grid_path`` is where the matter is (the micro-grid of the household or the point, or a
    town's inbox): it scopes who may see it, so everyone above that place follows it after an
    escalation. ``handler_path`` is the level that holds it now: who may act on it.
    """

    number = BytewiseCharField(_("编号"), max_length=20, unique=True)
    tracking_token = models.CharField(max_length=32, unique=True, default=new_tracking_token)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("内容"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    # Where
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    grid_node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("所在网格"), on_delete=models.PROTECT, related_name="+"
    )
    routed_by = models.CharField(_("定位方式"), max_length=16, blank=True)
    # Who holds it
    handler_node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("承办层级"), on_delete=models.PROTECT, related_name="+"
    )
    handler_path = BytewiseCharField(_("承办路径"), max_length=18, editable=False)
    level = models.CharField(_("层级"), max_length=16, choices=GridLevel.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("转办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who raised it: ciphertext, shown masked; anonymous reports keep none.
    anonymous = models.BooleanField(_("匿名"), default=False)
    reporter_name_cipher = models.BinaryField(null=True, blank=True, editable=False)
    reporter_phone_cipher = models.BinaryField(null=True, blank=True, editable=False)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    attributes = models.JSONField(_("附加字段"), default=dict, blank=True)
    media_urls = models.JSONField(_("图片链接"), default=list, blank=True)
    # Time
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    deadline = models.DateTimeField(_("办理期限"))
    warn_at = models.DateTimeField(_("预警时间"))
    warned_for = models.DateTimeField(_("已预警的期限"), null=True, blank=True)
    overdue_count = models.PositiveSmallIntegerField(_("逾期次数"), default=0)
    escalation_count = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("申请延期天数"), null=True, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    # The end
    answer = models.TextField(_("答复"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    settled_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    settled_level = models.CharField(
        _("办结层级"), max_length=16, choices=GridLevel.choices, blank=True
    )
    settled_on_time = models.BooleanField(_("按期办结"), null=True, blank=True)
    satisfaction = models.CharField(
        _("评价"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    reviewed_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    # Optimistic lock: a transition writes only if nobody changed the row since it was read.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = MatterQuerySet.as_manager()  # type: ignore[misc]  # narrows ScopedModel's manager

    class Meta:
        verbose_name = _("民情事项")
        verbose_name_plural = _("民情事项")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["grid_path", "received_at"], name="matter_path_received"),
            models.Index(fields=["handler_path", "status"], name="matter_handler_status"),
            models.Index(fields=["status", "deadline"], name="matter_status_deadline"),
            models.Index(fields=["status", "warn_at"], name="matter_status_warn"),
            models.Index(fields=["category", "status", "received_at"], name="matter_dupe"),
            models.Index(
                fields=["source_hash", "received_at"],
                name="matter_source",
                condition=~models.Q(source_hash=""),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def reporter_name(self) -> str:
        return decrypt(self.reporter_name_cipher) if self.reporter_name_cipher else ""

    @property
    def reporter_phone(self) -> str:
        return decrypt(self.reporter_phone_cipher) if self.reporter_phone_cipher else ""


class MatterEvent(models.Model):
    """One step on a matter's timeline (办理记录).

    ``public_note`` is what the resident reads on the tracking page; ``note`` and the actor stay
    with staff. ``actor_label`` is the level or department that acted, never a person's name.
    """

    matter = models.ForeignKey(
        Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("动作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("办理单位"), max_length=100, blank=True)
    note = models.TextField(_("内部说明"), blank=True)
    public_note = models.TextField(_("公开说明"), blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.action}"


class MatterPhoto(models.Model):
    """A photo of a matter (照片), checked by its content, not by its name."""

    matter = models.ForeignKey(
        Matter, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="photos"
    )
    file = models.FileField(_("文件"), upload_to="matters/%Y/%m/")
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.file.name


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("新事项")
    WARNING = "warning", _("临期预警")
    OVERDUE = "overdue", _("逾期")
    ESCALATED = "escalated", _("上报")
    RETURNED = "returned", _("退回")
    SUPERVISED = "supervised", _("督办")
    EXTENSION = "extension", _("延期")
    REOPENED = "reopened", _("重办")


class Delivery(models.TextChoices):
    NONE = "", _("不外发")
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Notification(models.Model):
    """A message in a user's inbox (站内消息), and its delivery by the outbound channel."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    matter = models.ForeignKey(
        Matter, verbose_name=_("事项"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=NotificationKind.choices)
    text = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    delivery = models.CharField(
        _("外发"), max_length=8, choices=Delivery.choices, blank=True, default=""
    )
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    delivery_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "id"], name="notification_inbox"),
            models.Index(fields=["delivery", "id"], name="notification_outbox"),
        ]

    def __str__(self) -> str:
        return self.text
