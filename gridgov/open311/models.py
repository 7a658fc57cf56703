"""Open311 API keys: the client systems allowed to POST service requests."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.core.crypto import new_secret

KEY_MARK = "o311_"
PREFIX_LENGTH = 8


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    """An Open311 API key (Open311 接口密钥) of a client system, e.g. a city's 12345 hotline
    or a FixMyStreet install. Only its SHA-256 is stored, as for ``accounts.ApiToken``; the
    first characters after ``o311_`` are kept visible to tell keys apart. Revoked, not deleted.
    """

    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=PREFIX_LENGTH, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 接口密钥")
        verbose_name_plural = _("Open311 接口密钥")
        constraints = [
            # A name names one key in use: ``gridgov open311 keys revoke NAME`` is unambiguous,
            # and a revoked key's name can be given to its replacement.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(revoked_at__isnull=True),
                name="open311_apikey_active_name_unique",
                violation_error_message=_("已有同名的有效密钥"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return new_secret(KEY_MARK)

    @staticmethod
    def prefix_of(raw: str) -> str:
        return raw[len(KEY_MARK) : len(KEY_MARK) + PREFIX_LENGTH]

    @staticmethod
    def digest_of(raw: str) -> str:
        return _digest(raw)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
