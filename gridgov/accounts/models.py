"""Assignments of users to grid nodes, and API tokens."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.core.crypto import new_secret
from gridgov.core.fields import BytewiseCharField

from .roles import Role


class Assignment(models.Model):
    """A role held at a grid node (任职): the user may act in that node's subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    node = models.ForeignKey(
        "grid.GridNode", verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+"
    )
    # The node's code, copied: codes never change (a re-division is an import of new nodes), and
    # reading a user's scope then needs no join on every request (accounts.scope).
    node_code = BytewiseCharField(_("网格代码"), max_length=18, editable=False)
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "node", "role"], name="accounts_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.node_id}"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token (接口令牌); only its SHA-256 is stored. Expires; can be revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return new_secret("gg_")

    @staticmethod
    def digest_of(raw: str) -> str:
        return _digest(raw)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class SignInFailure(models.Model):
    """A failed sign-in (登录失败记录): counted to lock an account or an address out.

    Kept apart from the audit log: an attack can write thousands of these, and they are purged
    once they are older than the counting window.
    """

    username = models.CharField(_("账号"), max_length=150)
    ip = models.CharField(_("来源地址"), max_length=45, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [
            models.Index(fields=["username", "at"], name="signin_failure_user"),
            models.Index(fields=["ip", "at"], name="signin_failure_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip} {self.at:%Y-%m-%d %H:%M}"


class AccountState(models.Model):
    """What gridgov keeps about a user beyond Django's user row (账户状态).

    ``home_code`` places a user who holds no role: the node where they were created, or where
    their last role was taken away. A manager sees a user only where all the user's places lie
    (``accounts.authority``), so a user without any role is not everyone's to manage.
    ``must_change_password`` is set when a manager creates the user or resets the password:
    pages then lead only to the change-password page, and the API refuses, until it is changed.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="account_state",
    )
    home_code = BytewiseCharField(_("所属网格代码"), max_length=18, blank=True, default="")
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("账户状态")
        verbose_name_plural = _("账户状态")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.home_code or '-'}"
