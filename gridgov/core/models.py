"""The append-only, hash-chained audit log (审计日志), calendar adjustments and background jobs."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import BytewiseCharField
from .permissions import DEFAULT_POLICY, Policy
from .scoping import ScopedQuerySet


class ScopedModel(models.Model):
    """A row that belongs to a place on the grid: read by subtree through its ``grid_path``.

    ``grid_path`` is a copy of the code of the row's grid node (see ``scoping``), written by the
    services and the bulk loads when the row is placed or moved, so that a subtree read is one
    index range on the row's own table. Bytewise, so that PostgreSQL orders and compares it like
    SQLite (the range ``[P, P~)`` and prefix ``LIKE`` then use the same B-tree index).

    The index on ``grid_path`` is declared in ``Meta.indexes`` (``BytewiseCharField`` explains
    why not ``db_index``). A model that declares its own ``Meta.indexes`` replaces it: it then
    either inherits ``ScopedModel.Meta`` and lists ``*ScopedModel.Meta.indexes``, or declares a
    composite index led by ``grid_path``, which serves subtree reads all the same.

    Which field leads to the grid node differs between models (``microgrid``, ``node``,
    ``grid_node``, or another scoped row such as ``household``), so copying the path stays with
    the code that places the row: ``save()`` does not read the node, which would cost a query
    where the caller already holds the path, and ``bulk_create`` and the SQL loads skip it.
    """

    scope_path_field = "grid_path"
    # Who may do what with these rows (core.permissions); a model may set its own.
    policy: ClassVar[Policy] = DEFAULT_POLICY

    grid_path = BytewiseCharField(_("网格路径"), max_length=18, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["grid_path"], name="%(app_label)s_%(class)s_path")]


class AuditEntry(models.Model):
    """One change: who, when, from where, what, before and after; chained by SHA-256.

    ``entry_hash`` covers every field and the previous entry's hash, so changing or deleting any
    row breaks the chain from there on (``gridgov audit verify``).
    """

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        # The log is append-only (database triggers refuse UPDATE and DELETE): an entry keeps
        # the id and name of a user deleted later. Deactivate users rather than delete them.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    source = models.CharField(_("来源"), max_length=16)
    request_id = models.CharField(_("请求号"), max_length=32, blank=True, db_index=True)
    action = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    grid_path = models.CharField(_("网格路径"), max_length=32, blank=True, db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    # Read by grid path like every scoped row: an entry is seen where its object lives.
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AuditPlace(models.Model):
    """A grid path where an entry without a place of its own is seen (审计记录的可见范围).

    An entry about a thing on the grid carries that thing's path. A sign-in, a user, an export
    or an import of a whole county concerns no single row: when it is written it gets one of
    these per subtree it concerns (the acting user's and the subject user's assignments, or
    the import's node), so the auditors of those subtrees and above see it. Kept apart from
    the entry because the entry's fields are hashed into the chain; these rows are not, so they
    can be added for old entries without breaking ``gridgov audit verify``.
    """

    entry = models.ForeignKey(
        AuditEntry, on_delete=models.DO_NOTHING, related_name="places", db_constraint=False
    )
    path = models.CharField(_("网格路径"), max_length=32)

    class Meta:
        verbose_name = _("审计记录可见范围")
        verbose_name_plural = _("审计记录可见范围")
        constraints = [
            models.UniqueConstraint(fields=["entry", "path"], name="core_auditplace_unique")
        ]
        indexes = [models.Index(fields=["path", "entry"], name="core_auditplace_path")]

    def __str__(self) -> str:
        return f"{self.entry_id} @ {self.path}"


class AuditHead(models.Model):
    """The single row that holds the chain's last hash; locking it orders concurrent writers."""

    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return self.last_hash


class CalendarDay(models.Model):
    """A day an administrator entered into the working-day calendar (工作日历的日历调整).

    It overrides the packaged 国务院办公厅 holiday notice for that date: a holiday (休息日) or a
    make-up working day (调休上班). Used where a county differs from the national calendar, and for
    a year whose notice is out before the ``chinesecalendar`` package carries it (DOMAIN §9).
    """

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("上班"),
        default=False,
        help_text=_("不勾选为休息日（放假）；勾选为调休上班日"),
    )
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如：春节、国庆节"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = _("上班") if self.is_workday else _("休息")
        return f"{self.date:%Y-%m-%d} {self.name} {kind}".replace("  ", " ")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Job(models.Model):
    """A long piece of work (an import) run in the background for one user.

    State lives here so that every web process answers the progress page alike; the heartbeat of
    a running job is a file on the host that runs it (``gridgov.core.jobs`` says why). Columns in
    clear hold no personal data: what a user needs to see that may hold some (the values of bad
    rows, the error report) is sealed with the data key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=32)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    params = models.JSONField(_("参数"), default=dict)  # e.g. import kind, dry run, file name
    status = models.CharField(
        _("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    rows_done = models.BigIntegerField(_("已处理行数"), default=0)
    rows_total = models.BigIntegerField(_("总行数"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    worker = models.CharField(_("执行进程"), max_length=160, blank=True)  # host:pid:token
    result = models.JSONField(_("结果"), null=True, blank=True)  # counts only
    failure = models.CharField(_("失败原因"), max_length=64, blank=True)  # a code, not a message
    sealed = models.BinaryField(null=True, blank=True)  # sealed JSON details (gridgov.core.sealed)
    report = models.BinaryField(null=True, blank=True)  # sealed report file

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="core_job_status"),
            models.Index(fields=["finished_at"], name="core_job_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id.hex}"


class PrintedDocument(ScopedModel):
    """A notice as it was printed (可核验的印发文件): its exact public text, that text's SHA-256,
    and the audit chain's head at printing.

    The paper carries ``uid`` (random, unguessable) and the first 12 hex characters of
    ``text_hash`` in its QR code; ``/p/v/<uid>/<short>/`` re-renders the source record through
    the provider registered for ``kind`` (``gridgov.core.verify``) and tells whether it still
    says what the paper says. Rows are written once and never edited.
    """

    uid = models.CharField(_("核验编号"), max_length=43, unique=True, editable=False)
    kind = models.CharField(_("文件类型"), max_length=64, editable=False)
    object_ref = models.CharField(_("来源记录"), max_length=64, editable=False)
    title = models.CharField(_("标题"), max_length=200, editable=False)
    text = models.TextField(_("印发文本"), editable=False)
    text_hash = models.CharField(_("文本摘要"), max_length=64, editable=False)
    chain_head = models.CharField(_("审计链头"), max_length=64, blank=True, editable=False)
    chain_count = models.BigIntegerField(_("审计记录数"), default=0, editable=False)
    printed_at = models.DateTimeField(_("印发时间"), editable=False)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("印发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta(ScopedModel.Meta):
        verbose_name = _("印发文件")
        verbose_name_plural = _("印发文件")
        ordering = ["-printed_at", "-id"]
        indexes = [
            *ScopedModel.Meta.indexes,
            models.Index(fields=["kind", "object_ref"], name="core_printeddoc_source"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.printed_at:%Y-%m-%d %H:%M}"


class DocumentPosting(ScopedModel):
    """A printed notice put up on a board (张贴记录): where, when by the server's clock, by whom,
    and optionally a photo of it on the board."""

    document = models.ForeignKey(
        PrintedDocument,
        verbose_name=_("印发文件"),
        on_delete=models.PROTECT,
        related_name="postings",
    )
    posted_at = models.DateTimeField(_("张贴时间"), editable=False)
    place = models.CharField(_("张贴地点"), max_length=100, blank=True)
    photo = models.FileField(_("张贴照片"), upload_to="postings/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta(ScopedModel.Meta):
        verbose_name = _("张贴记录")
        verbose_name_plural = _("张贴记录")
        ordering = ["-posted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.document_id} {self.place} {self.posted_at:%Y-%m-%d %H:%M}"
