"""Changes to Open311 API keys: issue, revoke, and the check made on every POST."""

from __future__ import annotations

import datetime as dt
import hmac

from django.db import transaction
from django.utils import timezone

from gridgov.core.audit import audit_record
from gridgov.core.context import current_actor

from .models import KEY_MARK, PREFIX_LENGTH, ApiKey

# last_used_at is written at most this often per key: a write per request would cost more
# than the request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


@transaction.atomic
def api_key_create(*, name: str) -> tuple[ApiKey, str]:
    """Issue a key for a client system; the secret is returned once and never stored. The
    creator is the current actor (``gridgov.core.context``)."""
    raw = ApiKey.new_secret()
    user = current_actor().user
    key = ApiKey(
        name=name.strip(),
        prefix=ApiKey.prefix_of(raw),
        digest=ApiKey.digest_of(raw),
        created_by=user if getattr(user, "pk", None) else None,
    )
    key.full_clean()
    key.save()
    audit_record(action="create", instance=key, after={"name": key.name, "prefix": key.prefix})
    return key, raw


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke a key; revoking a revoked key changes nothing."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(action="revoke", instance=key, after={"revoked_at": key.revoked_at})
    return key


def api_key_check(*, raw: str) -> ApiKey | None:
    """The active key whose secret is ``raw``, else None (unknown, malformed or revoked).

    Looked up by its visible prefix, then the SHA-256 compared in constant time. Touches
    ``last_used_at`` at most once a minute; the touch is not audited (it is use, not change).
    """
    raw = (raw or "").strip()
    if not raw.startswith(KEY_MARK) or len(raw) < len(KEY_MARK) + PREFIX_LENGTH:
        return None
    digest = ApiKey.digest_of(raw)
    found: ApiKey | None = None
    for candidate in ApiKey.objects.filter(prefix=ApiKey.prefix_of(raw), revoked_at__isnull=True):
        if hmac.compare_digest(candidate.digest, digest):
            found = candidate
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found
