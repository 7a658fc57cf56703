"""Changes to users, assignments and tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.core.audit import audit_record
from gridgov.core.rules import rule_value

from .models import ApiToken, Assignment
from .rules import API_TOKEN_MAX_DAYS
from .scope import assignments_column, keep_assignments

User = get_user_model()
_TOKEN_USER_COLUMN = f'"{ApiToken._meta.db_table}"."user_id"'


# What a user who manages users and roles may do in Django's admin (/admin/): the admin pages
# of users, assignments and tokens, with assignments restricted to their subtree (accounts.admin).
USER_MANAGER_PERMISSIONS = [
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_user"),
    ("accounts", "add_assignment"),
    ("accounts", "change_assignment"),
    ("accounts", "delete_assignment"),
    ("accounts", "view_assignment"),
    ("accounts", "add_apitoken"),
    ("accounts", "change_apitoken"),
    ("accounts", "view_apitoken"),
]


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    full_name: str = "",
    is_superuser: bool = False,
    manages_users: bool = False,
) -> Any:
    """A user; ``manages_users`` lets them into the admin pages of users and roles."""
    user = User(username=username, first_name=full_name, is_staff=is_superuser or manages_users)
    user.is_superuser = is_superuser
    user.set_password(password)
    user.full_clean(exclude=["password"])
    password_validation.validate_password(password, user)
    user.save()
    if manages_users:
        from django.contrib.auth.models import Permission

        for app_label, codename in USER_MANAGER_PERMISSIONS:
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    audit_record(
        action="create",
        instance=user,
        after={"username": username, "full_name": full_name, "is_superuser": is_superuser},
    )
    return user


@transaction.atomic
def assignment_create(*, user: Any, node: Any, role: str) -> Assignment:
    assignment, created = Assignment.objects.get_or_create(
        user=user, node=node, role=role, defaults={"node_code": node.code}
    )
    if created:
        audit_record(
            action="create",
            instance=assignment,
            grid_path=node.code,
            after={"user": user.username, "node": node.code, "role": role},
        )
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: Assignment) -> None:
    audit_record(
        action="delete",
        instance=assignment,
        grid_path=assignment.node.code,
        before={
            "user": assignment.user.username,
            "node": assignment.node.code,
            "role": assignment.role,
        },
    )
    assignment.delete()


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
    asks for them next, to decide what the user may see and do)."""
    token = (
        ApiToken.objects.select_related("user")
        .annotate(joined_assignments=assignments_column(_TOKEN_USER_COLUMN))
        .filter(digest=ApiToken.digest_of(raw.strip()))
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    keep_assignments(token.user, token.joined_assignments)
    now = timezone.now()
    # Touch at most once a minute: an UPDATE on every API call would cost a write per request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
