"""Changes to users, assignments and tokens: keyword-only, atomic, audited.

Changes made from a page or the API name the acting user (``by``) and are checked against what
``by`` may manage (``accounts.authority``); without ``by`` only the server's command line may
call them (``firstadmin``, ``demo_signins``, ``createsuperuser``-like set-up).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record
from gridgov.core.oracle import refuse_taken
from gridgov.core.rules import rule_value
from gridgov.core.services import acting_as, acting_user_check
from gridgov.grid.models import GridNode

from .authority import manage_nodes, manageable_user, may_grant, may_manage, user_place
from .lockstate import account_locked, recent_failures
from .models import AccountState, ApiToken, Assignment
from .roles import Role
from .rules import API_TOKEN_MAX_DAYS
from .scope import assignments_column, keep_assignments
from .usernames import normalize_username, validate_new_username

User = get_user_model()
_TOKEN_USER_COLUMN = f'"{ApiToken._meta.db_table}"."user_id"'


_authority = acting_user_check
_acting = acting_as


def _managed(by: Any | None, user: Any) -> Any:
    """``user`` if ``by`` may manage them, re-read inside the transaction and locked; else
    ``DoesNotExist`` (the caller answers 404). Nobody manages themselves this way."""
    if by is None or by.is_superuser:  # the server, or /admin/'s superuser: anyone
        return User.objects.select_for_update().get(pk=user.pk)
    if by.pk == user.pk:
        raise ValidationError(_("不能在这里管理自己的账号（修改自己的密码请用“修改密码”）"))
    target = manageable_user(by, user.pk)
    return User.objects.select_for_update().get(pk=target.pk)


def _check_grant(by: Any, node: Any, role: str) -> None:
    """A node outside where ``by`` may grant is as if absent; a role above theirs is refused."""
    if not manage_nodes(by).filter(pk=node.pk).exists():
        raise GridNode.DoesNotExist
    if not may_grant(by, node.code, role):
        raise ValidationError(
            {"role": _("您不能在此网格授予这个角色：只能授予不高于您本人在此的角色")}
        )


def _user_ref(user: Any) -> dict[str, Any]:
    return {"user_id": user.pk, "username": user.get_username()}


def _audit_user(action: str, user: Any, after: dict[str, Any]) -> None:
    audit_record(
        action=action,
        object_type="auth.user",
        object_id=str(user.pk),
        object_repr=user.get_username(),
        grid_path=user_place(user),
        after=after,
    )


def temporary_password() -> str:
    """A password for a new or reset account, shown once to the manager; the user must change
    it at the next sign-in. No look-alike characters (it is read out or copied by hand)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _i in range(4)) for _j in range(4))


def _check_username(username: str, by: Any | None = None) -> str:
    """The normalized username, if free (case-insensitively) and well-formed for a new user."""
    username = normalize_username(username)
    validate_new_username(username)
    holder = User.objects.filter(username__iexact=username).first()
    if holder is not None:
        # The neutral words every channel uses (core.oracle) unless the manager can see the
        # account anyway: no hint that an account exists outside their scope.
        refuse_taken(
            field="username",
            visible=by is None or may_manage(by, holder),
            seen=_("账号名%(u)s已被使用，请换一个") % {"u": holder.get_username()},
        )
    return username


def _must_change(user: Any, value: bool) -> None:
    AccountState.objects.update_or_create(user=user, defaults={"must_change_password": value})


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str = "",
    by: Any | None = None,
    node: Any | None = None,
    role: str | None = None,
    is_superuser: bool = False,
) -> Any:
    """A user. With ``by`` (a manager, from a page or the API): placed at ``node`` with their
    first ``role``, both where ``by`` may grant them, never superuser or staff, and the password
    must be changed at the first sign-in. Without ``by`` (the server's command line only):
    ``is_superuser`` makes a superuser, who alone enters /admin/."""
    _authority(by)
    if by is not None:
        if is_superuser:
            raise PermissionDenied(_("超级管理员只能在服务器上用命令创建"))
        if node is None or role is None:
            raise ValidationError({"node": _("请选择网格和角色")})
        if role not in Role.values:
            raise ValidationError({"role": _("没有这个角色")})
        _check_grant(by, node, role)
    username = _check_username(username, by)
    with _acting(by):
        user = User(username=username, first_name=full_name, is_staff=is_superuser, is_active=True)
        user.is_superuser = is_superuser
        user.set_password(password)
        user.full_clean(exclude=["password"])
        password_validation.validate_password(password, user)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same name, created a moment ago by someone else
            _check_username(username, by)
            raise
        if by is not None or node is not None:
            AccountState.objects.create(
                user=user,
                home_code=node.code if node is not None else "",
                must_change_password=by is not None,
            )
        _audit_user(
            "create",
            user,
            {
                **_user_ref(user),
                "full_name": full_name,
                "is_superuser": is_superuser,
                "node": node.code if node is not None else "",
                "must_change_password": by is not None,
            },
        )
        if node is not None and role is not None:
            _assignment_add(user=user, node=node, role=role)
    return user


@transaction.atomic
def user_deactivate(*, by: Any | None, user: Any) -> Any:
    """Stop the user at once: sign-ins, open sessions and API tokens all refuse an inactive
    user (Django's backend on every request, ``api_token_authenticate`` on every call).

    Their API tokens are revoked and their web sessions deleted too, so that reactivating the
    account later does not bring back a token or a session of before (perhaps leaked, or on a
    device handed on): a reactivated user signs in again and gets new tokens."""
    _authority(by)
    user = _managed(by, user)
    if user.is_active:
        with _acting(by):
            user.is_active = False
            user.save(update_fields=["is_active"])
            _audit_user("deactivate", user, _user_ref(user))
            for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
                api_token_revoke(token=token)
            _end_sessions(user)
    return user


def _end_sessions(user: Any) -> None:
    """Delete the user's stored web sessions (the database session store is the one we run)."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    own = str(user.pk)
    stale = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == own
    ]
    Session.objects.filter(pk__in=stale).delete()


@transaction.atomic
def user_reactivate(*, by: Any | None, user: Any) -> Any:
    _authority(by)
    user = _managed(by, user)
    if not user.is_active:
        with _acting(by):
            user.is_active = True
            user.save(update_fields=["is_active"])
            _audit_user("reactivate", user, _user_ref(user))
    return user


@transaction.atomic
def user_password_reset(*, by: Any | None, user: Any) -> str:
    """Give the user a temporary password (returned once, never stored or logged) that must be
    changed at the next sign-in. Their open sessions end (Django ties a session to the password
    hash); their API tokens are refused until the password is changed."""
    _authority(by)
    user = _managed(by, user)
    password = temporary_password()
    with _acting(by):
        user.set_password(password)
        user.save(update_fields=["password"])
        _must_change(user, True)
        _audit_user("password_reset", user, {**_user_ref(user), "must_change_password": True})
    return password


@transaction.atomic
def user_password_change(*, user: Any, old_password: str, new_password: str) -> Any:
    """The user's own change of password (the acting user is the user)."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    if not user.check_password(old_password or ""):
        raise ValidationError({"old_password": _("原密码不正确")})
    if new_password == old_password:
        raise ValidationError({"new_password": _("新密码不能与原密码相同")})
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    with _acting(user):
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _must_change(user, False)
        _audit_user("password_change", user, _user_ref(user))
    return user


def _assignment_add(*, user: Any, node: Any, role: str) -> Assignment:
    assignment, created = Assignment.objects.get_or_create(
        user=user, node=node, role=role, defaults={"node_code": node.code}
    )
    if created:
        audit_record(
            action="create",
            instance=assignment,
            grid_path=node.code,
            after={**_user_ref(user), "node": node.code, "role": role},
        )
    return assignment


@transaction.atomic
def assignment_create(*, user: Any, node: Any, role: str, by: Any | None = None) -> Assignment:
    """Grant ``role`` at ``node`` (任职). With ``by``: only to a user ``by`` manages, only where
    ``by`` may grant that role (inside their subtree, at or below their own role)."""
    _authority(by)
    if role not in Role.values:
        raise ValidationError({"role": _("没有这个角色")})
    if by is not None:
        user = _managed(by, user)
        _check_grant(by, node, role)
    with _acting(by):
        return _assignment_add(user=user, node=node, role=role)


@transaction.atomic
def assignment_delete(*, assignment: Assignment, by: Any | None = None) -> None:
    """Take a role away. With ``by``: only from a user ``by`` manages. A user left without any
    role keeps the node of this one as their home, so they stay where they were managed."""
    _authority(by)
    if by is not None:
        _managed(by, assignment.user)
    with _acting(by):
        audit_record(
            action="delete",
            instance=assignment,
            grid_path=assignment.node_code,
            before={
                **_user_ref(assignment.user),
                "node": assignment.node_code,
                "role": assignment.role,
            },
        )
        user, code = assignment.user, assignment.node_code
        assignment.delete()
        if not Assignment.objects.filter(user=user).exists():
            AccountState.objects.update_or_create(user=user, defaults={"home_code": code})


@transaction.atomic
def api_token_create(*, user: Any, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and never stored. It expires after ``days``
    (at most ``accounts.api_token_max_days``)."""
    limit = rule_value(API_TOKEN_MAX_DAYS)
    if not 1 <= days <= limit:
        raise ValidationError({"days": _("有效期应为1至%(n)d天") % {"n": limit}})
    raw = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[3:11],
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_record(action="create", instance=token, after={"name": name, "days": days})
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(action="revoke", instance=token)
    return token


def api_token_authenticate(raw: str) -> Any | None:
    """The token's user, with their assignments read in the same statement (every API request
    asks for them next, to decide what the user may see and do).

    None for an unknown, expired or revoked token, and for a token of a deactivated or locked
    account. The user carries ``must_change_password`` (read in the same statement): the API
    refuses such a user until the password is changed."""
    token = (
        ApiToken.objects.select_related("user")
        .annotate(
            joined_assignments=assignments_column(_TOKEN_USER_COLUMN),
            must_change=Exists(
                AccountState.objects.filter(user=OuterRef("user_id"), must_change_password=True)
            ),
            failed_lately=recent_failures("user__username"),
        )
        .filter(digest=ApiToken.digest_of(raw.strip()))
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    if token.failed_lately and account_locked(token.user):
        return None
    keep_assignments(token.user, token.joined_assignments)
    # A per-request flag on the user, read by passwords.must_change_password.
    token.user.must_change_password = token.must_change  # type: ignore[attr-defined]
    now = timezone.now()
    # Touch at most once a minute: an UPDATE on every API call would cost a write per request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
