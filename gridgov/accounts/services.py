"""Changes to users, assignments and tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gridgov.core.audit import audit_record

from .models import ApiToken, Assignment

User = get_user_model()


@transaction.atomic
def user_create(
    *, username: str, password: str, full_name: str = "", is_superuser: bool = False
) -> Any:
    user = User(username=username, first_name=full_name, is_staff=is_superuser)
    user.is_superuser = is_superuser
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        action="create",
        instance=user,
        after={"username": username, "full_name": full_name, "is_superuser": is_superuser},
    )
    return user


@transaction.atomic
def assignment_create(*, user: Any, node: Any, role: str) -> Assignment:
    assignment, created = Assignment.objects.get_or_create(user=user, node=node, role=role)
    if created:
        audit_record(
            action="create",
            instance=assignment,
            grid_path=node.code,
            after={"user": user.username, "node": node.code, "role": role},
        )
    return assignment


@transaction.atomic
def api_token_create(*, user: Any, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """Issue a token; the secret is returned once and never stored."""
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
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(raw.strip()))
        .first()
    )
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: an UPDATE on every API call would cost a write per request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
